"""Pairwise attention views: a grid of all heads' adjacency matrices, one head enlarged with token labels, and the
head drawn as a weighted directed graph ("a GAT over the complete causal graph"), plus per-head entropy.

A pattern A is (T, T) with rows = query i and columns = key j; A[i, j] is the weight of the edge j -> i.
Masked cells (the causal future) are NaN and show as the grey background. Works for dense patterns, the
2-simplicial marginals Σ_l S and Σ_j S, and a simplicial-conv layer's edge-affinity matrix alike.
    >>> fig = attention_graph(np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None], list("abcd"), threshold=0.2)
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hoviz.entropy import entropy_np
from hoviz.viz import MASKED_BG, as_f32, display_tokens, pool_max, token_ticks
from hoviz.viz.hover import position_names
from hoviz.viz.layout import vertex_positions

WIDTH_BINS = (0.0, 0.25, 0.5, 0.75, 1.01)  # edge weight bins -> one trace each
WIDTHS = (0.8, 1.8, 3.2, 5.0)
SELECTED = "#ff7f0e"  # the selected query (same colour as linking.mark's bands)
KEY_STRIP, QUERY_STRIP = "key strip", "query strip"  # click targets along the matrix's axes (trace names)
_STRIP_ROW, _STRIP_COL = "click a key", "click a query"  # their categories: a row below, a column right of the matrix


def causal_allowed(T: int) -> np.ndarray:
    """(T, T) bool, True where key j <= query i."""
    return np.tril(np.ones((T, T), dtype=bool))


def masked(pattern, allowed=None) -> np.ndarray:
    """The pattern as float64 with NaN where `allowed` is False (default: the causal future j > i)."""
    a = np.asarray(pattern, dtype=np.float64)
    allowed = causal_allowed(a.shape[0]) if allowed is None else np.asarray(allowed, dtype=bool)
    return np.where(allowed, a, np.nan)


def head_entropy(patterns) -> np.ndarray:
    """Mean row entropy (nats) of each head's pattern, (H,) from (H, T, T); rows are distributions over keys."""
    p = np.clip(np.nan_to_num(np.asarray(patterns, dtype=np.float64)), 0.0, None)
    return entropy_np(p).mean(-1)  # mean over the T rows of (H, T)


def uniform_entropy(T: int) -> float:
    """Mean row entropy of uniform causal attention over T tokens (row i spreads over i+1 keys): the maximum."""
    return float(np.log(np.arange(1, T + 1)).mean())


