"""Evidence: does higher order help here? Per 2-simplicial head, its interaction score (how far its logits are from
additive in the two keys) against the causal effect of replacing it by its pairwise surrogate, zero or its mean;
the per-token Δ of that intervention on the prompt; and the prompt read by two models token by token, with where one
wins over held-out text. Numbers over held-out text come from `python -m hoviz interventions` (stored report).
The selected head is highlighted in its scatter and bars, the selected position (URL `evi`, or a click on a token or
the profile) marked in the profile and both token strips.
"""

import streamlit as st

from hoviz.interventions import KINDS
from hoviz.views import evidence
from hoviz.viz.evidence import bucket_figure, comparison_strip, wins_rows
from pages.glue import cached_zoo, exports, frame, guide, url_state, zoo

frame.ensure_frame()


st.header("Evidence: does higher order help here?")
lm = zoo.require_model()
ids, tokens = zoo.require_tokens(lm)

st.subheader("Per 2-simplicial head: 3-way score against causal effect")
choices = evidence.surrogate_heads(lm.model)
if not choices:
    having = zoo.models_with("simplicial2")
    st.info(f"**{lm.name}** has no 2-simplicial layer (its mixers: {', '.join(lm.kinds)}), so there is no 3-way "
            "head to test. " + (f"Models with one: {', '.join(having)}." if having else ""))
    guide.switch_to(having, "has 2-simplicial heads to test")
else:
    with st.spinner("Scoring every 2-simplicial head..."):
        hv = cached_zoo.heads_view(lm.ref, ids)
    st.caption("**Interaction** = mean over queries of KL(S[i] ‖ softmax(μ + α + β)): 0 iff the head's trilinear "
               "logits are additive in its two keys, i.e. the head equals its **pairwise surrogate** "
               "(Σ_j p_j v1_j) ⊙ (Σ_l p_l v2_l), two ordinary attentions. **Joint spread (mutual information)** "
               "= KL(S[i] ‖ Σ_l S ⊗ Σ_j S), ≈ 0 for a head that sharply reads one pair. **Effect** = change in "
               f"log-loss when the head is replaced. Computed on {hv.note}")
    c1, c2 = st.columns([1, 2])
    names = [f"L{li}h{h}" for li, h in choices]
    name = url_state.url_selectbox("Head", names, "evhead", where=c1)
    layer, head = choices[names.index(name)]
    kind = url_state.url_selectbox("Replace it by", list(KINDS), "evkind", where=c2, radio=True, horizontal=True,
                                   format_func=lambda k: {"surrogate": "its pairwise surrogate", "zero": "zero",
                                                          "mean": "its mean output"}[k])
    T = len(ids)
    scores = cached_zoo.layer_scores(lm.ref, ids, layer)  # (H, T) interaction KL, (H, T) joint spread
    i = url_state.url_slider("Selected position i", "evi", 0, T - 1, evidence.default_position(scores[0][head]),
                             help="opens where this head's interaction KL peaks on the prompt; click a token or a "
                                  "point of the profile to move it")
    figs = evidence.head_figures(hv, (layer, head), scores, tokens, i=i)
    at_i = {"key": "click-ev-profile", "link": {"evi": "x"}, "bounds": {"evi": (0, T - 1)}}  # the profile sets i
    strip = {"link": {"evi": "cd0"}, "bounds": {"evi": (0, T - 1)}}  # a token strip's cell: its position
    a1, a2 = st.columns(2)
    exports.plot(figs.scatter, f"{lm.name}-evidence-heads", where=a1, key="click-ev-scatter", link={"evhead": "text"})
    if figs.effects is not None:  # a click on a head's point or bar picks it
        exports.plot(figs.effects, f"{lm.name}-evidence-effects", where=a2, key="click-ev-effects",
                     link={"evhead": "label"})
    else:
        exports.plot(figs.profile, f"{lm.name}-{name}-scores", where=a2, **at_i)
    a1.caption("Read it: one point per head, its mean 3-way score (x) against the change when it is replaced (y); a "
               "head far right and far from y = 0 is both 3-way and needed. Click a point to pick the head.")
    if hv.all_heads:
        st.table([{"every 2-simplicial head at once": e.label, "Δ log-loss": round(e.delta_loss, 4),
                   **({"Δ balanced accuracy": round(e.delta_balanced_accuracy, 4)} if hv.is_match else {})}
                  for e in hv.all_heads.values()])
    if figs.effects is not None:
        exports.plot(figs.profile, f"{lm.name}-{name}-scores", where=st.container(), **at_i)
    st.caption(f"Read it: the head's two scores at each query of the prompt; the dashed line is the selected position "
               f"i = {i} ({tokens[i]!r}), marked in the token strips below too.")
    with zoo.boundary(f"{name} {kind}"):
        with st.spinner("Mean-ablation reference: one forward over the model's reference sample, once per model..."
                        if kind == "mean" else "Running the intervened model on the prompt..."):
            eff = cached_zoo.intervention_delta(lm.ref, ids, layer, head, kind)
        exports.plot(evidence.delta_figure(eff, tokens, f"{name} {kind}", i=i), f"{lm.name}-{name}-{kind}-delta",
                     where=st.container(), key="click-ev-delta", **strip)
        st.caption("Read it: red tokens got harder to predict once the head is replaced, blue ones easier; the "
                   "outlined token is the selected position (click a token to select it).")
        exports.download_json("Download evidence (JSON)",
                              {"model": lm.name, "source": hv.source, "note": hv.note,
                               "heads": [{"head": h.name, "interaction": h.interaction, "joint_spread": h.joint_spread,
                                          "effects": {k: e.delta_loss for k, e in h.effects.items()}}
                                         for h in hv.heads],
                               "prompt": {"head": name, "kind": kind, "tokens": tokens, "delta": eff.delta}},
                              f"{lm.name}-evidence.json", key="dl-evidence")

