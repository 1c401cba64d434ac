"""Plotly figures of a simplicial complex over tokens, its persistence diagram, barcode and Betti curves.

The complex is the display form shared by `hoviz.topology.lift` and `hoviz.topology.complex_from_trace`: a dict
with ``num_vertices``, ``edges`` (E, 2), ``triangles`` (F, 3) and per-simplex values (weights or filtration values).
Payloads stay small: all edges are one line trace (NaN separators), all triangles one filled trace, arrays float32.
    >>> fig = complex_figure({"num_vertices": 3, "edges": [[0, 1], [1, 2], [0, 2]], "triangles": [[0, 1, 2]]})
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from hoviz.viz import display_tokens

DIM_COLOURS = {0: "#1f77b4", 1: "#d62728", 2: "#2ca02c"}
TRIANGLE_FILL = "rgba(44, 160, 44, 0.18)"
# per-simplex values: weights from complex_from_trace, filtration values from lift (the two producers)
EDGE_VALUE_KEYS = ("edge_weights", "edge_filtration")
TRIANGLE_VALUE_KEYS = ("triangle_weights", "triangle_filtration")


def tidy(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Light styling without Plotly's default template (the template is most of a small figure's JSON)."""
    margin = {"l": 50, "r": 20, "t": 50 if title else 20, "b": 40}
    fig.update_layout(template="none", title=title, height=height, margin=margin,
                      font={"size": 12}, hovermode="closest", plot_bgcolor="white", paper_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee", zerolinecolor="#ddd", linecolor="#999", showline=True)
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#ddd", linecolor="#999", showline=True)
    return fig


def _first(cx: dict, keys, n: int) -> np.ndarray | None:
    for k in keys:
        if cx.get(k) is not None and len(cx[k]) == n:
            return np.asarray(cx[k], dtype=np.float64)
    return None


def _simplices(cx: dict, key: str, width: int) -> np.ndarray:
    s = np.asarray(cx.get(key, np.zeros((0, width))), dtype=np.int64)
    return s.reshape(-1, width)


def num_vertices(cx: dict) -> int:
    """Vertex count of a display-form complex (``num_vertices`` or the length of ``vertices``)."""
    if "num_vertices" in cx:
        return int(cx["num_vertices"])
    return len(cx["vertices"])


def thin_complex(cx: dict, max_edges: int = 3000, max_triangles: int = 3000, keep: str = "low") -> tuple[dict, int]:
    """The complex with at most ``max_edges`` edges and ``max_triangles`` triangles, for drawing only.

    Keeps the simplices with the lowest values (``keep="low"``: filtration values, the earliest born) or the highest
    (``"high"``: weights); a simplex without values keeps its original order. Returns (complex, simplices dropped).

    >>> thin_complex({"num_vertices": 3, "edges": [[0, 1], [1, 2]], "edge_filtration": [0.5, 0.1]}, max_edges=1)[0]["edges"]
    array([[1, 2]])
    """
    out, dropped = dict(cx), 0
    for key, width, cap, value_keys in (("edges", 2, max_edges, EDGE_VALUE_KEYS),
                                        ("triangles", 3, max_triangles, TRIANGLE_VALUE_KEYS)):
        simplices = _simplices(cx, key, width)
        if len(simplices) <= cap:
            continue
        values = _first(cx, value_keys, len(simplices))
        order = np.arange(len(simplices)) if values is None else np.argsort(values if keep == "low" else -values,
                                                                             kind="stable")
        pick = np.sort(order[:cap])
        out[key] = simplices[pick]
        for vk in value_keys:
            if cx.get(vk) is not None and len(cx[vk]) == len(simplices):
                out[vk] = np.asarray(cx[vk])[pick]
        dropped += len(simplices) - cap
    return out, dropped


def vertex_positions(n: int, edges=(), layout: str = "spring", seed: int = 0, dim: int = 2,
                     strengths=None) -> np.ndarray:
    """Stable vertex coordinates (n, dim) from networkx: ``spring`` (seeded), ``circular`` or ``strip`` (token order).

    Parameters
    ----------
    n : int
        Number of vertices.
    edges : (E, 2) array-like
        Edges that pull vertices together in the spring layout.
    layout : str
        ``"spring"``, ``"circular"`` or ``"strip"``.
    seed : int
        Seed of the spring layout: the same complex and seed give the same picture.
    dim : int
        2 or 3.
    strengths : (E,) array-like, optional
        Larger pulls harder (e.g. attention weights); default all 1.

    Examples
    --------
    >>> vertex_positions(4, [[0, 1]], layout="circular").shape
    (4, 2)
    """
    if n == 0:
        return np.zeros((0, dim))
    if layout == "strip":
        pos = np.zeros((n, dim))
        pos[:, 0] = np.linspace(-1, 1, n) if n > 1 else 0.0
        pos[:, 1] = 0.25 * np.sin(np.arange(n) * 2.4)  # a gentle zigzag so that edges between neighbours show
        return pos
    g = nx.Graph()
    g.add_nodes_from(range(n))
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(edges)) if strengths is None else np.clip(np.asarray(strengths, dtype=float), 1e-3, None)
    g.add_weighted_edges_from((int(a), int(b), float(x)) for (a, b), x in zip(edges, w))
    if layout == "circular":
        p = nx.circular_layout(g, dim=2)
        pos = np.array([p[i] for i in range(n)])
        return pos if dim == 2 else np.column_stack([pos, np.zeros(n)])
    if layout != "spring":
        raise ValueError(f"layout must be 'spring', 'circular' or 'strip', got {layout!r}")
    # A weak backbone along reading order keeps every token in one connected picture: without it, spring layouts
    # push components and isolated tokens to the edges and squash the rest into a dot.
    pull = float(np.mean(w)) if len(w) else 1.0
    for i in range(n - 1):
        if not g.has_edge(i, i + 1):
            g.add_edge(i, i + 1, weight=0.15 * pull)
    init = {i: v for i, v in enumerate(nx.circular_layout(g, dim=2).values())} if dim == 2 else None
    p = nx.spring_layout(g, dim=dim, seed=seed, pos=init, iterations=60, weight="weight")
    return np.array([p[i] for i in range(n)])


