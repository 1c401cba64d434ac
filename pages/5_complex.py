"""Simplicial complex & persistence: a head's attention map (D = 1 - max(A, Aᵀ), Kushnareva et al. 2021) or a layer's
residual-stream point cloud lifted to a Vietoris–Rips complex at a chosen radius, capped per token; its Betti numbers,
the persistence diagram and barcode (H0, H1) and the Betti curves with that radius marked. For a layer that
lifts the tokens itself, the complex its mixer built for this prompt, with its weights; for an scn layer also the
prefix complex K_i that position i saw, its Hodge spectra (zeros: Betti numbers) and the largest filter responses.
The selected token (URL `cx_i`, or a click on a token of a 2-D complex) is ringed in every complex.
"""

import numpy as np
import streamlit as st

from hoviz.mixers import COMPLEX_MIXERS
from hoviz.views import complex as views
from hoviz.views.complex import RADII
from hoviz.viz.complex import complex_figure, ring_vertex, thin_complex
from hoviz.viz.hodge import prefix_figure, response_figure, spectrum_figure
from hoviz.viz.persistence import barcode_figure, betti_curves_figure, persistence_diagram_figure
from hoviz.zoo import ModelRef
from pages.glue import cached, exports, frame, url_state, zoo

frame.ensure_frame()
SOURCES = {"attention": "a head's attention map", "residual": "the residual stream (point cloud)"}
METRICS = {"cosine": "cosine: (1 - cos) / 2", "euclidean": "Euclidean / largest distance"}
DRAW_EDGES, DRAW_TRIANGLES = 3000, 3000


@st.cache_data(show_spinner=False, max_entries=64)
def topology(ref: ModelRef, ids: tuple[int, ...], layer: int, head: int, source: str, metric: str, cap: int):
    """(distance matrix, Persistence) once per (model, prompt, layer, head, source, cap): every radius reuses them."""
    D = views.distances(cached.trace(ref, ids)[1], layer, head, source, metric)
    return D, views.persistence(D, cap)


@st.cache_data(show_spinner=False, max_entries=256)
def lifted(ref: ModelRef, ids: tuple[int, ...], layer: int, head: int, source: str, metric: str, cap: int,
           radius: float) -> tuple[dict, list[int]]:
    """The lift at one radius and its Betti numbers."""
    return views.lifted(topology(ref, ids, layer, head, source, metric, cap)[0], radius, cap)


@st.cache_data(show_spinner=False, max_entries=64)
def mixer_complex(ref: ModelRef, ids: tuple[int, ...], layer: int) -> tuple[dict, list[int]]:
    """The complex a simplicial-conv layer built for this prompt (weights a, triangles by the product of theirs)."""
    return views.mixer_complex(cached.trace(ref, ids)[1], layer)


@st.cache_data(show_spinner=False, max_entries=64)
def complex_view(cx: dict, tokens: tuple, title: str, value_name: str, keep: str, layout: str, seed: int,
                 three_d: bool):
    """(figure, simplices left undrawn): built once per view, since a spring layout and a big figure take ~0.1 s."""
    shown, dropped = thin_complex(cx, DRAW_EDGES, DRAW_TRIANGLES, keep=keep)
    return complex_figure(shown, list(tokens), layout=layout, seed=seed, title=title, value_name=value_name,
                          three_d=three_d), dropped


@st.cache_data(show_spinner=False, max_entries=256)
def persistence_views(diagrams: dict, curves: np.ndarray, radius: float) -> tuple:
    """Persistence diagram, barcode and Betti curves with the radius marked (cached like the complex view)."""
    by_dim = {d: curves[:, d] for d in range(curves.shape[1])}
    return (persistence_diagram_figure(diagrams, radius), barcode_figure(diagrams, radius),
            betti_curves_figure(RADII, by_dim, radius))


