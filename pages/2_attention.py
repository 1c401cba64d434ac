"""Attention graph: a layer's heads as adjacency matrices (causal mask in grey), one head enlarged with token labels
and drawn as a weighted directed graph (attention is a GAT over the complete causal graph), per-head entropy.
2-simplicial layers show their pairwise marginals Σ_l S and Σ_j S; gated_triangle and scn layers their complex's edges.
Clicks select: a thumbnail or entropy bar the head, a graph node the query i, the strips beside the matrix i and key j.
"""

import numpy as np
import streamlit as st

from hoviz.mixers import COMPLEX_MIXERS
from hoviz.views import attention
from hoviz.viz.attention import KEY_STRIP, QUERY_STRIP
from pages.glue import cached, exports, frame, linking, url_state, zoo

frame.ensure_frame()
STRIPS = (KEY_STRIP, QUERY_STRIP)  # the matrix's click targets: a row of keys below it, a column of queries right
# (no targets over the (T, T) cells: they would cost O(T²) points; the cells hover with their tokens)

MARGINALS = {"j": "Σ_l S[i, j, l]: how much query i reads key j as its first key",
             "l": "Σ_j S[i, j, l]: how much query i reads key l as its second key"}

st.header("Attention graph")
lm = zoo.require_model()
ids, tokens = zoo.require_tokens(lm)
T = len(ids)
layer = zoo.layer_picker(lm)
kind = lm.kinds[layer]

which = "j"
if kind == "simplicial2":
    which = url_state.url_selectbox("Pairwise view of the 2-simplicial layer", list(MARGINALS), "marginal",
                                 radio=True, horizontal=True, format_func=MARGINALS.get)
    st.caption("A 2-simplicial head attends to pairs (j, l); summing its 3-way pattern over one key gives an "
               "ordinary (T, T) attention matrix, shown here with the same views as a dense head. "
               "The full pattern is on the 3-way interactions page.")
elif kind in COMPLEX_MIXERS:
    st.caption("A gated_triangle or scn layer has no heads: it lifts the tokens to a complex. Shown is its "
               "edge-affinity matrix: entry [i, j] is the weight of edge {j, i} born at token i (j < i); "
               "the triangles are on the simplicial complex page.")
allowed = cached.allowed(lm.ref, T, layer, which)  # (T, T)

with st.spinner(f"Tracing layer {layer} of {lm.name}..."):
    patterns = cached.pairwise(lm.ref, ids, layer, which)  # (H, T, T)
H = patterns.shape[0]
head = 0 if kind in COMPLEX_MIXERS else zoo.head_picker(lm)
title = attention.head_titles(kind, H)[head]

g1, g2 = st.columns([3, 1])
st.subheader(f"L{layer} · {title}")
p1, p2 = st.columns(2)
i = url_state.url_slider("Query position i", "qi", 0, T - 1, T - 1, where=p1,
                         help="the selected query: its row in the matrix, its node in the graph (or click either)")
key = url_state.url_slider("Key position j", "kj", 0, T - 1, max(0, i - 1), where=p2,
                           help="the selected key: its column in the matrix (or click the strip below the matrix)")
c1, c2 = st.columns(2)
with c2:
    o1, o2, o3 = st.columns(3)
    threshold = url_state.url_slider("Edge threshold", "thr", 0.0, 1.0, 0.1, step=0.01, where=o1,
                                     help="draw edges whose weight is at least this")
    top_k = url_state.url_slider("Top keys per query", "topk", 1, max(1, min(16, T - 1)), attention.GRAPH_TOP_K,
                                 where=o2, help="draw only each query's k heaviest keys (a readable graph)")
    layout = url_state.url_selectbox("Layout", ["circular", "spring"], "layout", where=o3,
                                     help="circular: tokens in reading order clockwise; spring: weighted force layout")
with st.spinner("Laying out the graph..."):
    figs = attention.figures(patterns, allowed, tokens, head, kind=kind, threshold=threshold, layout=layout,
                             top_k=top_k, query=i)
linked = {} if kind in COMPLEX_MIXERS else {"head": (0, H - 1)}  # a click on a head's thumbnail or bar picks it
exports.plot(linking.mark_subplot(figs.grid, head) if linked else figs.grid, f"{lm.name}-L{layer}-heads", where=g1,
             key="click-grid", targets=160,
             link={"head": "trace"} if linked else None, bounds=linked)
exports.plot(figs.entropy, f"{lm.name}-L{layer}-entropy", where=g2, key="click-entropy",
             link={"head": "point_index"} if linked else None, bounds=linked)
g1.caption("Read it: one thumbnail per head, row = query, column = key; a bright sub-diagonal is a "
           "previous-token head, a bright first column a head parked on the first token. Click one to enlarge it.")
g2.caption("Read it: low entropy = a head that looks at few keys; the dashed line is uniform attention.")
if kind not in COMPLEX_MIXERS:
    st.info(attention.head_summary(patterns, head), icon=":material/insights:")
st.info(attention.query_summary(patterns[head], tokens, i, key, allowed=allowed), icon=":material/my_location:")
positions = {"qi": (0, T - 1), "kj": (0, T - 1)}
exports.plot(linking.mark(figs.matrix, x=key, y=i), f"{lm.name}-L{layer}-h{head}-matrix", where=c1,
             key="click-matrix", link={"kj": "cd0", "qi": "cd1"}, bounds=positions, only=STRIPS, cover=())
c1.caption("Read it: row i is what query i reads; grey cells are masked (the future). Click the strip below the "
           "matrix to pick a key j, the strip on its right to pick a query i.")
exports.plot(figs.graph, f"{lm.name}-L{layer}-h{head}-graph", where=c2, key="click-graph", link={"qi": "cd0"},
             bounds=positions, only=["tokens"])
c2.caption(f"Read it: an edge j → i (arrowhead at the query i) for each weight above the threshold, each query's "
           f"{top_k} heaviest keys; thicker = heavier. Click a token to select it as the query (ringed, its keys in "
           "orange).")

entropies, edges = figs.entropies, figs.edges
d1, d2 = st.columns(2)
exports.download_npz("Download the layer's matrices (NPZ)", {"patterns": patterns, "ids": np.array(ids),
                                                            "tokens": np.array(tokens), "entropy": entropies},
                    f"{lm.name}-L{layer}-attention.npz", key="dl-npz", where=d1)
exports.download_json("Download the head's graph (JSON)",
                     {"model": lm.name, "layer": layer, "head": head, "kind": kind, "tokens": tokens,
                      "threshold": threshold, "top_k": top_k, "edges": [{"source": j, "target": i, "weight": w} for j, i, w in edges]},
                     f"{lm.name}-L{layer}-h{head}-graph.json", key="dl-json", where=d2)