def heads_grid(patterns, *, titles=None, allowed=None, cols: int = 4, max_side: int = 64,
               zmax: float | None = None, tokens=None) -> go.Figure:
    """All heads of a layer as small heatmaps sharing one colour scale (max-pooled to `max_side` cells a side).

    Parameters
    ----------
    patterns : (H, T, T) rows = query i, columns = key j.
    allowed : (T, T) bool, which cells can be non-zero (default: causal j <= i); the rest shows grey.
    tokens : T tokens: the axes are then named by position and token ("36–37 'no'" for a pooled cell), so the hover
        reads "query 50–51 'ab' → key 36–37 'no'".
    """
    patterns = np.asarray(patterns, dtype=np.float64)
    H = patterns.shape[0]
    titles = list(titles) if titles is not None else [f"head {h}" for h in range(H)]
    cols = max(1, min(cols, H))
    rows = -(-H // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=0.08 if rows > 1 else 0.0)
    zmax = float(np.nanmax(patterns)) if zmax is None else zmax
    for h in range(H):
        pooled, f = pool_max(masked(patterns[h], allowed), max_side)
        if tokens is None:
            pos, hover = np.arange(pooled.shape[0]) * f, "query %{y}<br>key %{x}<br>w %{z:.3f}"
        else:
            pos = position_names(tokens, f)  # ceil(T / f) names, one per pooled cell
            hover = "query %{y} → key %{x}<br>" + ("max w" if f > 1 else "w") + " %{z:.3f}"
        fig.add_trace(go.Heatmap(z=as_f32(pooled, 3), x=pos, y=pos, coloraxis="coloraxis",
                                 hovertemplate=f"{hover}<extra>{titles[h]}</extra>"),
                      row=h // cols + 1, col=h % cols + 1)
    axes = {}
    for h in range(H):  # square cells: each subplot's y axis is scaled to its own x axis (one update: plotly is slow)
        suffix = "" if h == 0 else str(h + 1)
        axes[f"yaxis{suffix}"] = {"scaleanchor": f"x{suffix}", "constrain": "domain", "autorange": "reversed",
                                  "showticklabels": False, "zeroline": False, "showgrid": False}
        axes[f"xaxis{suffix}"] = {"constrain": "domain", "showticklabels": False, "zeroline": False, "showgrid": False}
    fig.update_layout(axes)
    fig.update_layout(coloraxis={"colorscale": "Blues", "cmin": 0.0, "cmax": zmax or 1.0,
                                 "colorbar": {"title": {"text": "weight"}, "thickness": 12}},
                      plot_bgcolor=MASKED_BG, height=60 + 230 * rows, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def head_heatmap(pattern, tokens, *, title: str = "", allowed=None, xlabel: str = "key j",
                 ylabel: str = "query i", colorscale: str = "Blues", strips: bool = False) -> go.Figure:
    """One head's (T, T) pattern at full resolution with token labels; masked cells grey, the diagonal dotted.

    The axes are categories named "37 'o'" (position and token), so every cell hovers "query 51 'e' → key 37 'o'"
    from O(T) names. With `strips`, a thin row of click targets below the matrix (scatter KEY_STRIP, customdata
    (j, -1)) and a column right of it (QUERY_STRIP, customdata (-1, i)): tick labels cannot be clicked."""
    z = masked(pattern, allowed)
    T = z.shape[0]
    names = position_names(tokens)
    ticks = token_ticks(tokens)
    ticks["tickvals"] = [names[k] for k in ticks["tickvals"]]
    fig = go.Figure(go.Heatmap(z=as_f32(z), x=names, y=names, colorscale=colorscale, zmin=0.0, name="matrix",
                               colorbar={"title": {"text": "weight"}, "thickness": 12},
                               hovertemplate=f"{ylabel.split()[0]} %{{y}} → {xlabel.split()[0]} %{{x}}"
                                             "<br>w %{z:.3f}<extra></extra>"))
    xs, ys = list(names), list(names)
    if strips:  # scatter points, clickable as they are (a one-cell-wide heatmap would stretch the category axis)
        pos, size = np.arange(T), float(np.clip(360 / max(T, 1), 4, 12))
        strip = {"mode": "markers", "showlegend": False, "selected": {"marker": {"opacity": 1}},
                 "unselected": {"marker": {"opacity": 1}},
                 "marker": {"symbol": "square", "size": size, "color": "#c8c8c8", "line": {"width": 0}}}
        fig.add_trace(go.Scatter(x=names, y=[_STRIP_ROW] * T, name=KEY_STRIP,
                                 customdata=np.stack([pos, np.full(T, -1)], 1),
                                 hovertemplate="click: key %{x}<extra></extra>", **strip))  # customdata (j, -1)
        fig.add_trace(go.Scatter(x=[_STRIP_COL] * T, y=names, name=QUERY_STRIP,
                                 customdata=np.stack([np.full(T, -1), pos], 1),
                                 hovertemplate="click: query %{y}<extra></extra>", **strip))  # customdata (-1, i)
        xs.append(_STRIP_COL)
        ys.append(_STRIP_ROW)
    fig.add_shape(type="line", x0=-0.5, y0=-0.5, x1=T - 0.5, y1=T - 0.5, line={"color": "#888", "dash": "dot",
                                                                              "width": 1})
    sparse = T > 48  # token_ticks then writes "position:token" every few cells: upright labels would collide
    fig.update_xaxes(title=xlabel, **ticks, tickangle=-90 if sparse else 0, side="top", constrain="domain",
                     zeroline=False, showgrid=False, type="category", categoryorder="array", categoryarray=xs)
    fig.update_yaxes(title=ylabel, autorange="reversed", scaleanchor="x", constrain="domain", zeroline=False,
                     showgrid=False, type="category", categoryorder="array", categoryarray=ys, **ticks)
    fig.update_layout(title={"text": title, "y": 0.99, "yanchor": "top"} if title else None, plot_bgcolor=MASKED_BG,
                      height=580, margin={"l": 60, "r": 10, "t": 100 if title else 60, "b": 10})
    return fig


def graph_edges(pattern, threshold: float = 0.1, max_edges: int = 1500, allowed=None,
                top_k: int | None = None) -> list[tuple[int, int, float]]:
    """Edges (j, i, w) with w = A[i, j] >= threshold, j != i, heaviest first, at most `max_edges`; with `top_k`,
    only each query's `top_k` heaviest keys (a readable graph at T = 96 instead of a hairball)."""
    a = np.nan_to_num(masked(pattern, allowed))
    np.fill_diagonal(a, 0.0)
    if top_k is not None and a.shape[1] > top_k:
        kth = -np.partition(-a, top_k - 1, axis=1)[:, top_k - 1:top_k]  # (T, 1): each row's top_k-th weight
        a = np.where(a >= kth, a, 0.0)
    i, j = np.nonzero(a >= max(threshold, 1e-12))
    w = a[i, j]
    order = np.argsort(-w, kind="stable")[:max_edges]
    return [(int(j[k]), int(i[k]), float(w[k])) for k in order]


def attention_graph(pattern, tokens, *, threshold: float = 0.1, layout: str = "circular", max_edges: int = 1500,
                    allowed=None, title: str = "", seed: int = 0, top_k: int | None = None,
                    highlight: int | None = None) -> go.Figure:
    """The head as a weighted directed graph: edge j -> i when query i attends to key j with weight >= threshold.

    Edge width and opacity grow with the weight (a few traces, one per width bin, edges separated by None);
    an arrowhead near each edge's target shows the direction; node size is the self-attention weight A[i, i].
    `highlight`: a query position whose node is ringed and whose drawn keys are drawn in the selection colour.
    """
    a = np.nan_to_num(masked(pattern, allowed))
    T = a.shape[0]
    labels = display_tokens(tokens)
    edges = graph_edges(pattern, threshold, max_edges, allowed, top_k)
    xy = vertex_positions(T, [(j, i) for j, i, _ in edges], layout, seed, strengths=[w for _, _, w in edges],
                          backbone=False)  # (T, 2)
    fig = go.Figure()
    ew = np.array([w for _, _, w in edges]) if edges else np.zeros(0)
    for b, (lo, hi) in enumerate(pairwise(WIDTH_BINS)):
        sel = [e for e, w in zip(edges, ew) if lo <= w < hi]
        if not sel:
            continue
        xs = np.full(3 * len(sel), np.nan)
        ys = np.full(3 * len(sel), np.nan)
        src = np.array([j for j, _, _ in sel])
        dst = np.array([i for _, i, _ in sel])
        xs[0::3], xs[1::3] = xy[src, 0], xy[dst, 0]
        ys[0::3], ys[1::3] = xy[src, 1], xy[dst, 1]
        fig.add_trace(go.Scatter(x=as_f32(xs, 3), y=as_f32(ys, 3), mode="lines", hoverinfo="skip",
                                 line={"width": WIDTHS[b], "color": f"rgba(31,119,180,{0.25 + 0.18 * b:.2f})"},
                                 name=f"w in [{lo:.2f}, {min(hi, 1.0):.2f})", legendgroup="edges"))
    if edges:
        src = np.array([j for j, _, _ in edges])
        dst = np.array([i for _, i, _ in edges])
        d = xy[dst] - xy[src]
        length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        # arrowheads near the target (the query), but at least 0.12 (or half a short edge) away from its centre, so
        # a click on a node selects the node rather than an arrowhead lying on it
        tip = xy[src] + np.clip(1 - 0.12 / length, 0.5, 0.8)[:, None] * d
        angle = np.degrees(np.arctan2(d[:, 0], d[:, 1]))  # clockwise from "up", as plotly's marker.angle
        fig.add_trace(go.Scatter(
            x=as_f32(tip[:, 0], 3), y=as_f32(tip[:, 1], 3), mode="markers", name="direction (key -> query)",
            marker={"symbol": "triangle-up", "size": 7, "angle": as_f32(angle, 1), "color": "rgba(31,119,180,0.8)"},
            customdata=np.stack([src, dst, ew], 1),
            hovertext=[f"key {j} '{labels[j]}' → query {i} '{labels[i]}'" for j, i in zip(src, dst, strict=True)],
            hovertemplate="%{hovertext}: w %{customdata[2]:.3f}<extra></extra>"))
    self_w = np.diag(a)
    if highlight is not None and 0 <= highlight < T:
        mine = [j for j, i, _ in edges if i == highlight]
        xs, ys = np.full(3 * len(mine), np.nan), np.full(3 * len(mine), np.nan)
        xs[0::3], ys[0::3] = xy[mine, 0], xy[mine, 1]
        xs[1::3], ys[1::3] = xy[highlight, 0], xy[highlight, 1]
        fig.add_trace(go.Scatter(x=as_f32(xs, 3), y=as_f32(ys, 3), mode="lines", hoverinfo="skip",
                                 line={"width": 3, "color": SELECTED}, name=f"keys of query {highlight}"))
        fig.add_trace(go.Scatter(x=as_f32(xy[[highlight], 0], 3), y=as_f32(xy[[highlight], 1], 3), mode="markers",
                                 hoverinfo="skip", showlegend=False, name="selected query",
                                 marker={"symbol": "circle-open", "size": float(18 + 16 * self_w[highlight]),
                                         "color": SELECTED, "line": {"width": 3}}))
    fig.add_trace(go.Scatter(
        x=as_f32(xy[:, 0], 3), y=as_f32(xy[:, 1], 3), mode="markers+text", text=labels, textposition="top center",
        marker={"size": as_f32(10 + 16 * self_w, 1), "color": np.arange(T), "colorscale": "Viridis",
                "line": {"width": 1, "color": "white"}, "showscale": True,
                "colorbar": {"title": {"text": "node colour:<br>position"}, "thickness": 10, "len": 0.5}},
        customdata=np.stack([np.arange(T), self_w], 1), name="tokens",
        hovertemplate="pos %{customdata[0]} '%{text}'<br>self-weight %{customdata[1]:.3f}<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    kept = f"top {top_k} keys per query, " if top_k else ""
    fig.update_layout(title=title or f"{len(edges)} edges: {kept}w ≥ {threshold:g}<br><sup>node size: self-weight, "
                                     "colour: position</sup>",
                      height=560,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.02},
                      plot_bgcolor="rgba(0,0,0,0)")
    return fig


def entropy_bar(entropies, titles=None, *, T: int | None = None, highlight: int | None = None) -> go.Figure:
    """Bar per head of mean row entropy (nats), with the uniform-attention maximum as a dashed line."""
    e = np.asarray(entropies, dtype=np.float64)
    titles = list(titles) if titles is not None else [f"head {h}" for h in range(len(e))]
    colors = ["#ff7f0e" if h == highlight else "#1f77b4" for h in range(len(e))]
    fig = go.Figure(go.Bar(x=titles, y=as_f32(e), marker_color=colors,
                           hovertemplate="%{x}: %{y:.3f} nats<extra></extra>"))
    if T:
        fig.add_hline(y=uniform_entropy(T), line_dash="dash", annotation_text="uniform (max)",
                      annotation_position="top left")
    fig.update_layout(title="entropy per head", yaxis_title="mean row entropy (nats; low = focused)", height=300,
                      margin={"l": 50, "r": 10, "t": 40, "b": 10})
    return fig


def affinity_matrix(cx) -> np.ndarray:
    """A simplicial-conv complex (Trace.complex, a TracedComplex) as a (T, T) matrix: entry [i, j] = weight of edge
    {j, i}, j < i."""
    T = int(cx.num_vertices)
    m = np.zeros((T, T))  # (T, T)
    e = np.asarray(cx.edges, dtype=np.int64).reshape(-1, 2)
    if len(e):
        m[np.maximum(e[:, 0], e[:, 1]), np.minimum(e[:, 0], e[:, 1])] = np.asarray(cx.edge_weights)
    return m