def draw(cx: dict, tokens, title: str, name: str, value_name: str, keep: str, layout: str, seed: int, three_d: bool,
         where=None, key: str | None = None, selected: int | None = None) -> None:
    """The complex with the selected token ringed; in 2-D a click on a token (key `key`) selects it (URL `cx_i`)."""
    fig, dropped = complex_view(cx, tuple(tokens), title, value_name, keep, layout, seed, three_d)
    if dropped:
        (where or st).caption(f"Drawing the {DRAW_EDGES} {'earliest' if keep == 'low' else 'strongest'} edges and "
                              f"{DRAW_TRIANGLES} triangles; {dropped} more simplices are in the downloads.")
    linked = {} if three_d or key is None else {"key": key, "link": {"cx_i": "point_index"}, "only": ("tokens",),
                                                "bounds": {"cx_i": (0, len(tokens) - 1)}}
    exports.plot(ring_vertex(fig, selected), name, where=where, **linked)


st.header("Simplicial complex & persistence")
lm = zoo.require_model()
ids, tokens = zoo.require_tokens(lm)
T = len(ids)
scn_layers = [i for i, k in enumerate(lm.kinds) if k in COMPLEX_MIXERS]
layer = zoo.layer_picker(lm, default=scn_layers[0] if scn_layers else None)  # opens on the layer that builds one
kind = lm.kinds[layer]

c1, c2, c3, c4 = st.columns([2, 1, 2, 1])
source = url_state.url_selectbox("Lift", list(SOURCES), "src", where=c1, format_func=SOURCES.get,
                              help="attention: D = 1 - max(A, Aᵀ) of one head (2-simplicial layers: the marginal "
                                   "Σ_l S; simplicial-conv layers: their edge affinities). residual: the tokens' "
                                   "vectors entering this layer")
head, metric = 0, "cosine"
if source == "attention" and kind not in COMPLEX_MIXERS:
    head = zoo.head_picker(lm, where=c2)
elif source == "residual":
    metric = url_state.url_selectbox("Distance", list(METRICS), "dist", where=c2, format_func=METRICS.get)
radius = url_state.url_slider("Radius r", "r", 0.0, 1.0, 0.9, step=0.01, where=c3,
                           help="an edge enters when its distance is ≤ r, a triangle when its three edges have")
cap = url_state.url_number("Cap per token (0: none)", "cap", 0, 64, 8, where=c4,
                        help="each token keeps at most this many nearest earlier tokens (TopoBench-style caps)")
o1, o2, o3, o4 = st.columns([1, 1, 1, 2])
layout = url_state.url_selectbox("Layout", ["spring", "circular", "strip"], "cx_layout", where=o1,
                              help="spring: seeded force layout; circular and strip: tokens in reading order")
seed = url_state.url_number("Layout seed", "seed", 0, 9999, 0, where=o2)
three_d = url_state.url_toggle("3-D", "cx3d", False, where=o3)
selected = url_state.url_slider("Selected token", "cx_i", 0, T - 1, T - 1, where=o4,
                                help="ringed in every complex on the page; click a token of a 2-D complex to pick it")

data = {}
with zoo.boundary("Cannot lift this map"), st.spinner("Computing persistence..."):
    D, topo = topology(lm.ref, ids, layer, head, source, metric, cap)
    cx, betti = lifted(lm.ref, ids, layer, head, source, metric, cap, radius)
    what = f"L{layer} " + (f"head {head}" if source == "attention" and kind not in COMPLEX_MIXERS else
                           "edge affinities" if source == "attention" else f"residual ({metric})")
    m = st.columns(5)
    for col, (label, value) in zip(m, [("β0 (components)", betti[0]), ("β1 (loops)", betti[1]),
                                       ("β2 (voids)", betti[2]), ("edges", len(cx["edges"])),
                                       ("triangles", len(cx["triangles"]))]):
        col.metric(label, value)
    left, right = st.columns([3, 2])
    draw(cx, tokens, f"Vietoris–Rips complex of {what} at r = {radius:g}" + (f", ≤ {cap} per token" if cap else ""),
         f"{lm.name}-L{layer}-complex-r{radius:g}", "filtration", "low", layout, seed, three_d, where=left,
         key="click-complex", selected=selected)
    left.caption(f"Read it: an edge joins two tokens at distance ≤ r, a filled triangle three pairwise-close tokens; "
                 f"a ring of edges left unfilled is a loop (β1). Ringed: the selected token {selected} "
                 f"({tokens[selected]!r}).")
    diagram, barcode, betti_fig = persistence_views(topo.diagrams, topo.curves, radius)
    exports.plot(diagram, f"{lm.name}-L{layer}-diagram", where=right)
    b1, b2 = st.columns(2)
    exports.plot(barcode, f"{lm.name}-L{layer}-barcode", where=b1)
    exports.plot(betti_fig, f"{lm.name}-L{layer}-betti", where=b2)
    b2.caption("Read it: how many components (β0), loops (β1) and voids (β2) the complex has at each radius; the "
               "orange line is the radius on screen.")
    st.caption("Diagram and barcode: H0 and H1 of the (capped) Rips filtration, ending at 1 (a zero attention weight); "
               "at radius r the features alive are the bars crossing the orange line. β2 comes from the Euler "
               "characteristic.")
    data.update({"distance": D, "H0": topo.diagrams[0], "H1": topo.diagrams[1], "radii": RADII,
                 "betti_curves": topo.curves, "edges": cx["edges"], "edge_filtration": cx["edge_filtration"],
                 "triangles": cx["triangles"], "triangle_filtration": cx["triangle_filtration"],
                 "betti": np.array(betti)})

