"""Plotly figure builders for the hoviz app: numpy in, `plotly.graph_objects.Figure` out, no Streamlit.

Figures stay light (compute only what is on screen): heatmaps carry float32 values, thumbnails are
max-pooled to at most 64 cells a side, and a graph draws all its edges in a few traces (one per width bin).
    >>> import numpy as np
    >>> from hoviz.viz.attention import head_heatmap
    >>> fig = head_heatmap(np.eye(4), ["a", "b", "c", "d"])
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Every figure's axes make room for their labels (automargin), and numbers print as plain numbers or
# powers of ten (1.5×10⁻⁶), never with SI prefixes (1µ) that read as units on dimensionless axes.
_AXIS = {"automargin": True, "exponentformat": "power", "separatethousands": True}
pio.templates["hoviz"] = go.layout.Template(layout={"xaxis": _AXIS, "yaxis": _AXIS})
# Registered merged once: a "plotly+hoviz" default is re-merged for every new figure (about 13 ms each, most of a
# page's figure-building time); the stored merge costs under 1 ms a figure and is the same template.
pio.templates["plotly_hoviz"] = pio.templates["plotly+hoviz"]
pio.templates.default = "plotly_hoviz"

MASKED_BG = "rgba(160, 160, 160, 0.35)"  # plot background: NaN (masked) heatmap cells show as grey
# The one categorical palette (plotly's D3 = matplotlib's tab10): models, mixer kinds, WL colours, ranked triples.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def display_tokens(tokens) -> list[str]:
    """Token labels with visible whitespace: newline as "↵", space as "␣", tab as "⇥".

    >>> display_tokens(["a", " ", "\\n"])
    ['a', '␣', '↵']
    """
    table = {"\n": "↵", " ": "␣", "\t": "⇥", "": "∅"}
    return [table.get(t, t.replace("\n", "↵").replace(" ", "␣")) for t in map(str, tokens)]


def as_f32(a, decimals: int = 4) -> np.ndarray:
    """A float32 copy of `a` rounded to `decimals` (what is sent to the browser); NaN stays NaN."""
    return np.round(np.asarray(a, dtype=np.float64), decimals).astype(np.float32)


def pool_max(a: np.ndarray, max_side: int = 64) -> tuple[np.ndarray, int]:
    """Block-max pool a (T, T) map (NaN = masked) so that each side has at most `max_side` cells.

    Returns the pooled map and the block size; a block is NaN only when all of its cells are.
    """
    a = np.asarray(a, dtype=np.float64)
    T0, T1 = a.shape
    f = max(1, int(np.ceil(max(T0, T1) / max_side)))
    if f == 1:
        return a, 1
    P0, P1 = -(-T0 // f) * f, -(-T1 // f) * f
    padded = np.full((P0, P1), np.nan)
    padded[:T0, :T1] = a
    blocks = padded.reshape(P0 // f, f, P1 // f, f)
    all_nan = np.isnan(blocks).all(axis=(1, 3))
    pooled = np.where(all_nan, np.nan, np.nanmax(np.where(np.isnan(blocks), -np.inf, blocks), axis=(1, 3)))
    return pooled, f


def token_ticks(tokens, start: int = 0, max_labelled: int = 48, n_sparse: int = 16) -> dict:
    """Axis settings labelling positions start, start+1, ... with their tokens; past `max_labelled` tokens only
    about `n_sparse` ticks, written "position:token" (hover gives every cell)."""
    labels = display_tokens(tokens)
    if len(labels) <= max_labelled:
        idx, text = list(range(len(labels))), labels
    else:
        step = int(np.ceil(len(labels) / n_sparse))
        idx = list(range(0, len(labels), step))
        text = [f"{start + k}:{labels[k]}" for k in idx]
    return {"tickmode": "array", "tickvals": [start + k for k in idx], "ticktext": text,
            "tickfont": {"size": 9 if len(idx) > 32 else 11}}


__all__ = ["MASKED_BG", "as_f32", "display_tokens", "pool_max", "token_ticks"]
