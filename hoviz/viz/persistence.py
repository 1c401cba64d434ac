"""Plotly figures of persistent homology: the persistence diagram, the barcode and the Betti curves of an
attention head's Vietoris-Rips filtration (see hoviz.topology.persistence and docs/theory.md §4).
    >>> fig = barcode_figure({0: [[0.0, 0.4], [0.0, float("inf")]], 1: [[0.2, 0.3]]}, radius=0.25)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz.complex import DIM_COLOURS, tidy


def _finite_top(diagrams: dict, radius: float | None) -> float:
    vals = [np.asarray(d, dtype=float)[np.isfinite(np.asarray(d, dtype=float))] for d in diagrams.values()]
    vals = np.concatenate([v.ravel() for v in vals]) if vals else np.zeros(0)
    top = float(vals.max()) if vals.size else 1.0
    if radius is not None:
        top = max(top, float(radius))
    return top * 1.08 if top > 0 else 1.0


def persistence_diagram_figure(diagrams: dict, radius: float | None = None, title: str | None = "Persistence diagram",
                               height: int = 420) -> go.Figure:
    """Birth–death scatter per homology dimension; infinite deaths drawn on a dashed "∞" line.

    At radius r the features alive are the points left of x = r and above y = r: both lines are drawn, and the
    alive quadrant is shaded.

    Parameters
    ----------
    diagrams : dict
        ``{dim: (n, 2) array of (birth, death)}``, death may be ``inf``.
    radius : float, optional
        Current radius to mark.
    """
    top = _finite_top(diagrams, radius)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"color": "#999", "width": 1},
                             hoverinfo="skip", showlegend=False))
    fig.add_hline(y=top, line={"color": "#bbb", "dash": "dash", "width": 1}, annotation_text="∞",
                  annotation_position="top left")
    for dim in sorted(diagrams):
        d = np.asarray(diagrams[dim], dtype=np.float64).reshape(-1, 2)
        flat = np.isfinite(d[:, 1]) & (d[:, 1] - d[:, 0] <= 1e-9)  # born and dead at once: no feature, not drawn
        d = d[~flat]
        inf = ~np.isfinite(d[:, 1])
        death = np.where(inf, top, d[:, 1])
        hidden = f", {int(flat.sum())} of zero persistence hidden" if flat.any() else ""
        fig.add_trace(go.Scatter(
            x=d[:, 0].astype(np.float32), y=death.astype(np.float32), mode="markers", name=f"H{dim} ({len(d)}{hidden})",
            marker={"size": 7, "color": DIM_COLOURS.get(dim, "#555"), "opacity": 0.75,
                        "symbol": np.where(inf, "diamond", "circle").tolist() if inf.any() else "circle"},
            customdata=np.where(inf, np.inf, d[:, 1]).astype(np.float32) if len(d) else None,
            hovertemplate=f"H{dim}: born %{{x:.3f}}, dies %{{customdata:.3f}}<extra></extra>"))
    if radius is not None:
        fig.add_shape(type="rect", x0=0, x1=radius, y0=radius, y1=top, fillcolor="rgba(255,165,0,0.08)",
                      line={"width": 0}, layer="below")
        fig.add_vline(x=radius, line={"color": "orange", "width": 2}, annotation_text=f"r = {radius:.3g}")
        fig.add_hline(y=radius, line={"color": "orange", "width": 1, "dash": "dot"})
    tidy(fig, title, height)
    fig.update_xaxes(title="birth", range=[0, top * 1.02])
    fig.update_yaxes(title="death", range=[0, top * 1.05])
    return fig


def barcode_figure(diagrams: dict, radius: float | None = None, title: str | None = "Barcode", max_bars: int = 150,
                   height: int = 420) -> go.Figure:
    """Horizontal bars [birth, death) per dimension, longest first, one trace per dimension; radius as a line.

    At most ``max_bars`` bars per dimension are drawn (the longest); the title says when some were left out.
    """
    top = _finite_top(diagrams, radius)
    fig = go.Figure()
    row, hidden = 0, 0
    for dim in sorted(diagrams):
        d = np.asarray(diagrams[dim], dtype=np.float64).reshape(-1, 2)
        death = np.where(np.isfinite(d[:, 1]), d[:, 1], top)
        order = np.argsort(-(death - d[:, 0]), kind="stable")
        hidden += max(0, len(order) - max_bars)
        order = order[:max_bars]
        n = len(order)
        ys = np.arange(row, row + n, dtype=np.float32)
        xs = np.full((n, 3), np.nan, dtype=np.float32)
        xs[:, 0], xs[:, 1] = d[order, 0], death[order]
        yy = np.repeat(ys, 3).reshape(n, 3)
        yy[:, 2] = np.nan
        fig.add_trace(go.Scatter(x=xs.ravel(), y=yy.ravel(), mode="lines", name=f"H{dim} ({len(d)})",
                                 line={"color": DIM_COLOURS.get(dim, "#555"), "width": 3}, hoverinfo="x+name"))
        row += n + 2
    if radius is not None:
        fig.add_vline(x=radius, line={"color": "orange", "width": 2}, annotation_text=f"r = {radius:.3g}")
    if hidden:
        title = f"{title} (longest {max_bars} per dimension; {hidden} shorter bars not drawn)"
    tidy(fig, title, height)
    fig.update_xaxes(title="radius", range=[0, top * 1.02])
    fig.update_yaxes(visible=False, autorange="reversed")
    return fig


def betti_curves_from_diagrams(diagrams: dict, radii) -> dict:
    """β_k(r) = number of bars with birth ≤ r < death, for each dimension k; (len(radii),) int arrays.

    >>> betti_curves_from_diagrams({0: np.array([[0.0, np.inf], [0.0, 0.5]])}, [0.2, 0.7])[0].tolist()
    [2, 1]
    """
    r = np.asarray(radii, dtype=np.float64)[:, None]
    out = {}
    for dim, d in diagrams.items():
        d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
        out[dim] = ((d[:, 0][None] <= r) & (r < d[:, 1][None])).sum(1)
    return out


def betti_curves_figure(radii, curves: dict, radius: float | None = None, title: str | None = "Betti curves",
                        height: int = 360) -> go.Figure:
    """β_k against radius, one step line per dimension, the current radius marked with its Betti numbers."""
    radii = np.asarray(radii, dtype=np.float64)
    fig = go.Figure()
    # a 2-skeleton's β2 can spike far above β0 and β1 (hundreds of empty tetrahedra): clip the axis to keep β0, β1
    # readable and say so in the legend (the hover keeps the true values)
    low = max([float(np.max(c, initial=0)) for d, c in curves.items() if d < 2] + [1.0])
    peak = max([float(np.max(c, initial=0)) for c in curves.values()] + [1.0])
    clip = 2.0 * low if peak > 3.0 * low else None
    for dim in sorted(curves):
        y = np.asarray(curves[dim], dtype=np.float32)
        note = " (2-skeleton)" if dim == 2 else ""
        if clip is not None and float(y.max(initial=0)) > clip:
            note += f", up to {int(y.max())}: clipped"
        fig.add_trace(go.Scatter(x=radii.astype(np.float32), y=y, hovertemplate=f"β{dim}: %{{y:.0f}} at r = %{{x:.3f}}"
                                 "<extra></extra>", mode="lines", name=f"β{dim}{note}",
                                 line={"color": DIM_COLOURS.get(dim, "#555"), "shape": "hv", "width": 2}))
    if radius is not None:
        at = {d: int(np.asarray(c)[max(0, int(np.searchsorted(radii, radius + 1e-9, side="right")) - 1)])
              for d, c in curves.items() if len(c)}
        label = ", ".join(f"β{d}={v}" for d, v in sorted(at.items()))
        fig.add_vline(x=radius, line={"color": "orange", "width": 2}, annotation_text=f"r = {radius:.3g}: {label}",
                      annotation_position="top left" if radius > 0.5 * float(radii.max(initial=1.0)) else "top right")
    tidy(fig, title, height)
    fig.update_xaxes(title="radius", range=[float(radii.min(initial=0.0)), float(radii.max(initial=1.0))])
    fig.update_yaxes(title="Betti number", rangemode="tozero", range=None if clip is None else [0, clip])
    return fig
