"""Plotly figures of the expressivity lab: 1-WL-indistinguishable graph pairs, and Match3 solved by 3-way attention.

WL pairs (docs/theory.md §5): both graphs drawn side by side, nodes coloured by their (jointly refined) 1-WL colour,
triangles of the clique complex filled, Betti numbers in the titles. Match3 (Sanford et al. 2023; strict: j < l < i):
true labels and each model's predictions per position, and the slice S[i, j, l] with the true witnesses marked.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hoviz.viz import PALETTE
from hoviz.viz.complex import TRIANGLE_FILL, tidy
from hoviz.viz.layout import edge_trace_xy, graph_positions, triangle_trace_xy


def triangles_of(g: nx.Graph) -> list[tuple]:
    """All 3-cliques of g (the 2-simplices of its clique complex)."""
    return [c for c in nx.enumerate_all_cliques(g) if len(c) == 3]


def wl_histogram(colours: dict) -> list[tuple]:
    """Sorted (colour, count) pairs: two graphs 1-WL cannot tell apart have equal histograms."""
    return sorted(Counter(colours.values()).items(), key=lambda kv: str(kv[0]))


def _graph_traces(g: nx.Graph, pos: dict, colours: dict, colour_index: dict, show_legend: bool):
    nodes = list(g.nodes)
    index = {v: k for k, v in enumerate(nodes)}
    xy = np.array([pos[v] for v in nodes], dtype=np.float32).reshape(-1, 2)
    edges = np.array([(index[a], index[b]) for a, b in g.edges], dtype=np.int64).reshape(-1, 2)
    tris = np.array([[index[v] for v in t] for t in triangles_of(g)], dtype=np.int64).reshape(-1, 3)
    traces = []
    if len(tris):
        tx, ty = triangle_trace_xy(xy, tris)
        traces.append(go.Scatter(x=tx, y=ty, mode="lines", fill="toself", fillcolor=TRIANGLE_FILL, line={"width": 0},
                                 hoverinfo="skip", showlegend=False))
    ex, ey = edge_trace_xy(xy, edges)
    traces.append(go.Scatter(x=ex, y=ey, mode="lines", line={"color": "#777", "width": 1.2}, hoverinfo="skip",
                             showlegend=False))
    for colour, k in colour_index.items():
        members = [i for i, v in enumerate(nodes) if colours.get(v) == colour]
        if not members:
            continue
        traces.append(go.Scatter(
            x=xy[members, 0], y=xy[members, 1], mode="markers", name=f"WL colour {k}", legendgroup=f"wl{k}",
            showlegend=show_legend, marker={"size": 15, "color": PALETTE[k % len(PALETTE)],
                                                "line": {"width": 1, "color": "#333"}},
            text=[str(nodes[i]) for i in members], hovertemplate=f"node %{{text}}: WL colour {k}<extra></extra>"))
    return traces


def wl_pair_figure(g1: nx.Graph, g2: nx.Graph, colours1: dict, colours2: dict, names=("G1", "G2"),
                   betti1=None, betti2=None, layout: str = "circular", height: int = 420) -> go.Figure:
    """Two graphs side by side, nodes coloured by their 1-WL colour, clique-complex triangles filled.

    Parameters
    ----------
    g1, g2 : networkx.Graph
    colours1, colours2 : dict
        node -> stable WL colour, refined jointly so colours are comparable across the two graphs.
    names : pair of str
    betti1, betti2 : sequence of int, optional
        Betti numbers of each clique complex, written in the subplot titles.
    layout : str
        See :func:`graph_positions`.
    """
    all_colours = sorted(set(colours1.values()) | set(colours2.values()), key=str)
    colour_index = {c: k for k, c in enumerate(all_colours)}
    same = [(colour_index[c], n) for c, n in wl_histogram(colours1)] == \
           [(colour_index[c], n) for c, n in wl_histogram(colours2)]

    def subtitle(name, g, betti):
        b = "" if betti is None else f"<br>clique-complex Betti {tuple(int(x) for x in betti)}"
        return f"{name}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, {len(triangles_of(g))} triangles{b}"

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.06,
                        subplot_titles=(subtitle(names[0], g1, betti1), subtitle(names[1], g2, betti2)))
    for col, (g, colours) in enumerate(((g1, colours1), (g2, colours2)), start=1):
        for tr in _graph_traces(g, graph_positions(g, layout), colours, colour_index, show_legend=col == 1):
            fig.add_trace(tr, row=1, col=col)
    verdict = ("1-WL colour histograms identical: colour refinement cannot tell them apart" if same
               else "1-WL colour histograms differ: colour refinement separates them")
    tidy(fig, f"{names[0]} vs {names[1]}: {verdict}", height)
    fig.update_layout(margin={"t": 110}, legend={"orientation": "h", "y": -0.05})
    fig.update_annotations(font={"size": 12})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    return fig


def matching_pairs(x, i: int, M: int, task: str = "match3") -> np.ndarray:
    """The ordered (j, l) that witness y_i, shape (K, 2): x_i + x_j + x_l ≡ 0 (mod M) with j ≠ l both before i
    (strict Match3: each witness j < l < i appears as (j, l) and (l, j)), or any j, l ≤ i for ``"match3-repeats"``.

    >>> matching_pairs([1, 2, 4], 2, 7).tolist()
    [[0, 1], [1, 0]]
    """
    x = np.asarray(x, dtype=np.int64)
    j, l = np.meshgrid(np.arange(i + 1), np.arange(i + 1), indexing="ij")
    hit = (x[i] + x[j] + x[l]) % M == 0
    if task != "match3-repeats":
        hit &= (j != l) & (j < i) & (l < i)
    return np.stack([j[hit], l[hit]], axis=1)


def match3_labels_figure(tokens, y_true, predictions: dict, title: str | None = None, height: int | None = None
                         ) -> go.Figure:
    """Per-position labels: the truth, then one row per model; wrong predictions marked ✗.

    Parameters
    ----------
    tokens : list of str
        The residues, one per position (x tick labels).
    y_true : (T,) array-like of {0, 1}
    predictions : dict
        row label (e.g. model name) -> (T,) predicted labels.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    rows = ["true"] + list(predictions)
    z = np.stack([y_true] + [np.asarray(p, dtype=np.int64) for p in predictions.values()]).astype(np.float32)
    T = len(y_true)
    xs = [f"{t}<br>{k}" for k, t in enumerate(tokens)]
    fig = go.Figure(go.Heatmap(z=z, x=xs, y=rows, zmin=0, zmax=1, colorscale=[[0, "#f0f0f0"], [1, "#2ca02c"]],
                               showscale=False, xgap=2, ygap=2, text=np.where(z > 0.5, "yes", "no"),
                               texttemplate="%{text}", hovertemplate="%{y} at %{x}: %{text}<extra></extra>"))
    wrong_r, wrong_c = np.nonzero(z[1:] != z[:1])
    if len(wrong_r):
        fig.add_trace(go.Scatter(x=[xs[c] for c in wrong_c], y=[rows[r + 1] for r in wrong_r], mode="markers",
                                 marker={"symbol": "x-thin", "size": 22, "line": {"width": 3, "color": "#d62728"}},
                                 name="wrong", hoverinfo="skip"))
    acc = {name: float((np.asarray(p) == y_true).mean()) for name, p in predictions.items()}
    summary = ", ".join(f"{n}: {a:.0%} right" for n, a in acc.items())
    tidy(fig, title or f"Match3 labels per position<br><sup>x_i + x_j + x_l ≡ 0 mod M for some j < l < i; "
                       f"{summary}</sup>",
         height or 120 + 45 * len(rows))
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    fig.update_xaxes(showgrid=False, automargin=True, title={"text": f"token x_i over position i (T = {T})",
                                                               "standoff": 8})
    fig.update_layout(showlegend=False, margin={"l": 20 + 7 * max(len(r) for r in rows)})
    return fig