if scn_layers and layer not in scn_layers:
    st.info(f"L{layer} is a {kind} layer; the complex a simplicial mixer builds itself is shown for "
            + ", ".join(f"L{i} · {lm.kinds[i]}" for i in scn_layers) + ": pick it in the sidebar's layer picker.")
elif scn_layers:
    st.subheader("The complex the simplicial mixer built")
    scn = layer  # one layer picker per page: the sidebar's
    cfg = lm.model.config
    st.caption(f"Built inside the forward pass: edges {{j, i}} (j < i) to ≤ {cfg.scn_max_edges} nearest earlier tokens "
               f"with affinity a ≥ {1 - cfg.scn_radius:g}, triangles ≤ {cfg.scn_max_triangles} per token; colour is "
               "the weight a (triangles: the product of their edges').")
    with zoo.boundary("Cannot show the mixer's complex"):
        mcx, mbetti = mixer_complex(lm.ref, ids, scn)
        st.write(f"Betti numbers (β0, β1, β2) = {tuple(mbetti)}; {len(mcx['edges'])} edges, "
                 f"{len(mcx['triangles'])} triangles.")
        draw(mcx, tokens, f"L{scn}: the mixer's complex for this prompt", f"{lm.name}-L{scn}-mixer-complex",
             "weight", "high", layout, seed, three_d, key="click-mixer-complex", selected=selected)
        data.update({f"mixer_L{scn}_{k}": v for k, v in mcx.items() if isinstance(v, np.ndarray)})
        data[f"mixer_L{scn}_betti"] = np.array(mbetti)
        if lm.kinds[scn] == "scn":
            i = url_state.url_slider("Position i: the prefix complex K_i it saw", "scn_i", 0, T - 1, T - 1)
            view = cached.scn_view(lm.ref, ids, scn, i)
            st.write(f"K_{i}: Betti numbers (β0, β1, β2) = {view.spectra.betti} (zero eigenvalues of L0, L1, L2); "
                     f"{len(view.prefix['edges'])} edges, {len(view.prefix['triangles'])} triangles.")
            p1, p2 = st.columns([3, 2])
            exports.plot(ring_vertex(prefix_figure(view, tokens, layout, seed, three_d), selected),
                         f"{lm.name}-L{scn}-K{i}", where=p1,
                         **({} if three_d else {"key": "click-prefix", "link": {"scn_i": "point_index"},
                                                "only": ("tokens",), "bounds": {"scn_i": (0, T - 1)}}))
            exports.plot(response_figure(view, tokens), f"{lm.name}-L{scn}-K{i}-responses", where=p2)
            exports.plot(spectrum_figure(view.spectra), f"{lm.name}-L{scn}-K{i}-spectra")

if data:
    d1, d2 = st.columns(2)
    exports.download_npz("Download diagrams and complexes (NPZ)", {**data, "ids": np.array(ids)},
                        f"{lm.name}-L{layer}-complex.npz", key="dl-npz", where=d1)
    exports.download_json("Download the complex (JSON)",
                         {"model": lm.name, "layer": layer, "head": head, "source": source, "metric": metric,
                          "radius": radius, "cap": cap, "tokens": tokens, **data},
                         f"{lm.name}-L{layer}-complex.json", key="dl-json", where=d2)