st.subheader("Model against model on this prompt")
others = evidence.comparable(zoo.zoo(), lm.name)
if not others:
    st.info(f"No other installed model reads **{lm.name}**'s vocabulary, so there is nothing to compare it with.")
    st.stop()
other = url_state.url_selectbox("Compare with", others, "vs", default=next((n for n in others if "dense" in n),
                                                                           others[0]))
om = zoo.load_model(other)
with zoo.boundary("Model comparison"):
    cmp = cached_zoo.compare_prompt((lm.ref, om.ref), ids)
    selected = url_state.current("evi")  # the position selected above (none for a model without 3-way heads)
    selected = selected if isinstance(selected, int) and 0 <= selected < len(ids) else None
    exports.plot(comparison_strip(cmp, highlight=selected), f"{lm.name}-vs-{other}-tokens", where=st.container(),
                 **({"key": "click-ev-compare", "link": {"evi": "cd0"}, "bounds": {"evi": (0, len(ids) - 1)}}
                    if selected is not None else {}))
    st.caption(f"Read it: each token coloured by how much better (blue) or worse (red) {other} predicts it than "
               f"{lm.name}.")
    w1, w2 = st.columns(2)
    w1.caption(f"Where **{other}** wins most")
    w1.dataframe(wins_rows(cmp.top_wins(1, 0, k=8), cmp.models), hide_index=True)
    w2.caption(f"Where **{lm.name}** wins most")
    w2.dataframe(wins_rows(cmp.top_wins(0, 1, k=8), cmp.models), hide_index=True)
if url_state.url_toggle(f"Summarise over held-out text ({evidence.PAGE_WINDOWS} windows, seed 0)", "evheld"):
    with zoo.boundary("Held-out comparison"), st.spinner("Reading the held-out sample with both models..."):
        s = cached_zoo.compare_sample((lm.ref, om.ref))
        st.caption(f"{s.sample}: mean Δ ({other} − {lm.name}) {s.mean_delta:+.4f} ± {s.delta_se:.4f} nats/token "
                   "(s.e. over windows); negative: the second model predicts better. "
                   "The full 64-window numbers: `python -m hoviz.compare_tokens A B`.")
        b1, b2, b3 = st.columns(3)
        for where, rows, title in ((b1, s.by_word_position, "by position in the word"),
                                   (b2, s.by_repeat_distance, "by distance to the previous occurrence"),
                                   (b3, s.by_window_position, "by position in the window")):
            if rows:
                exports.plot(bucket_figure(rows, title=title), f"{lm.name}-vs-{other}-{title.split()[-1]}",
                             where=where)
