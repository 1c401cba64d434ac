"""Plotly figures of a simplicial complex over tokens (persistence figures: hoviz.viz.persistence).

The complex is the display form shared by `hoviz.topology.lift` and `hoviz.topology.complex_from_trace`: a dict
with ``num_vertices``, ``edges`` (E, 2), ``triangles`` (F, 3) and per-simplex values (weights or filtration values).
Payloads stay small: all edges are one line trace (NaN separators), all triangles one filled trace, arrays float32.
    >>> fig = complex_figure({"num_vertices": 3, "edges": [[0, 1], [1, 2], [0, 2]], "triangles": [[0, 1, 2]]})
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz import display_tokens
from hoviz.viz.layout import edge_trace_xy, triangle_trace_xy, vertex_positions

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