def edge_trace_xy(pos: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, ...]:
    """Coordinates of all edges as one polyline per axis, NaN between edges (float32)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    out = []
    for d in range(pos.shape[1]):
        seg = np.full((len(edges), 3), np.nan, dtype=np.float32)
        seg[:, 0], seg[:, 1] = pos[edges[:, 0], d], pos[edges[:, 1], d]
        out.append(seg.ravel())
    return tuple(out)


def triangle_trace_xy(pos: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed outlines of all triangles (a, b, c, a, NaN) for one ``fill="toself"`` trace (float32)."""
    tri = np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
    out = []
    for d in range(2):
        seg = np.full((len(tri), 5), np.nan, dtype=np.float32)
        seg[:, :3] = pos[tri, d]
        seg[:, 3] = pos[tri[:, 0], d]
        out.append(seg.ravel())
    return out[0], out[1]


def complex_figure(cx: dict, labels=None, layout: str = "spring", seed: int = 0, title: str | None = None,
                   value_name: str = "weight", three_d: bool = False, height: int = 520) -> go.Figure:
    """Draw a complex: vertices with token labels, edges in one trace, triangles filled in one trace.

    Edge and triangle values (``edge_weights``/``edge_filtration`` ..., whichever the complex has) are shown as
    colour on markers at edge midpoints and triangle centroids, with hover text.

    Parameters
    ----------
    cx : dict
        Display-form complex (see module docstring).
    labels : list of str, optional
        One token per vertex.
    layout, seed : see :func:`vertex_positions`.
    value_name : str
        What the per-simplex values are, for the colour bar ("weight", "filtration" ...).
    three_d : bool
        Draw in 3-D (Mesh3d triangles coloured by value) instead of 2-D.
    """
    n = num_vertices(cx)
    edges, tris = _simplices(cx, "edges", 2), _simplices(cx, "triangles", 3)
    ev, tv = _first(cx, EDGE_VALUE_KEYS, len(edges)), _first(cx, TRIANGLE_VALUE_KEYS, len(tris))
    labels = [str(i) for i in range(n)] if labels is None else display_tokens(labels)
    strengths = None if ev is None or value_name == "filtration" else ev
    pos = vertex_positions(n, edges, layout, seed, dim=3 if three_d else 2, strengths=strengths)
    hover = [f"{i}: {labels[i]!r}" for i in range(n)]
    if three_d:
        return _complex_figure_3d(pos, edges, tris, ev, tv, labels, hover, title, value_name, height)
    pos = pos.astype(np.float32)
    fig = go.Figure()
    if len(tris):
        tx, ty = triangle_trace_xy(pos, tris)
        fig.add_trace(go.Scatter(x=tx, y=ty, mode="lines", fill="toself", fillcolor=TRIANGLE_FILL,
                                 line={"width": 0}, hoverinfo="skip", name=f"triangles ({len(tris)})"))
    if len(edges):
        ex, ey = edge_trace_xy(pos, edges)
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line={"color": "rgba(90,90,90,0.55)", "width": 1},
                                 hoverinfo="skip", name=f"edges ({len(edges)})"))
        if ev is not None:
            mid = pos[edges].mean(1)
            fig.add_trace(go.Scatter(
                x=mid[:, 0], y=mid[:, 1], mode="markers", name=f"edge {value_name}",
                marker={"size": 6, "color": ev.astype(np.float32), "colorscale": "Viridis", "showscale": True,
                        "colorbar": {"title": {"text": f"edge<br>{value_name}"}, "x": 1.02, "len": 0.45, "y": 0.78}},
                customdata=edges.astype(np.int16 if n < 32768 else np.int32),
                hovertemplate="edge {%{customdata[0]},%{customdata[1]}}: %{marker.color:.3f}<extra></extra>"))
    if len(tris) and tv is not None:
        cen = pos[tris].mean(1)
        fig.add_trace(go.Scatter(
            x=cen[:, 0], y=cen[:, 1], mode="markers", name=f"triangle {value_name}",
            marker={"size": 5, "symbol": "triangle-up", "color": tv.astype(np.float32), "colorscale": "Greens",
                        "showscale": True, "colorbar": {"title": {"text": f"triangle<br>{value_name}"}, "x": 1.02,
                                                      "len": 0.45, "y": 0.22}},
            customdata=tris.astype(np.int16 if n < 32768 else np.int32),
            hovertemplate="triangle {%{customdata[0]},%{customdata[1]},%{customdata[2]}}: %{marker.color:.3f}"
                          "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=pos[:, 0], y=pos[:, 1], mode="markers+text", text=labels, textposition="middle center",
        textfont={"size": 10, "color": "black"}, hovertext=hover, hoverinfo="text", name="tokens",
        marker={"size": 16, "color": np.arange(n, dtype=np.float32), "colorscale": "Blues", "cmin": -n * 0.3, "cmax": n,
                    "line": {"width": 1, "color": "#335"}}))
    tidy(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02})
    return fig


