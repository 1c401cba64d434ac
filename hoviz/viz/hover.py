"""Hover text that names tokens, not only positions: "query 51 'e' → key 37 'o'" on every cell of a (T, T) map.
Whitespace is shown visibly (display_tokens: newline ↵, space ␣). Per-cell token pairs (`cell_tokens`) cost O(T²)
strings; a heatmap on category axes named by `position_names` hovers the same text at O(T).

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


def position_names(tokens, block: int = 1) -> list[str]:
    """Category names for the cells of an axis over the prompt: "37 'o'" per position, or one name per `block`
    positions of a pooled map ("36–37 'no'"). Unique, so a heatmap on such an axis hovers with the token text from
    %{x} / %{y} at O(T) cost instead of a (T, T) customdata of strings."""
    labels = display_tokens(tokens)
    if block <= 1:
        return [f"{k} '{lab}'" for k, lab in enumerate(labels)]
    return [f"{k}–{min(k + block, len(labels)) - 1} '{''.join(labels[k:k + block])}'"
            for k in range(0, len(labels), block)]
