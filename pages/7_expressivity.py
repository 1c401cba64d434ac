"""Expressivity lab: graph pairs that 1-WL colour refinement (and so attention read as a GAT) cannot tell apart while
their clique complexes' Betti numbers differ; the Weisfeiler-Leman ladder (the smallest k that separates each pair,
theorems and measurements told apart); and strict Match3 (Sanford et al. 2023) with the pairwise-only oracle beside
every model: true labels, predictions, scores per position, and a 2-simplicial slice S[i, j, l] on the witnesses.
"""

import numpy as np
import streamlit as st
import torch

from hoviz.errors import HovizError, TaskError
from hoviz.tasks import TaskSpec
from hoviz.views import expressivity as views
from hoviz.views.expressivity import PAIRS
from hoviz.viz import ladder
from hoviz.viz import match3 as m3views
from hoviz.viz.compare import model_kind
from hoviz.viz.expressivity import (
    matching_pairs,
    pair_summary,
)
from pages.glue import cached, cached_zoo, exports, frame, guide, linking, url_state, zoo

frame.ensure_frame()
PAIR_NOTES = {"k3c6": "Both are 2-regular with 6 nodes and 6 edges: every node sees two neighbours of its own colour "
                      "forever. The clique complex fills the two triangles: two components and no loop, against "
                      "one component with one loop.",
              "rook": "Both are strongly regular SRG(16, 6, 2, 2) with 32 triangles each, so folklore 2-WL (as strong as "
                      "3-WL) fails; folklore 3-WL separates them (the rook graph has eight K4s). Filling "
                      "the triangles (a rank-2 clique complex) leaves the rook graph's eight K4s as hollow spheres "
                      "(β2 = 8) and turns Shrikhande into a torus (β = 1, 2, 1)."}


st.header("Expressivity lab")
guide.ignores_sidebar("its graphs are fixed pairs, its Match3 sequences are drawn or typed here, and its "
                      "models are every installed Match3 model.")

# ---------------------------------------------------------------- WL pairs
st.subheader("What 1-WL cannot see, and a clique complex can")
p1, p2 = st.columns([2, 1])
pair = url_state.url_selectbox("Graph pair", list(PAIRS), "pair", where=p1,
                            format_func=lambda k: f"{PAIRS[k][0]} vs {PAIRS[k][2]}")
wl_layout = url_state.url_selectbox("Layout", ["circular", "spring", "grid"], "wl_layout", where=p2,
                                 help="grid: the 4×4 pairs' (row, col) cells; circular: nodes in order")
with zoo.boundary("Cannot build the graph pair"):
    wl = cached_zoo.wl_pair(pair)
    g1, g2 = wl.graphs
    exports.plot(cached_zoo.wl_figure(pair, wl_layout), f"wl-{pair}")
    st.caption("Read it: same colour = nodes 1-WL cannot tell apart; identical colour counts on both sides mean "
               "message passing sees the same graph, while the Betti numbers in the titles differ.")
    summary = pair_summary(g1, g2)
    st.dataframe([{"graph": name, **inv, "WL colour classes": len(set(c.values())), "clique-complex Betti": str(b)}
                  for name, inv, c, b in zip(wl.names, summary.values(), wl.colours, wl.betti)],
                 hide_index=True)
    st.caption(f"1-WL after {wl.rounds} round(s): {'indistinguishable' if wl.same else 'distinguished'}. "
               + PAIR_NOTES[pair])
    exports.download_json("Download the pair (JSON)",
                         {"pair": wl.names, "betti": wl.betti, "wl_indistinguishable": wl.same,
                          "graphs": [{"nodes": [str(v) for v in g.nodes], "edges": [[str(u), str(v)] for u, v in g.edges],
                                      "wl_colours": {str(v): c for v, c in col.items()}}
                                     for g, col in zip(wl.graphs, wl.colours)]},
                         f"wl-{pair}.json", key="dl-wl")

