"""Hover text that names tokens, not only positions: "query 51 'e' → key 37 'o'" on every cell of a (T, T) map.
Whitespace is shown visibly (display_tokens: newline ↵, space ␣).

    fig = go.Heatmap(z=z, customdata=cell_tokens(tokens, tokens), hovertemplate=pair_template("query", "key", "w"))
"""

from __future__ import annotations

import numpy as np

from hoviz.viz import display_tokens


def cell_tokens(row_tokens, col_tokens) -> np.ndarray:
    """(R, C, 2) object array: cell (r, c) holds (row token, column token) as display strings."""
    rows, cols = display_tokens(row_tokens), display_tokens(col_tokens)
    out = np.empty((len(rows), len(cols), 2), dtype=object)
    out[..., 0] = np.array(rows, dtype=object)[:, None]
    out[..., 1] = np.array(cols, dtype=object)[None, :]
    return out


def pair_template(ylabel: str, xlabel: str, value: str = "%{z:.4f}", extra: str = "") -> str:
    """A heatmap hovertemplate "ylabel y 'tok' → xlabel x 'tok'" over customdata from `cell_tokens`, then `value`."""
    return (f"{ylabel} %{{y}} '%{{customdata[0]}}' → {xlabel} %{{x}} '%{{customdata[1]}}'<br>{value}"
            f"<extra>{extra}</extra>")
