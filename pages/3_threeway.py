"""3-way interactions: one 2-simplicial head's pattern S[i, j, l] for a chosen query i, as the (j, l) slice beside
its mask slice (a leaky mask shows its future pairs in red), the top triples as triangles over the token strip,
the other orientations (fix key j or key l; opens on query i's heaviest key), and the per-head 3-wayness
KL(S[i] || Σ_l S ⊗ Σ_j S). A click on a cell, on a token in the white band along a slice's axes, on the strip or on
the profile selects. Only the slices on screen are computed (T² values each); the T³ pattern is never built.
"""

import numpy as np
import streamlit as st

from hoviz.views import threeway
from hoviz.views.threeway import default_head, default_key, default_layer, default_query, head_summary
from hoviz.viz.threeway import reads_future
from pages.glue import cached, exports, frame, guide, linking, url_state, zoo

frame.ensure_frame()

st.header("3-way interactions")
lm = zoo.require_model()
s2_layers = [n for n, kind in enumerate(lm.kinds) if kind == "simplicial2"]
if not s2_layers:
    having = zoo.models_with("simplicial2")
    st.info(f"**{lm.name}** has no 2-simplicial layer (its mixers: {', '.join(lm.kinds)}). "
            + (f"Models with one: {', '.join(having)}; pick one in the sidebar." if having else
               "No installed model has one: train e.g. shakespeare-simplicial2 (`make zoo`)."))
    guide.switch_to(having, "has a 2-simplicial layer")
    st.stop()
ids, tokens = zoo.require_tokens(lm)
T = len(ids)
best = default_layer({n: cached.interaction(lm.ref, ids, n) for n in s2_layers})
layer = zoo.layer_picker(lm, kinds=("simplicial2",), label="2-simplicial layer", default=best)
inter = cached.interaction(lm.ref, ids, layer)  # (H, T)
head = zoo.head_picker(lm, default=default_head(inter), help="opens on the head with the largest interaction KL")

scores = cached.threeway_scores(lm.ref, ids, layer)  # (H, T)
st.info(head_summary(inter, head) + ". Interaction KL: how far S[i] is from its pairwise surrogate, 0 iff the head "
        "needs no pair of keys together.", icon=":material/insights:")

c1, c2 = st.columns([3, 1])
i = url_state.url_slider("Query position i", "i", 0, T - 1, default_query(scores, head), where=c1,
                         help="opens on the query where this head is most 3-way")
k = url_state.url_slider("Top triples", "triples", 1, 20, 8, where=c2)
with st.spinner("Slicing the 3-way pattern..."):
    S, allowed, triples = cached.query_slice(lm.ref, ids, layer, head, i, k)

st.caption(f"Query i = {i} ({tokens[i]!r}) attends to pairs of keys (j, l) with one softmax over all pairs; "
           f"each row of the left map is a first key j, each column a second key l. Σ = {S.sum():.3f}.")
a1, a2 = st.columns(2)
tri = st.container()

st.subheader("Other orientations")
fixed, controls = st.columns(2)  # the fixed-key slice in a column as wide as the S slice's: the same size
axis = url_state.url_selectbox("Fix", ["j", "l"], "axis", where=controls, radio=True,
                               format_func=lambda a: f"key {a}: S[:, {a}, :]" if a == "j" else f"key {a}: S[:, :, {a}]")
context = (lm.name, layer, head, i, axis)  # a key picked for another query (or head, orientation) is not kept
if st.session_state.get("_threeway_key_for", context) != context:
    url_state.forget("key")
st.session_state["_threeway_key_for"] = context
index = url_state.url_slider(f"Key position {axis}", "key", 0, T - 1, default_key(S, axis), where=controls,
                             help="opens on the key query i weighs most (largest marginal of its S slice)")
with st.spinner("Slicing..."):
    K, k_allowed = cached.key_slice(lm.ref, ids, layer, head, axis, index)
figs = threeway.figures(S, allowed, triples, K, k_allowed, scores, tokens, i, head, axis, index)
name = f"{lm.name}-L{layer}"


