"""Figures for causal evidence: each 2-simplicial head's interaction score against what replacing it by its pairwise
surrogate costs, the per-token Δ strip of an intervention, and model-against-model views (Δ strip, where gains
concentrate). Records from hoviz.evidence and hoviz.compare_tokens in, plotly figures out, no Streamlit.
    >>> fig = delta_strip(list("abc"), np.array([np.nan, 0.5, -0.2]))
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz import as_f32, display_tokens
from hoviz.viz.tokens import token_strip

SCORE_COLORS = {"interaction": "#d62728", "joint_spread": "#9467bd"}


def interaction_effect_figure(heads, kind: str = "surrogate", *, highlight: str | None = None,
                              metric: str = "loss") -> go.Figure:
    """Per 2-simplicial head: mean interaction KL (filled) and joint spread (hollow) against the held-out effect of
    the intervention `kind` ("loss": Δ nats per token; "balanced_accuracy": Δ balanced accuracy).

    heads : HeadEvidence records (hoviz.evidence); heads without an interaction score or this effect are skipped.
    """
    rows = [h for h in heads if h.interaction is not None and kind in h.effects]
    if metric == "balanced_accuracy":
        y = [h.effects[kind].delta_balanced_accuracy for h in rows]
        if any(v is None for v in y):
            raise ValueError("balanced accuracy exists only for Match tasks; use metric='loss'")
        ytitle = f"Δ balanced accuracy ({kind})"
    else:
        y, ytitle = [h.effects[kind].delta_loss for h in rows], f"Δ log-loss, nats/token ({kind})"
    names = [h.name for h in rows]
    fig = go.Figure()
    for key, label, symbol in (("interaction", "interaction KL(S ‖ surrogate)", "circle"),
                               ("joint_spread", "joint spread (mutual information)", "circle-open")):
        x = [getattr(h, key) for h in rows]
        size = [16 if n == highlight else 11 for n in names]
        fig.add_trace(go.Scatter(x=as_f32(x), y=as_f32(y), mode="markers+text" if key == "interaction" else "markers",
                                 text=names, textposition="top center",
                                 name=label, marker={"color": SCORE_COLORS[key], "symbol": symbol, "size": size,
                                                     "line": {"width": 2, "color": SCORE_COLORS[key]}},
                                 hovertemplate="%{text}: score %{x:.4f} nats, effect %{y:+.4f}<extra>" + label
                                               + "</extra>"))
    fig.add_hline(y=0, line_color="#999", line_width=1)
    fig.update_layout(title="Is a head's 3-way score its causal effect?", height=380, xaxis_title="mean score, nats",
                      yaxis_title=ytitle, margin={"l": 60, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def scores_profile(interaction, joint_spread, tokens, *, i: int | None = None) -> go.Figure:
    """Both per-query scores of one head, (T,) each: interaction KL (what needs both keys) and joint spread."""
    fig = go.Figure()
    for key, values, label in (("interaction", interaction, "interaction KL(S ‖ surrogate)"),
                               ("joint_spread", joint_spread, "joint spread (mutual information)")):
        v = np.asarray(values, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.arange(len(v)), y=as_f32(v), mode="lines+markers", marker={"size": 4},
                                 name=label, line={"color": SCORE_COLORS[key]}, text=display_tokens(tokens),
                                 hovertemplate="i=%{x} %{text}: %{y:.4f} nats<extra>" + label + "</extra>"))
    if i is not None:
        fig.add_vline(x=i, line_dash="dash", line_color="#ff7f0e")
    fig.update_layout(title="Per query: interaction vs joint spread", xaxis_title="query i", yaxis_title="nats",
                      height=300, margin={"l": 60, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return fig


def effects_figure(heads, *, metric: str = "loss", highlight: str | None = None) -> go.Figure:
    """Grouped bars: every intervention kind's held-out effect, per head (Δ nats/token or Δ balanced accuracy); the
    bars of head `highlight` (a name like "L1h0") outlined in the selection colour."""
    kinds = sorted({k for h in heads for k in h.effects}, key=["surrogate", "zero", "mean"].index)
    fig = go.Figure()
    for kind in kinds:
        hs = [h for h in heads if kind in h.effects]
        vals = [h.effects[kind].delta_loss if metric == "loss" else h.effects[kind].delta_balanced_accuracy
                for h in hs]
        fig.add_trace(go.Bar(x=[h.name for h in hs], y=as_f32(vals), name=kind,
                             marker={"line": {"color": ["#ff7f0e" if h.name == highlight else "rgba(0,0,0,0)"
                                                        for h in hs], "width": 3}},
                             hovertemplate="%{x}: %{y:+.4f}<extra>" + kind + "</extra>"))
    order = sorted({(h.layer, h.head) for h in heads})
    fig.update_xaxes(categoryorder="array", categoryarray=[f"L{li}h{hd}" for li, hd in order],
                     tickangle=0 if len(order) <= 8 else -90)
    fig.update_layout(barmode="group", height=320, title="Held-out effect of each intervention",
                      yaxis_title="Δ nats/token" if metric == "loss" else "Δ balanced accuracy",
                      margin={"l": 60, "r": 10, "t": 40, "b": 30})
    return fig


def delta_strip(tokens, delta, *, title: str = "", wrap: int = 32, limit: float | None = None,
                highlight: int | None = None) -> go.Figure:
    """Tokens coloured by a per-token Δ log-loss (T,): red where the change costs nats, blue where it helps; the
    selected position `highlight` outlined."""
    d = np.asarray(delta, dtype=np.float64)
    finite = d[np.isfinite(d)]
    m = limit if limit is not None else (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
    return token_strip(tokens, d, title=title, colorbar_title="Δ nats", wrap=wrap, colorscale="RdBu_r", zmin=-m,
                       zmax=m, value_format="+.3f", highlight=highlight)


def comparison_strip(cmp, other: int = 1, base: int = 0, *, wrap: int = 32, highlight: int | None = None
                     ) -> go.Figure:
    """A PromptComparison's Δ strip: blue where model `other` predicts the token better than model `base`."""
    return delta_strip(cmp.tokens, cmp.delta(other, base), wrap=wrap, highlight=highlight,
                       title=f"{cmp.models[other]} − {cmp.models[base]}, per token (blue: {cmp.models[other]} wins)")