def _complex_figure_3d(pos, edges, tris, ev, tv, labels, hover, title, value_name, height) -> go.Figure:
    pos = pos.astype(np.float32)
    fig = go.Figure()
    if len(tris):
        fig.add_trace(go.Mesh3d(x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], i=tris[:, 0], j=tris[:, 1], k=tris[:, 2],
                                intensity=None if tv is None else tv.astype(np.float32), intensitymode="cell",
                                colorscale="Greens", opacity=0.35, name=f"triangles ({len(tris)})",
                                showscale=tv is not None, colorbar={"title": {"text": f"triangle {value_name}"}},
                                color=None if tv is not None else "#2ca02c", hoverinfo="skip"))
    if len(edges):
        ex, ey, ez = edge_trace_xy(pos, edges)
        fig.add_trace(go.Scatter3d(x=ex, y=ey, z=ez, mode="lines", line={"color": "rgba(90,90,90,0.6)", "width": 2},
                                   hoverinfo="skip", name=f"edges ({len(edges)})"))
    fig.add_trace(go.Scatter3d(x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], mode="markers+text", text=labels,
                               hovertext=hover, hoverinfo="text", name="tokens",
                               marker={"size": 4, "color": "#1f77b4"}))
    tidy(fig, title, height)
    axis = {"visible": False}
    fig.update_layout(scene={"xaxis": axis, "yaxis": axis, "zaxis": axis})
    return fig


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
        inf = ~np.isfinite(d[:, 1])
        death = np.where(inf, top, d[:, 1])
        fig.add_trace(go.Scatter(
            x=d[:, 0].astype(np.float32), y=death.astype(np.float32), mode="markers", name=f"H{dim} ({len(d)})",
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
    for dim in sorted(curves):
        fig.add_trace(go.Scatter(x=radii.astype(np.float32), y=np.asarray(curves[dim], dtype=np.float32),
                                 mode="lines", name=f"β{dim}",
                                 line={"color": DIM_COLOURS.get(dim, "#555"), "shape": "hv", "width": 2}))
    if radius is not None:
        at = {d: int(np.asarray(c)[max(0, int(np.searchsorted(radii, radius + 1e-9, side="right")) - 1)])
              for d, c in curves.items() if len(c)}
        label = ", ".join(f"β{d}={v}" for d, v in sorted(at.items()))
        fig.add_vline(x=radius, line={"color": "orange", "width": 2}, annotation_text=f"r = {radius:.3g}: {label}",
                      annotation_position="top left" if radius > 0.5 * float(radii.max(initial=1.0)) else "top right")
    tidy(fig, title, height)
    fig.update_xaxes(title="radius", range=[float(radii.min(initial=0.0)), float(radii.max(initial=1.0))])
    fig.update_yaxes(title="Betti number", rangemode="tozero")
    return fig