def ticked(fig, ylabel: str, xlabel: str):
    """`fig` with a clickable band along both token axes: a click on a token there makes it the query i."""
    return linking.tick_targets(linking.tick_targets(fig, tokens, axis="x", what=xlabel), tokens, axis="y",
                                what=ylabel)


TICKS = {"ticks": {"i": "cd0"}, "bounds": {"i": (0, T - 1), "key": (0, T - 1)}}  # tick bands set the query i
exports.plot(ticked(linking.mark(figs.slice, **{"y" if axis == "j" else "x": index}), "key j", "key l"),
             f"{name}-h{head}-S-i{i}", where=a1, key="click-slice", link={"key": "y" if axis == "j" else "x"}, **TICKS)
a1.caption("Read it: a bright cell (j, l) is a pair of keys query i reads together; a single bright row or column "
           "means one key matters alone (a pairwise head). Click a cell to fix its key below, a token in the white "
           "band along an axis to make it the query.")
if reads_future(allowed, i):  # the mask panel only when the mask is not plainly causal (grey in S otherwise)
    exports.plot(ticked(figs.mask, "key j", "key l"), f"{name}-mask-i{i}", where=a2, key="click-mask",
                 link={"key": "y" if axis == "j" else "x"}, **TICKS)
    a2.caption("Read it: the pairs (j, l) query i may read; any allowed pair with a key after i lets it read the "
               "future (a leak, drawn in red).")
exports.plot(figs.triangles, f"{name}-h{head}-triples-i{i}", where=tri, key="click-triples", link={"i": "x"},
             bounds={"i": (0, T - 1)})
tri.caption("Read it: each triangle joins query i (raised) to its two keys j and l on the token strip; thicker "
            "and more opaque = more weight.")
exports.plot(ticked(linking.mark(figs.fixed_key, y=i), "query i", "key " + ("l" if axis == "j" else "j")),
             f"{name}-h{head}-S-{axis}{index}", where=fixed, key="click-fixed", link={"i": "y"}, **TICKS)
controls.caption(f"Read it: each query's weight on the pairs that contain key {axis} = {index}, for the queries from "
              f"{axis} on (as many as the S slice has rows, over its columns); the marked row i repeats the S slice's "
              f"{'row' if axis == 'j' else 'column'} {index}. Grey: masked.")

st.subheader("How 3-way is each head?")
b1, b2 = st.columns(2)
exports.plot(figs.heads, f"{name}-threewayness", where=b1, key="click-heads", link={"head": "point_index"})
b1.caption("Read it: the mean joint spread (mutual information of j and l) per head; the highlighted bar is the "
           "head on screen.")
exports.plot(figs.profile, f"{name}-h{head}-threeway-profile", where=b2, key="click-profile", link={"i": "x"},
             bounds={"i": (0, T - 1)})
b2.caption("Read it: this head's joint spread per query; the page opens on its peak, the marker is the query i.")

d1, d2 = st.columns(2)
arrays = {"S_query": S, "mask_query": allowed, f"S_fixed_{axis}": K, f"mask_fixed_{axis}": k_allowed,
          "threeway_kl": scores, "triples": np.array([(i, j, l, w) for j, l, w in triples]).reshape(-1, 4),
          "ids": np.array(ids), "tokens": np.array(tokens)}
exports.download_npz("Download slices (NPZ)", arrays, f"{lm.name}-L{layer}-h{head}-i{i}-threeway.npz",
                    key="dl-npz", where=d1)
exports.download_json("Download triples and scores (JSON)",
                     {"model": lm.name, "layer": layer, "head": head, "i": i, "tokens": tokens,
                      "triples": [{"i": i, "j": j, "l": l, "weight": w} for j, l, w in triples],
                      "threeway_kl_per_head": scores.mean(1), "threeway_kl_per_query": scores[head]},
                     f"{lm.name}-L{layer}-h{head}-i{i}-threeway.json", key="dl-json", where=d2)
