"""Plotly figures of a simplicial complex over tokens (persistence figures: hoviz.viz.persistence).

The complex is the display form shared by `hoviz.topology.lift` and `hoviz.topology.complex_from_trace`: a dict
with ``num_vertices``, ``edges`` (E, 2), ``triangles`` (F, 3) and per-simplex values (weights or filtration values).
Payloads stay small: all edges are one line trace (NaN separators), all triangles one filled trace, arrays float32.
    >>> fig = complex_figure({"num_vertices": 3, "edges": [[0, 1], [1, 2], [0, 2]], "triangles": [[0, 1, 2]]})
"""

from __future__ import annotations

import base64

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


def drawing_scale(n: int) -> dict:
    """Marker, label, edge and triangle styling for a complex over n vertices: smaller nodes and lighter fills as n
    grows, so that edges and triangles stay visible at T = 96 as at T = 12; labels drawn up to 128 vertices."""
    return {"node": float(np.clip(24 - n / 6, 8, 18)), "font": int(np.clip(14 - n / 16, 8, 12)),
            "labels": n <= 128, "width": float(np.clip(2.5 - n / 80, 1.0, 2.5)),
            "edge": f"rgba(40, 40, 40, {np.clip(0.9 - n / 250, 0.45, 0.9):.2f})",
            "fill": f"rgba(44, 160, 44, {np.clip(0.45 - n / 400, 0.15, 0.45):.2f})"}


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
    hover = [f"token {i} '{labels[i]}'" for i in range(n)]
    if three_d:
        return _complex_figure_3d(pos, edges, tris, ev, tv, labels, hover, title, value_name, height)
    pos = pos.astype(np.float32)
    look = drawing_scale(n)
    fig = go.Figure()
    if len(tris):
        tx, ty = triangle_trace_xy(pos, tris)
        fig.add_trace(go.Scatter(x=tx, y=ty, mode="lines", fill="toself", fillcolor=look["fill"],
                                 line={"width": 0}, hoverinfo="skip", name=f"triangles ({len(tris)})"))
    if len(edges):
        ex, ey = edge_trace_xy(pos, edges)
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line={"color": look["edge"], "width": look["width"]},
                                 hoverinfo="skip", name=f"edges ({len(edges)})"))
    # values in the hover (transparent markers at edge midpoints and triangle centroids), not in extra colour bars
    ids = "{%{customdata[0]},%{customdata[1]}}", "{%{customdata[0]},%{customdata[1]},%{customdata[2]}}"
    for simplices, values, what, idx in ((edges, ev, "edge", ids[0]), (tris, tv, "triangle", ids[1])):
        if len(simplices) and values is not None:
            at = pos[simplices].mean(1)
            fig.add_trace(go.Scatter(
                x=at[:, 0], y=at[:, 1], mode="markers", name=f"{what} {value_name}", showlegend=False,
                marker={"size": 8, "opacity": 0, "color": values.astype(np.float32), "showscale": False},
                customdata=simplices.astype(np.int16 if n < 32768 else np.int32),
                hovertemplate=f"{what} {idx}: {value_name} %{{marker.color:.3f}}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=pos[:, 0], y=pos[:, 1], mode="markers+text" if look["labels"] else "markers", text=labels,
        textposition="middle center", textfont={"size": look["font"], "color": "#111"}, hovertext=hover,
        hoverinfo="text", showlegend=False, name="tokens",
        marker={"size": look["node"], "color": "#eef3fb", "line": {"width": 1, "color": "#1f4e8c"}}))
    tidy(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02}, plot_bgcolor="white")
    return fig


def _plain(values) -> np.ndarray | None:
    """A trace's coordinate array as numpy, also when a cached (pickled) figure holds it base64-encoded."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return None if values is None else np.asarray(values)


def ring_vertex(fig: go.Figure, v: int | None, color: str = "#ff7f0e") -> go.Figure:
    """A copy of a complex figure with vertex `v` (the selected token) ringed in the selection colour, in 2-D or
    3-D; unchanged when `v` is None or not one of its vertices (e.g. past the prefix a complex covers)."""
    fig = go.Figure(fig)
    nodes = next((t for t in fig.data if t.name == "tokens"), None)
    if v is None or nodes is None:
        return fig
    x, y, z = (_plain(getattr(nodes, a, None)) for a in ("x", "y", "z"))
    if not 0 <= v < len(x):
        return fig
    ring = {"size": max(14, 1.6 * float(nodes.marker.size or 10)), "color": "rgba(0,0,0,0)",
            "line": {"width": 3, "color": color}}
    hover = nodes.hovertext[v] if nodes.hovertext is not None else str(v)
    common = {"mode": "markers", "name": "selected token", "showlegend": False, "hovertext": [f"selected: {hover}"],
              "hoverinfo": "text"}
    if nodes.type == "scatter3d":
        fig.add_trace(go.Scatter3d(x=[x[v]], y=[y[v]], z=[z[v]], marker=ring, **common))
    else:
        fig.add_trace(go.Scatter(x=[x[v]], y=[y[v]], marker=ring, **common))
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