def match3_slice_figure(slice_il, tokens, x, i: int, M: int, title: str | None = None, height: int = 460,
                        task: str = "match3") -> go.Figure:
    """The 2-simplicial slice S[i, j, l] over j, l ≤ i, with the true matching pairs (j, l) outlined.

    Parameters
    ----------
    slice_il : (T, T) array-like
        ``SimplicialHead.query_slice(i)``; only the causal block j, l ≤ i is drawn.
    tokens : list of str
        Token labels for the axes.
    x : (T,) residues
    i : int
        Query position.
    M : int
        Modulus of the task.
    task : str
        ``"match3"`` (strict, the default) or ``"match3-repeats"``: which (j, l) count as witnesses.
    """
    s = np.asarray(slice_il, dtype=np.float32)[: i + 1, : i + 1]  # (i+1, i+1) over (j, l)
    labels = [f"{k}:{tokens[k]}" for k in range(i + 1)]
    pairs = matching_pairs(x, i, M, task)
    mass = float(s[pairs[:, 0], pairs[:, 1]].sum()) if len(pairs) else 0.0
    fig = go.Figure(go.Heatmap(z=s, x=labels, y=labels, colorscale="Magma", reversescale=True,
                               colorbar={"title": {"text": "S[i,j,l]"}},
                               hovertemplate="j=%{y}, l=%{x}: %{z:.4f}<extra></extra>"))
    if len(pairs):
        fig.add_trace(go.Scatter(x=[labels[l] for l in pairs[:, 1]], y=[labels[j] for j in pairs[:, 0]],
                                 mode="markers", name="true matching pairs",
                                 marker={"symbol": "square-open", "size": max(8, min(26, 360 // (i + 1))),
                                         "color": "#0096ff", "line": {"width": 2.5, "color": "#0096ff"}},
                                 hovertemplate="matching pair j=%{y}, l=%{x}<extra></extra>"))
    jj, ll = np.unravel_index(int(np.argmax(s)), s.shape)
    hit = "matches" if any(int(a) == jj and int(b) == ll for a, b in pairs) else "does not match"
    head = (f"S[{i}, j, l]: query {labels[i]}; {len(pairs)} matching pairs hold {mass:.1%} of the weight; "
            f"top pair ({jj}, {ll}) {hit}")
    tidy(fig, title or head, height)
    fig.update_xaxes(title="l (second key)", showgrid=False, tickangle=0 if i < 16 else -90)
    fig.update_yaxes(title="j (first key)", showgrid=False, autorange="reversed")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return fig


def pair_summary(g1: nx.Graph, g2: nx.Graph) -> dict:
    """Plain invariants of a pair for the page's table: nodes, edges, triangles, degree sequences, 4-cliques."""
    def inv(g):
        return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "triangles": len(triangles_of(g)),
                "degrees": sorted(d for _, d in g.degree()),
                "4-cliques": sum(1 for c in nx.enumerate_all_cliques(g) if len(c) == 4)}
    return {"first": inv(g1), "second": inv(g2)}