# ---------------------------------------------------------------- the WL ladder
st.subheader("The Weisfeiler-Leman ladder: the smallest k that tells each pair apart")
with zoo.boundary("Cannot run the WL ladder"):
    rows = cached_zoo.ladder_rows()
    exports.plot(ladder.ladder_figure(rows), "wl-ladder")
    st.caption("Read it: one row per pair; red: that rung cannot tell the two graphs apart, green: the first rung "
               "that does, grey: implied (a stronger rung separates whatever a weaker one does).")
    st.dataframe(ladder.ladder_table(rows), hide_index=True)
    t1, t2 = st.columns(2)
    t1.markdown("**Theorems** (cited)\n\n" + "\n".join(f"- {c.text} ({c.source})" for c in ladder.CLAIMS
                                                         if c.kind == "theorem"))
    t2.markdown("**Measured by this app**\n\n" + "\n".join(f"- {c.text} ({c.source})" for c in ladder.CLAIMS
                                                             if c.kind == "measured"))

# ---------------------------------------------------------------- Match3
st.subheader("Strict Match3: y_i = 1 iff x_i + x_j + x_l ≡ 0 (mod M) for some j < l < i")
entries = zoo.zoo()
specs = {}
for name, e in entries.items():
    if e.task and e.task.get("name") in ("match3", "match3-repeats") and not e.error:
        try:
            specs.setdefault(TaskSpec.from_dict(e.task), []).append(name)
        except HovizError:
            continue
if not specs:
    st.info("No Match3 models are installed (sidecar task.name == \"match3\"). Train them with `make zoo` or "
            "`python -m hoviz train --preset match3-simplicial2` and `python -m hoviz train --preset match3-dense` to compare a dense and a "
            "2-simplicial model here.")
    st.stop()
by_key = {f"{s.name}-M{s.M}-N{s.N}": s for s in specs}
task_key = url_state.url_selectbox("Task", list(by_key), "m3task", format_func=lambda k: f"Match3 {k}: "
                                f"{', '.join(specs[by_key[k]])}") if len(by_key) > 1 else next(iter(by_key))
spec = by_key[task_key]
names = specs[spec]
with zoo.boundary("Cannot show the Match3 scores"):
    rows = m3views.match3_rows({n: entries[n].meta for n in names})
    exports.plot(m3views.match3_scores_figure(rows), "match3-scores")
    st.caption("Read it: each bar is a model's balanced accuracy; above the pairwise-only oracle's line means it "
               "uses more than pairs of tokens.")
    oracle_note = ", ".join(f"{r.name} {r.balanced_accuracy:.3f}" for r in rows)
    st.caption(f"{spec.rule}. Sidecar balanced accuracy on scored positions: {oracle_note}; the pairwise-only oracle "
               "(hoviz.baselines: the best rule on x_i and on witnesses that pair tests can find) scores "
               + ", ".join(sorted({f"{r.oracle:.3f}" for r in rows if r.oracle is not None}) or ["(not recorded)"])
               + " on the same sequences. Recompute: `python -m hoviz eval " + " ".join(names) + "`.")
    exports.plot(m3views.match3_per_position_figure({n: cached_zoo.per_position(entries[n].ref, spec) for n in names},
                                                    cached_zoo.oracle_per_position(spec)), "match3-per-position")
    st.caption("Read it: accuracy at each position; late positions have more candidate pairs, so they separate a "
               "3-way solver from a pairwise one.")

s1, s2 = st.columns([1, 3])
mode = url_state.url_selectbox("Sequence", ["random", "typed"], "m3mode", where=s1, radio=True,
                            format_func={"random": "random (seeded)", "typed": "type one"}.get)
if mode == "random":
    seed = url_state.url_number("Seed", "m3seed", 0, 10**6, 0, where=s2)
    x = spec.sample(1, torch.Generator().manual_seed(seed))[0][0].tolist()
else:
    default = " ".join(map(str, spec.sample(1, torch.Generator().manual_seed(0))[0][0].tolist()))
    text = url_state.url_text_area(f"Residues 0..{spec.M - 1}, at most {spec.N}, separated by spaces", "m3seq", default,
                                where=s2, max_chars=20 * spec.N, height=70)
    try:
        x = views.parse_sequence(text, spec)
    except TaskError as e:
        st.error(f"Cannot use this sequence: {e}", icon="✍️")
        st.stop()
y = views.true_labels(x, spec)  # (T,)
tokens = [str(v) for v in x]

