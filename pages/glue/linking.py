"""Linked selections: a click on a plotly point (a token, a heatmap cell, a graph node, a head's bar or thumbnail)
sets URL keys of the page (i, head, layer, key ...), so the choice survives in the URL and a link reproduces it; the
chosen position is then marked in the page's other figures. Pure functions here (unit-tested without a browser);
`exports.plot(fig, name, key=..., link={"i": "y"})` wires them to `st.plotly_chart(on_select=...)`.

    link = {"i": "y", "key": "x"}   # a click on cell (row y, column x) sets i = y and key = x
"""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import plotly.graph_objects as go

OVERLAY = "click targets"  # name of the transparent scatter laid over heatmaps (Streamlit reports no heatmap points)
FIELDS = ("x", "y", "point_index", "row", "col", "trace", "label", "text")  # and "cd0", "cd1", ...: customdata


def first_point(event) -> dict | None:
    """The first selected point of a `st.plotly_chart` selection event (or its session-state value), else None."""
    if not event:
        return None
    selection = event.get("selection") if hasattr(event, "get") else None
    points = (selection or {}).get("points") or []
    return dict(points[0]) if points else None


def _as_int(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number) if math.isfinite(number) else None


def read_field(point: dict, field: str) -> int | str | None:
    """Integer value of `field` of a clicked point: "x", "y", "point_index"; for a heatmap's click target "row" and
    "col" (the cell's array indices, also on category axes) and "trace" (which heatmap of the figure); "cdK" (entry K
    of the point's customdata); as strings, "label" (the x value of a bar on a category axis, e.g. a head's name)
    and "text" (the point's text). None when the point lacks it."""
    if field not in FIELDS and not re.fullmatch(r"cd\d+", field):
        raise ValueError(f"unknown point field {field!r}: use one of {', '.join(FIELDS)} or cd0, cd1, ...")
    if field in ("label", "text"):
        value = point.get("x" if field == "label" else "text")
        return None if value is None or isinstance(value, list | dict) else str(value)
    if field in ("x", "y", "point_index"):
        return _as_int(point.get(field))
    custom = point.get("customdata")
    if custom is None:
        return None
    if isinstance(custom, dict) and all(str(k).isdigit() for k in custom):  # a typed-array row: {"0": .., "1": ..}
        custom = [custom[k] for k in sorted(custom, key=int)]
    custom = list(custom) if isinstance(custom, list | tuple) else [custom]
    tail = {"row": -3, "col": -2, "trace": -1}
    if field in tail:
        return _as_int(custom[tail[field]]) if len(custom) >= 3 else None
    k = int(field[2:])
    return _as_int(custom[k]) if k < len(custom) else None


def updates(event, link: dict[str, str], bounds: dict[str, tuple[int, int]] | None = None,
            curves: set[int] | None = None) -> dict[str, int | str]:
    """URL-key updates a selection event asks for: {url_key: value} for each `link` entry (url_key -> point field)
    the clicked point has, dropping values outside `bounds[url_key]` = (lo, hi) inclusive; with `curves`, only a
    point of those traces (curve numbers) counts. {} when nothing is selected (a click on empty space, a cleared
    selection)."""
    point = first_point(event)
    if point is None or (curves is not None and point.get("curve_number") not in curves):
        return {}
    out = {}
    for key, field in link.items():
        value = read_field(point, field)
        lo, hi = (bounds or {}).get(key, (-math.inf, math.inf))
        if isinstance(value, str) or (value is not None and lo <= value <= hi):
            out[key] = value
    return out


def curves_named(fig: go.Figure, names) -> set[int]:
    """Curve numbers of the traces of `fig` called one of `names` (e.g. the "tokens" trace of a graph, not its
    edges); a name no trace has is an error, so a renamed trace cannot silently unlink a figure."""
    names = set(names)
    found = {n: t.name for n, t in enumerate(fig.data) if t.name in names}
    if missing := names - set(found.values()):
        raise ValueError(f"no trace named {', '.join(sorted(missing))} in the figure to link")
    return set(found)


