"""3-way attention views for one 2-simplicial head: a slice of S[i, j, l] as a heatmap, the mask slice (which
(j, l) query i may read; a leaky mask shows its future pairs in red), the top triples as triangles over the
token strip, and the per-head joint spread (mutual information) KL(S[i] || Σ_l S[i] ⊗ Σ_j S[i]).

Only (T, T) slices come in; the (T, T, T) pattern is never built here.
    >>> fig = slice_heatmap(np.full((3, 3), 1 / 9), list("abc"), allowed=np.ones((3, 3), bool))
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz import MASKED_BG, PALETTE, as_f32, display_tokens, token_ticks
from hoviz.viz.hover import cell_tokens, pair_template


def allowed_bbox(allowed) -> tuple[int, int, int, int]:
    """(r0, r1, c0, c1): the smallest row/column ranges holding every allowed cell (the whole map if none)."""
    allowed = np.asarray(allowed, dtype=bool)
    rows, cols = np.flatnonzero(allowed.any(1)), np.flatnonzero(allowed.any(0))
    if not rows.size:
        return 0, allowed.shape[0], 0, allowed.shape[1]
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def reads_future(allowed, i: int) -> bool:
    """True when query i's mask slice allows a pair with a key after i (a leaky mask): then the page shows the mask."""
    return bool((mask_categories(allowed, i) == 2).any())


