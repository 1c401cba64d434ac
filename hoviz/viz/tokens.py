"""Token-level views for the Prompt page: per-token surprisal, a surprisal-coloured token strip, top-k next tokens.

Surprisal of token t is the model's loss on it, -log p(x_t | x_<t) in nats (the first token has none: NaN).
    >>> s = surprisal(np.zeros((3, 4)), [0, 1, 2])       # uniform model: log 4 nats per token
    >>> fig = token_strip(["a", "b", "c"], s)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz import as_f32, display_tokens


def log_softmax(logits) -> np.ndarray:
    """Numerically stable log-softmax over the last axis, float64."""
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def surprisal(logits, ids) -> np.ndarray:
    """Per-token loss in nats, (T,): entry t is -log p(ids[t] | ids[:t]) read from logits[t-1]; entry 0 is NaN.

    Parameters
    ----------
    logits : array (T, V), the model's next-token logits at each position.
    ids : sequence of T token ids.
    """
    ids = np.asarray(ids, dtype=np.int64)
    out = np.full(len(ids), np.nan)
    if len(ids) > 1:
        lp = log_softmax(np.asarray(logits)[:-1])  # (T-1, V)
        out[1:] = -lp[np.arange(len(ids) - 1), ids[1:]]
    return out


def token_strip(tokens, values, *, title: str = "", colorbar_title: str = "nats", wrap: int = 32,
                colorscale: str = "Reds", zmin: float | None = 0.0, zmax: float | None = None,
                highlight: int | None = None, value_format: str = ".2f") -> go.Figure:
    """Tokens laid out in rows of `wrap`, each cell coloured by its value (NaN cells stay blank).

    Parameters
    ----------
    tokens : T display strings.
    values : (T,) values to colour by (surprisal, a probability, ...).
    highlight : a position to outline (e.g. the one whose next-token distribution is shown).
    """
    labels = display_tokens(tokens)
    T = len(labels)
    wrap = max(1, min(wrap, T))
    rows = -(-T // wrap)
    z = np.full(rows * wrap, np.nan)
    z[:T] = np.asarray(values, dtype=np.float64)
    text = labels + [""] * (rows * wrap - T)
    pos = np.arange(rows * wrap)
    fig = go.Figure(go.Heatmap(
        z=as_f32(z.reshape(rows, wrap), 3), text=np.array(text, dtype=object).reshape(rows, wrap),
        customdata=pos.reshape(rows, wrap), texttemplate="%{text}", textfont={"size": 14},
        colorscale=colorscale, zmin=zmin, zmax=zmax, xgap=2, ygap=2,
        colorbar={"title": {"text": colorbar_title}, "thickness": 12},
        hovertemplate=f"pos %{{customdata}} %{{text}}<br>%{{z:{value_format}}} {colorbar_title}<extra></extra>"))
    if highlight is not None and 0 <= highlight < T:
        r, c = divmod(highlight, wrap)
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                      line={"color": "#1f77b4", "width": 3})
    fig.update_layout(title=title or None, height=max(140, 70 + 34 * rows),
                      margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                      plot_bgcolor="rgba(0,0,0,0)")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    return fig


def top_k(probs, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and probabilities of the k most likely entries of probs (V,), most likely first."""
    probs = np.asarray(probs, dtype=np.float64)
    k = max(1, min(int(k), probs.shape[-1]))
    idx = np.argsort(-probs, kind="stable")[:k]
    return idx, probs[idx]


def topk_bar(probs, vocab, k: int = 10, *, title: str = "", actual: int | None = None) -> go.Figure:
    """Horizontal bars of the k most likely next tokens; the token that actually follows (if any) in orange.

    Parameters
    ----------
    probs : (V,) next-token probabilities.
    vocab : V display strings (the tokenizer's `tokens(range(V))`).
    actual : id of the token that follows in the prompt, or None at the end of the prompt.
    """
    idx, p = top_k(probs, k)
    labels = display_tokens([vocab[i] for i in idx])
    colors = ["#ff7f0e" if actual is not None and i == actual else "#1f77b4" for i in idx]
    fig = go.Figure(go.Bar(x=as_f32(p), y=[f"{lab} " for lab in labels], orientation="h", marker_color=colors,
                           hovertemplate="%{y}: p = %{x:.3f}<extra></extra>"))
    fig.update_layout(title=title or None, height=60 + 22 * len(idx), margin={"l": 50, "r": 10, "t": 40, "b": 30},
                      xaxis={"title": "probability", "range": [0, 1]}, bargap=0.15)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig
