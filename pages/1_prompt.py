"""Prompt: the prompt's tokens coloured by the model's surprisal (per-token loss), the top-k next tokens at a chosen
position, a sampled continuation, and the same prompt through two or three models side by side.
Match-task models show P(yes) per position against the true labels instead of surprisal.
"""

import numpy as np
import streamlit as st

from hoviz.views import cost as views_cost
from hoviz.views import prompt as views
from hoviz.viz.tokens import token_strip, topk_bar
from pages.glue import cached, cost, exports, frame, guide, url_state, zoo

frame.ensure_frame()


def token_view(lm, ids: tuple, pos: int, k: int, where, key: str, wrap: int = 32) -> dict:
    """Draw the token strip and the top-k bars for one model into `where`; return the arrays shown."""
    logits, _ = cached.trace(lm.ref, ids)
    tokens = lm.tokenizer.tokens(ids)
    spec = zoo.match_task(lm.meta.get("task"))
    tv = views.token_values(logits, ids, spec)
    if spec is not None:  # a Match model predicts the label of each position, not the next residue
        data = {"ids": np.array(ids), "p_yes": tv.values}
        shown = tokens
        if tv.label is not None:
            data["label"] = tv.label
            where.metric("accuracy on this sequence", f"{tv.accuracy:.0%}", help="P(yes) > 0.5 against the true labels")
            shown = [f"{t}{'✓' if lab else ''}" for t, lab in zip(tokens, tv.label)]
        exports.plot(token_strip(shown, tv.values, title="P(yes) per position (✓: the true label is yes)",
                                 colorbar_title="P(yes)", colorscale="RdBu_r", zmax=1.0, wrap=min(wrap, 16),
                                 highlight=pos, value_format=".3f"), f"{lm.name}-p-yes", where=where,
                     key=f"{key}-strip", link={"pos": "cd0"}, bounds={"pos": (0, len(ids) - 1)})
        where.caption("Read it: red = the model says yes at that position, blue = no; ✓ marks where the true "
                      "label is yes.")
    else:
        data = {"ids": np.array(ids), "surprisal": tv.values}
        mean = tv.mean_surprisal
        where.metric("mean surprisal (nats/token)", f"{mean:.3f}", help=f"{mean / np.log(2):.3f} bits/token: the "
                     "model's loss on this prompt, -log p(x_t | x_<t), averaged over t >= 1")
        exports.plot(token_strip(tokens, tv.values, title="surprisal per token (nats)", wrap=wrap, highlight=pos,
                                 zmax=float(np.log(len(lm.tokenizer))) + 1.0),
                     f"{lm.name}-surprisal", where=where, key=f"{key}-strip", link={"pos": "cd0"},
                     bounds={"pos": (0, len(ids) - 1)})
        where.caption("Read it: darker = more surprising; each token is coloured by -log p(token | what precedes it).")
    probs = views.next_token_probs(logits, pos)
    actual = ids[pos + 1] if pos + 1 < len(ids) and spec is None else None
    vocab = lm.tokenizer.tokens(range(len(lm.tokenizer)))
    exports.plot(topk_bar(probs, vocab, k, title=f"next token after position {pos} ({tokens[pos]!r})"
                         + ("; orange = the prompt's actual next token" if actual is not None else ""),
                         actual=actual), f"{lm.name}-top{k}-pos{pos}", where=where, key=f"{key}-topk")
    where.caption("Read it: the k most likely next tokens after the chosen position, most likely on top.")
    data["probs_at_pos"] = probs
    return data


st.header("Prompt")
guide.intro()
lm = zoo.require_model()
enc = zoo.require_prompt(lm)
ids = tuple(enc.ids)
T = len(ids)
entries = zoo.zoo()

c1, c2, c3 = st.columns([3, 1, 2])
pos = url_state.url_slider("Position for the next-token distribution", "pos", 0, T - 1, T - 1, where=c1)
k = url_state.url_slider("top-k", "k", 1, min(30, len(lm.tokenizer)), min(10, len(lm.tokenizer)), where=c2)
others = [n for n in entries if n != lm.name]
compare = url_state.url_multiselect("Side by side with", others, "with", where=c3, max_selections=2,
                                 help="the same prompt through up to two more models")

columns = st.columns(1 + len(compare)) if compare else [st.container()]
exported = {}
for col, name in zip(columns, [lm.name, *compare]):
    col.subheader(name)
    col.caption(entries[name].label() if name in entries else "")
    with zoo.boundary(f"Checkpoint {name} failed to load", where=col):
        other = lm if name == lm.name else zoo.load_model(name)
        e, err = (enc, None) if other is lm else zoo.encode(other, zoo.prompt_text())
        if err:
            col.warning(f"{name} cannot read this prompt: {err}")
            continue
        if e.dropped and other is not lm:
            col.warning(zoo.truncation_message(other, e.dropped))
        with st.spinner(f"Running {name}..."):
            exported[name] = token_view(other, tuple(e.ids), min(pos, len(e.ids) - 1), k, col, key=f"view-{name}",
                                        wrap=32 // len(columns))

if zoo.match_task(lm.meta.get("task")) is None and url_state.url_toggle("Sample a continuation", "sample", False,
                                                 help="runs the model once per new token; cached per seed"):
    s1, s2, s3, s4 = st.columns(4)
    temperature = url_state.url_slider("temperature", "temp", 0.1, 2.0, 0.8, where=s1, step=0.05)
    top_k = url_state.url_slider("top-k (sampling)", "topk", 1, len(lm.tokenizer), min(20, len(lm.tokenizer)), where=s2)
    n_new = url_state.url_slider("new tokens", "n_new", 0, 400, 120, where=s3, step=10)
    seed = url_state.url_number("seed", "seed", 0, 2**31 - 1, 0, where=s4)
    job = (lm.ref, ids, n_new, temperature, top_k, seed)
    new = cost.peek_sample(job) if n_new else []
    if new is None:  # not drawn yet on this server: the estimate first, then the tokens as they arrive
        est = views_cost.sample_cost(lm.model, T, n_new, cost.forward_timing(lm.ref, T))
        if cost.go(est, f"sample-{lm.name}-{hash(job)}"):
            box = st.empty()
            with box.container():
                new = cost.stream_sample(job, lm.tokenizer.decode)
            box.empty()
    if new:
        text = lm.tokenizer.decode(new)
        st.code(lm.tokenizer.decode(ids[-80:]) + "▌" + text, language=None, wrap_lines=True)
        st.caption("▌ marks where the prompt (its last 80 tokens) ends and the sample begins; same seed, same text.")
        exported.setdefault(lm.name, {})["sample_ids"] = np.array(new)

d1, d2 = st.columns(2)
exports.download_npz("Download arrays (NPZ)", {f"{m}/{a}": v for m, arr in exported.items() for a, v in arr.items()},
                    "hoviz-prompt.npz", key="dl-npz", where=d1)
exports.download_json("Download as JSON", {"prompt": zoo.prompt_text(), "models": exported},
                     "hoviz-prompt.json", key="dl-json", where=d2)