def region_outline(region) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) polyline (NaN-separated unit segments) around the True cells of a (R, C) bool array, cell (r, c)
    centred at (c, r): the border between each True cell and a False or outside neighbour."""
    m = np.pad(np.asarray(region, dtype=bool), 1)
    xs, ys = [], []
    rows, cols = np.nonzero(m[1:, 1:-1] != m[:-1, 1:-1])  # horizontal borders, at y = r - 0.5
    for r, c in zip(rows, cols):
        xs += [c - 0.5, c + 0.5, np.nan]
        ys += [r - 0.5, r - 0.5, np.nan]
    rows, cols = np.nonzero(m[1:-1, 1:] != m[1:-1, :-1])  # vertical borders, at x = c - 0.5
    for r, c in zip(rows, cols):
        xs += [c - 0.5, c - 0.5, np.nan]
        ys += [r - 0.5, r + 0.5, np.nan]
    return np.asarray(xs, dtype=np.float32), np.asarray(ys, dtype=np.float32)


def slice_heatmap(values, tokens, *, allowed=None, future=None, extent=None, title: str = "", ylabel: str = "key j",
                  xlabel: str = "key l", crop: bool = True, colorscale: str = "Viridis") -> go.Figure:
    """A (T, T) slice of the 3-way pattern with the mask drawn in it: masked cells grey, allowed cells that read the
    future (a leaky mask) outlined red; cropped to the rows/columns where the mask allows anything.

    Parameters
    ----------
    values : (T, T) slice, e.g. S[i, :, :] over (j, l) (rows j, columns l), or S[:, j, :] over (i, l).
    tokens : T display strings, used for both axes.
    allowed : (T, T) bool mask of the same slice; disallowed cells are grey.
    future : (T, T) bool, optional: allowed cells after the query (outlined red).
    extent : (r0, r1, c0, c1), optional: the rows/columns drawn (give a panel beside it the same extent).
    """
    z = np.asarray(values, dtype=np.float64)
    allowed = np.ones(z.shape, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    r0, r1, c0, c1 = extent or (allowed_bbox(allowed) if crop else (0, z.shape[0], 0, z.shape[1]))
    sub = np.where(allowed, z, np.nan)[r0:r1, c0:c1]
    fig = go.Figure(go.Heatmap(
        z=as_f32(sub), x=np.arange(c0, c1), y=np.arange(r0, r1), colorscale=colorscale, zmin=0.0,
        colorbar={"title": {"text": "S"}, "thickness": 12, "tickformat": ".3~f"},
        customdata=cell_tokens(list(tokens)[r0:r1], list(tokens)[c0:c1]),
        hovertemplate=pair_template(ylabel, xlabel, "S %{z:.4f}")))
    if future is not None:  # the mask, read in the slice itself
        title += "  (grey: masked; red: allowed after i)" if np.any(future) else "  (grey: masked; none after i)"
    if future is not None and np.asarray(future, dtype=bool)[r0:r1, c0:c1].any():
        x, y = region_outline(np.asarray(future, dtype=bool)[r0:r1, c0:c1])
        fig.add_trace(go.Scatter(x=x + c0, y=y + r0, mode="lines", line={"color": "#d62728", "width": 1.5},
                                 name="allowed, after i (leak)", hoverinfo="skip", showlegend=False))
    tokens = list(tokens)
    fig.update_xaxes(title=xlabel, side="top", tickangle=0, constrain="domain", zeroline=False, showgrid=False,
                     range=[c0 - 0.5, c1 - 0.5], automargin=True, **token_ticks(tokens[c0:c1], start=c0, max_labelled=32))
    fig.update_yaxes(title=ylabel, autorange="reversed", scaleanchor="x", constrain="domain", zeroline=False,
                     showgrid=False, automargin=True, **token_ticks(tokens[r0:r1], start=r0, max_labelled=32))
    fig.update_layout(title={"text": title, "y": 0.99, "yanchor": "top", "font": {"size": 14}} if title else None,
                      plot_bgcolor=MASKED_BG,
                      height=540, margin={"l": 60, "r": 10, "t": 100 if title else 60, "b": 10})
    return fig


def mask_categories(allowed, i: int, ylabel_is_query: bool = False) -> np.ndarray:
    """0 = not allowed, 1 = allowed and causal, 2 = allowed but reads the future (a leak) for query i's (j, l) slice.

    With ylabel_is_query the rows are queries i' (a fixed-key slice): a cell leaks when its column index > its row.
    """
    allowed = np.asarray(allowed, dtype=bool)
    T0, T1 = allowed.shape
    rows, cols = np.arange(T0)[:, None], np.arange(T1)[None, :]
    future = (cols > rows) if ylabel_is_query else ((rows > i) | (cols > i))
    return np.where(allowed, np.where(future, 2, 1), 0).astype(np.int8)


def mask_slice_figure(allowed, i: int, tokens, *, title: str = "", ylabel: str = "key j",
                      xlabel: str = "key l", extent=None) -> go.Figure:
    """Which (j, l) query i may read: grey = masked, green = allowed, red = allowed but after i (a causal leak);
    drawn over `extent` (r0, r1, c0, c1), the whole slice by default: give it the S slice's extent beside it."""
    cat = mask_categories(allowed, i)
    r0, r1, c0, c1 = extent or (0, cat.shape[0], 0, cat.shape[1])
    n_ok, n_leak = int((cat == 1).sum()), int((cat == 2).sum())
    scale = [[0.0, "#e8e8e8"], [0.333, "#e8e8e8"], [0.333, "#2ca02c"], [0.667, "#2ca02c"], [0.667, "#d62728"],
             [1.0, "#d62728"]]
    tokens = list(tokens)
    fig = go.Figure(go.Heatmap(z=cat[r0:r1, c0:c1], x=np.arange(c0, c1), y=np.arange(r0, r1), zmin=0, zmax=2,
                               colorscale=scale, showscale=False,
                               customdata=cell_tokens(tokens[r0:r1], tokens[c0:c1]),
                               hovertemplate=pair_template(ylabel, xlabel, "%{z}", "0 masked, 1 allowed, 2 future")))
    for kw in ({"x0": c0 - 0.5, "x1": c1 - 0.5, "y0": i + 0.5, "y1": i + 0.5},
               {"x0": i + 0.5, "x1": i + 0.5, "y0": r0 - 0.5, "y1": r1 - 0.5}):
        fig.add_shape(type="line", line={"color": "black", "dash": "dash", "width": 1}, **kw)
    fig.update_xaxes(title=xlabel, side="top", tickangle=0, constrain="domain", zeroline=False, showgrid=False,
                     range=[c0 - 0.5, c1 - 0.5], automargin=True, **token_ticks(tokens[c0:c1], start=c0, max_labelled=32))
    fig.update_yaxes(title=ylabel, autorange="reversed", scaleanchor="x", constrain="domain", zeroline=False,
                     showgrid=False, automargin=True, **token_ticks(tokens[r0:r1], start=r0, max_labelled=32))
    verdict = f"{n_leak} reach the future (leak!)" if n_leak else "none after i"
    fig.update_layout(title={"text": title or f"mask, i = {i}: {n_ok + n_leak} pairs, {verdict}", "font": {"size": 14},
                             "y": 0.99, "yanchor": "top"}, height=540, margin={"l": 60, "r": 10, "t": 100, "b": 10})
    return fig


def triangles_figure(tokens, i: int, triples, *, title: str = "", margin: int = 3) -> go.Figure:
    """The top triples (i, j, l) as triangles: keys j and l on the token strip, the query i raised above it.

    Parameters
    ----------
    triples : [(j, l, weight), ...], heaviest first (SimplicialHead.top_triples).
    """
    labels = display_tokens(tokens)
    T = len(labels)
    fig = go.Figure()
    wmax = max((w for _, _, w in triples), default=1.0) or 1.0
    for rank, (j, l, w) in enumerate(triples):
        color = PALETTE[rank % len(PALETTE)]
        name = f"#{rank + 1}  j={j} {labels[j]!s}, l={l} {labels[l]!s}  S={w:.3f}"
        fig.add_trace(go.Scatter(
            x=[j, l, i, j], y=[0, 0, 1, 0], mode="lines", fill="toself", name=name, opacity=0.25 + 0.6 * w / wmax,
            line={"color": color, "width": 1 + 3 * w / wmax},
            hovertemplate=f"query {i} '{labels[i]}' → keys {j} '{labels[j]}', {l} '{labels[l]}'<br>S={w:.4f}"
                          "<extra></extra>"))
    fig.add_trace(go.Scatter(x=np.arange(T), y=np.full(T, -0.1), mode="text", text=labels, textfont={"size": 15},
                             showlegend=False, hovertemplate="pos %{x} %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[i], y=[1], mode="markers+text", text=[f"query {i}: {labels[i]}"],
                             textposition="top center", marker={"size": 12, "color": "black"}, showlegend=False,
                             hoverinfo="skip"))
    lo = min([i] + [min(j, l) for j, l, _ in triples]) - margin
    hi = max([i] + [max(j, l) for j, l, _ in triples]) + margin
    fig.update_xaxes(range=[max(-0.5, lo), min(T - 0.5, hi)], title="position (drag to pan)", showgrid=False)
    fig.update_yaxes(visible=False, range=[-0.25, 1.3])
    fig.update_layout(title=title or f"top {len(triples)} triples for query i = {i}", height=380,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"font": {"size": 11}},
                      plot_bgcolor="rgba(0,0,0,0)")
    return fig


def threeway_bar(scores, titles=None, *, highlight: int | None = None) -> go.Figure:
    """Per-head joint spread (mutual information): KL of S[i] from the product of its marginals, mean over queries.

    Not a test of 3-way computation (a head that sharply picks one pair scores ≈ 0); see hoviz.threeway.interaction_kl.
    """
    s = np.asarray(scores, dtype=np.float64)
    titles = list(titles) if titles is not None else [f"head {h}" for h in range(len(s))]
    colors = ["#ff7f0e" if h == highlight else "#9467bd" for h in range(len(s))]
    fig = go.Figure(go.Bar(x=titles, y=as_f32(s), marker_color=colors,
                           hovertemplate="%{x}: %{y:.4f} nats<extra></extra>"))
    fig.update_layout(title="Joint spread per head (0: S[i] is a product)", height=300,
                      yaxis_title="mean KL, nats", margin={"l": 60, "r": 10, "t": 40, "b": 10})
    return fig


def threeway_profile(score, tokens, *, i: int | None = None) -> go.Figure:
    """Joint spread (mutual information) of each query position of one head, (T,), with the chosen query marked."""
    s = np.asarray(score, dtype=np.float64)
    T = len(s)
    fig = go.Figure(go.Scatter(x=np.arange(T), y=as_f32(s), mode="lines+markers", marker={"size": 4},
                               text=display_tokens(tokens), hovertemplate="i=%{x} %{text}: %{y:.4f} nats"
                                                                          "<extra></extra>"))
    if i is not None:
        fig.add_vline(x=i, line_dash="dash", line_color="#ff7f0e")
    fig.update_layout(title="Joint spread per query", xaxis_title="query i", yaxis_title="KL, nats", height=300,
                      margin={"l": 60, "r": 10, "t": 40, "b": 10})
    return fig