def _array(values, dtype=None) -> np.ndarray | None:
    """A trace's array as numpy, also when it arrives base64-encoded ({"dtype", "bdata", "shape"}: a figure that went
    through JSON or a pickle, e.g. a cached one)."""
    if isinstance(values, dict) and "bdata" in values:
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        shape = values.get("shape")
        shape = [int(d) for d in str(shape).split(",")] if shape is not None else [flat.size]
        return flat.reshape(shape).astype(dtype) if dtype else flat.reshape(shape)
    return None if values is None else np.asarray(values, dtype=dtype)


def _axis_values(values, n: int) -> np.ndarray:
    return np.arange(n) if values is None else _array(values)


def _rewrite(template: str | None, n_custom: int) -> str | None:
    """The heatmap's hovertemplate for the overlay: %{z...} reads the z value stored after the cell's customdata."""
    if template is None:
        return None
    return template.replace("%{z", f"%{{customdata[{n_custom}]").replace("%{customdata}", "%{customdata[0]}")


def clickable(fig: go.Figure, max_points: int = 6000, heatmaps=None) -> go.Figure:
    """Lay a transparent scatter point over each non-blank heatmap cell of `fig` (in place; returned), carrying the
    cell's customdata, then its z value, its row and column and which heatmap it covers (fields "row", "col",
    "trace"), so a click is reported as a point. Cells count when z is a number or they show text (a token strip).
    The overlay shows the heatmap's own hover text (the heatmap's hover is switched off to avoid two labels);
    beyond `max_points` cells per heatmap, every s-th row and column is covered (s the smallest stride that fits).
    With `heatmaps` (trace names), only those are covered (e.g. thin click strips, not the large map they border)."""
    for ordinal, hm in enumerate([t for t in fig.data if t.type == "heatmap"]):
        z = _array(hm.z, np.float64)
        if z.ndim != 2 or not z.size or (heatmaps is not None and hm.name not in heatmaps):
            continue
        xs, ys = _axis_values(hm.x, z.shape[1]), _axis_values(hm.y, z.shape[0])
        shown = np.isfinite(z)
        if hm.text is not None:
            shown |= np.vectorize(lambda t: bool(str(t)), otypes=[bool])(_array(hm.text).astype(object))
        stride = max(1, math.ceil(math.sqrt(shown.sum() / max_points)))
        rows, cols = np.nonzero(shown[::stride, ::stride])
        rows, cols = rows * stride, cols * stride
        custom = None if hm.customdata is None else _array(hm.customdata).astype(object)
        cell = np.empty((len(rows), 0), dtype=object) if custom is None else custom[rows, cols].reshape(len(rows), -1)
        n_custom = cell.shape[1]
        zs = np.array([float(f"{v:.5g}") for v in z[rows, cols]], dtype=object)  # 5 digits: no float32 noise
        zs[np.isnan(z[rows, cols])] = None
        data = np.column_stack([cell, zs, rows.astype(object), cols.astype(object),
                                np.full(len(rows), ordinal, dtype=object)]).tolist()
        text = None if hm.text is None else _array(hm.text).astype(object)[rows, cols].tolist()
        fig.add_trace(go.Scatter(
            x=xs[cols].tolist(), y=ys[rows].tolist(), mode="markers", name=OVERLAY, showlegend=False, customdata=data, text=text,
            marker={"color": "rgba(0,0,0,0)", "size": 14}, selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}}, hovertemplate=_rewrite(hm.hovertemplate, n_custom),
            xaxis=hm.xaxis, yaxis=hm.yaxis))
        hm.hoverinfo, hm.hovertemplate, hm.customdata = "skip", None, None  # the overlay carries them now
    return fig


def mark(fig: go.Figure, *, x: float | None = None, y: float | None = None, color: str = "#ff7f0e",
         xref: str = "x", yref: str = "y") -> go.Figure:
    """A copy of `fig` with the selected position outlined: a band one cell wide at column `x` and/or row `y` of a
    heatmap (also on a category axis: cell k spans k +- 0.5), or across a line plot, in the selection colour."""
    fig = go.Figure(fig)
    line = {"color": color, "width": 2}
    if x is not None:
        fig.add_shape(type="rect", x0=x - 0.5, x1=x + 0.5, y0=0, y1=1, xref=xref, yref=f"{yref} domain", line=line,
                      layer="above")
    if y is not None:
        fig.add_shape(type="rect", y0=y - 0.5, y1=y + 0.5, x0=0, x1=1, yref=yref, xref=f"{xref} domain", line=line,
                      layer="above")
    return fig