def bucket_figure(rows, *, title: str = "", xtitle: str = "") -> go.Figure:
    """Mean Δ per bucket (BucketRow records), blue where the second model wins, with counts and shares on hover."""
    d = np.array([r.mean_delta for r in rows], dtype=np.float64)
    fig = go.Figure(go.Bar(
        x=[r.bucket for r in rows], y=as_f32(d), marker_color=["#1f77b4" if v < 0 else "#d62728" for v in d],
        customdata=np.array([[r.count, r.share] for r in rows], dtype=np.float64),
        hovertemplate="%{x}: Δ %{y:+.4f} nats/token<br>%{customdata[0]:.0f} tokens, "
                      "%{customdata[1]:+.2f} of the total Δ<extra></extra>"))
    fig.add_hline(y=0, line_color="#999", line_width=1)
    fig.update_layout(title=title or None, height=300, xaxis_title=xtitle, yaxis_title="mean Δ, nats/token",
                      margin={"l": 60, "r": 10, "t": 40 if title else 10, "b": 40})
    fig.update_xaxes(type="category")
    return fig


def wins_rows(wins, models) -> list[dict]:
    """TokenWin records as table rows: context, token, each model's loss, Δ."""
    return [{"position": w.position, "context": "".join(display_tokens(list(w.context))),
             "token": display_tokens([w.token])[0], **{m: round(v, 3) for m, v in zip(models, w.losses)},
             "Δ nats": round(w.delta, 3)} for w in wins]
