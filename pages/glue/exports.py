"""Exports: plotly charts whose modebar camera saves PNG or SVG in the browser (no kaleido), and download buttons
for the arrays and records a page shows (.npz, strict JSON: numpy values as lists, NaN as null).

    exports.plot(fig, "attention-grid"); exports.download_npz("Download (NPZ)", {"S": S}, "s.npz", key="dl")
"""

from __future__ import annotations

import functools
import io
import json

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from pages.glue import linking, url_state


def _on_click(key: str, link: dict, bounds: dict | None, curves: set | None, ticks: dict | None = None,
              tick_curves: set | None = None) -> None:
    """on_select callback: the clicked point's fields become the linked URL keys before the rerun draws widgets
    (a point of the tick targets through `ticks`, any other through `link`)."""
    routes = ([(tick_curves, ticks)] if ticks else []) + [(curves, link)]
    url_state.select(linking.routed_updates(st.session_state.get(key), routes, bounds))


def plot(fig, name: str, *, where=None, key: str | None = None, link: dict[str, str] | None = None,
         bounds: dict[str, tuple[int, int]] | None = None, targets: int = 6000, only=None, cover=None,
         ticks: dict[str, str] | None = None) -> None:
    """st.plotly_chart whose modebar camera downloads `name`.png or .svg (sidebar choice), rendered in the browser.

    With `link` ({url_key: point field}, see pages.glue.linking) a click on a point sets those URL keys (values
    outside `bounds` are ignored; with `only`, trace names, only their points count); heatmaps get transparent click
    targets (at most `targets` a heatmap; with `cover`, heatmap names, only those). `key` is then required. With
    `ticks` ({url_key: field}), a click on the figure's tick targets (pages.glue.linking.tick_targets) sets those
    keys instead."""
    fmt = url_state.current("img", "png")
    config = {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": name, "scale": 2}}
    if not link:
        (where or st).plotly_chart(fig, config=config, key=key, theme=None)
        return
    if key is None:
        raise ValueError("exports.plot: a linked chart needs a key")
    if cover != () and any(t.type == "heatmap" for t in fig.data):  # else nothing to add: no copy (about 14 ms)
        fig = linking.clickable(go.Figure(fig), targets, cover)  # a copy: the caller's (maybe cached) figure stays as it was
    (where or st).plotly_chart(fig, config=config, key=key, theme=None, selection_mode="points",
                               on_select=functools.partial(_on_click, key, link, bounds,
                                                           None if only is None else linking.curves_named(fig, only),
                                                           ticks, linking.curves_named(fig, [linking.TICKS])
                                                           if ticks else None))


def npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def _plain(x):
    """`x` with numpy/torch values as lists and numbers, and NaN/inf as None (strict JSON has no NaN)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def json_bytes(obj) -> bytes:
    return json.dumps(_plain(obj), indent=1, allow_nan=False).encode()


def download_npz(label: str, arrays: dict, file_name: str, key: str, where=None) -> None:
    """A download button for `arrays` as a compressed .npz (built only when clicked)."""
    (where or st).download_button(label, lambda: npz_bytes(arrays), file_name=file_name, key=key,
                                  mime="application/octet-stream", on_click="ignore", icon=":material/download:")


def download_json(label: str, obj, file_name: str, key: str, where=None) -> None:
    """A download button for `obj` as JSON (numpy arrays become lists; built only when clicked)."""
    (where or st).download_button(label, lambda: json_bytes(obj), file_name=file_name, key=key,
                                  mime="application/json", on_click="ignore", icon=":material/download:")