def mark_subplot(fig: go.Figure, n: int, color: str = "#ff7f0e") -> go.Figure:
    """A copy of `fig` with subplot `n` (0-based, in the order make_subplots numbers them) framed: the selected head
    of a grid of thumbnails."""
    fig = go.Figure(fig)
    suffix = "" if n == 0 else str(n + 1)
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, xref=f"x{suffix} domain", yref=f"y{suffix} domain",
                  line={"color": color, "width": 3}, layer="above")
    return fig


TICKS = "tick targets"  # name of the transparent band of click targets along a token axis (ticks cannot be clicked)


def tick_targets(fig: go.Figure, tokens, *, axis: str = "x", what: str = "key", sets: str = "query i",
                 start: int | None = None, stop: int | None = None) -> go.Figure:
    """A copy of `fig` with a thin white band inside the plot along its token axis `axis` ("x": columns, ticks on
    top of a reversed-y heatmap; "y": rows, ticks on the left), holding one transparent click target per position
    start .. stop - 1 (default: the first heatmap's cells) with customdata [position] and a token tooltip
    ("key l 37 'o' → click: query i = 37"). Wire it with `exports.plot(..., ticks={"i": "cd0"})`."""
    from hoviz.viz import display_tokens  # the tokens as the ticks show them (visible whitespace)

    fig = go.Figure(fig)
    hm = next((t for t in fig.data if t.type == "heatmap"), None)
    if start is None or stop is None:
        if hm is None:
            raise ValueError("tick_targets: give start and stop for a figure without a heatmap")
        values = _axis_values(hm.x if axis == "x" else hm.y, 0)
        start, stop = int(np.min(values)), int(np.max(values)) + 1
    labels = display_tokens(tokens)
    pos = np.arange(start, stop)
    rows = np.asarray(fig.data[0].y if hm is None else _axis_values(hm.y, 0), dtype=np.float64)
    cols = np.asarray(fig.data[0].x if hm is None else _axis_values(hm.x, 0), dtype=np.float64)
    band = len(rows if axis == "x" else cols) / 25  # in cells: 4% of the plot across, whatever its size
    hover = [f"{what} {p} '{labels[p]}' → click: {sets} = {p}<extra></extra>" for p in pos]
    if axis == "x":  # band above the first row (y reversed: the top of the plot, under the tick labels)
        top, bottom = float(rows.min()) - 0.5, float(rows.max()) + 0.5
        fig.update_yaxes(range=[bottom, top - band], autorange=False)
        x, y = pos, np.full(len(pos), top - band / 2)
        fig.add_shape(type="rect", x0=0, x1=1, xref="x domain", y0=top - band, y1=top, fillcolor="white",
                      line={"width": 0}, layer="below")
    elif axis == "y":  # band left of the first column
        left, right = float(cols.min()) - 0.5, float(cols.max()) + 0.5
        fig.update_xaxes(range=[left - band, right], autorange=False)
        x, y = np.full(len(pos), left - band / 2), pos
        fig.add_shape(type="rect", y0=0, y1=1, yref="y domain", x0=left - band, x1=left, fillcolor="white",
                      line={"width": 0}, layer="below")
    else:
        raise ValueError(f"axis must be 'x' or 'y', not {axis!r}")
    fig.add_trace(go.Scatter(x=x.tolist(), y=y.tolist(), mode="markers", name=TICKS, showlegend=False,
                             customdata=[[int(p)] for p in pos], hovertemplate=hover, cliponaxis=False,
                             marker={"color": "rgba(0,0,0,0)", "size": 12, "symbol": "square"},
                             selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}}))
    return fig


def routed_updates(event, routes, bounds: dict[str, tuple[int, int]] | None = None) -> dict[str, int | str]:
    """`updates` for a figure whose traces link differently: `routes` = [(curves or None, link), ...], the first
    route whose curves hold the clicked point's trace (None: any trace) decides (e.g. tick targets set i, heatmap
    cells set the key)."""
    point = first_point(event)
    if point is None:
        return {}
    for curves, link in routes:
        if curves is None or point.get("curve_number") in curves:
            return updates(event, link, bounds, curves)
    return {}