predictions, loaded = {}, {}
for name in names:
    with zoo.boundary(f"Checkpoint {name} failed"):
        lm = zoo.load_model(name)
        ids = tuple(lm.tokenizer.encode(" ".join(tokens)))
        logits, _ = cached.trace(lm.ref, ids)
        label = f"{name} ({model_kind(lm.kinds)})"  # the registry's mixer name, as everywhere in the app
        predictions[label] = views.predictions(logits, spec)
        loaded[name] = (lm, ids, label)
labels = cached_zoo.figure("labels", tokens, y, predictions)
if isinstance(url_state.current("m3i"), int) and 0 <= url_state.current("m3i") < len(x):  # the query on screen
    labels = linking.mark(labels, x=url_state.current("m3i"))
exports.plot(labels, "match3-labels", key="click-m3labels", link={"m3i": "col"}, bounds={"m3i": (0, len(x) - 1)})
st.caption("Read it: the top row is the truth, one row per model below, green = yes; a red × is a model's "
           "mistake.")
if loaded:
    st.caption("Balanced accuracy on 512 fresh sequences: " + ", ".join(
        f"{label} {cached_zoo.held_out_accuracy(lm.ref, spec):.3f}" for name, (lm, _, label) in loaded.items())
        + (". Only one Match3 model is installed; train a dense and a 2-simplicial one to compare."
           if len(loaded) == 1 else ""))

s2_names = [n for n, (lm, _, _) in loaded.items() if "simplicial2" in lm.kinds]
slice_data = {}
if not s2_names:
    st.info("No installed Match3 model has a 2-simplicial layer, so there is no slice S[i, j, l] to show.")
else:
    c1, c2, c3, c4 = st.columns(4)
    name = url_state.url_selectbox("2-simplicial model", s2_names, "m3model", where=c1)
    lm, ids, _ = loaded[name]
    layer = url_state.url_selectbox("Layer", [i for i, k in enumerate(lm.kinds) if k == "simplicial2"], "m3layer",
                                 where=c2, format_func=lambda i: f"L{i}")
    positives = np.flatnonzero(y)
    T = len(x)
    i = url_state.url_slider("Query position i", "m3i", 0, T - 1, int(positives[-1]) if len(positives) else T - 1,
                          where=c4)
    pairs = matching_pairs(x, i, spec.M, spec.name)
    n_head = lm.model.config.n_head
    weights = [views.matching_weight(cached.query_slice(lm.ref, ids, layer, h, i)[0], pairs) for h in range(n_head)]
    head = url_state.url_selectbox("Head", list(range(n_head)), "m3head", views.default_match_head(weights), where=c3,
                                format_func=lambda h: f"head {h}", help="opens on the head with most weight on the "
                                                                        "matching pairs")
    S, _, top = cached.query_slice(lm.ref, ids, layer, head, i)
    exports.plot(cached_zoo.figure("slice", S, tokens, np.array(x), i, spec.M, task=spec.name),
                 f"match3-slice-{name}-L{layer}-h{head}-i{i}")
    st.caption("Read it: row j, column l is the weight query i puts on the pair (j, l), darker = heavier; blue "
               "squares are the true matching pairs, so a solver head is dark exactly there.")
    if len(pairs):
        st.info(views.match_head_summary(weights, head), icon=":material/insights:")
    st.caption(f"Position {i} (x_i = {x[i]}): true label {'yes' if y[i] else 'no'}, {len(pairs)} matching pair(s) "
               "outlined. Top triples: " + ", ".join(f"({j}, {l}) {w:.3f}" for j, l, w in top[:5]))
    slice_data = {"slice": S, "matching_pairs": pairs, "i": i, "layer": layer, "head": head}

d1, d2 = st.columns(2)
exports.download_json("Download labels and predictions (JSON)",
                     {"task": spec.to_dict(), "x": x, "labels": y, "predictions": predictions},
                     "match3-labels.json", key="dl-m3", where=d1)
if slice_data:
    exports.download_npz("Download the slice (NPZ)", {**slice_data, "x": np.array(x), "labels": y},
                        "match3-slice.npz", key="dl-slice", where=d2)
