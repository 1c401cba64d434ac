"""Causality-audit views (hoviz.audit.AuditReport): the suffix-perturbation test per cut t, the influence map
‖∂ logit_t / ∂ x_s‖ with the future half (s > t) marked, and a one-line verdict.

A causal model has exact zeros in the future half; a leaky one lights it up (docs/theory.md §2.3, the leak).
    >>> ok, text = verdict(report)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hoviz.viz import as_f32

FLOOR = 1e-12  # zeros are drawn at this value on log scales


def verdict(report) -> tuple[bool, str]:
    """(causal?, a sentence saying why) for an AuditReport."""
    if report.leaks:
        return False, (f"LEAK: outputs at position t depend on tokens after t (first at cut t = {report.first_leak}; "
                       f"worst change {report.worst:.3g} > tolerance {report.tolerance:g}). Training numbers of this "
                       "model are not trustworthy: fix the mask (j <= i AND l <= i).")
    return True, (f"Causal: no output at t moved when tokens after t changed, and every gradient into the future "
                  f"is <= {report.tolerance:g} (worst {report.worst:.3g}, T = {report.T}).")


def suffix_figure(suffix_change, future_grad, tolerance: float) -> go.Figure:
    """Per cut t: max |Δ logits at positions <= t| after re-drawing the suffix, and max |∂ logit_t / ∂ x_s>t|."""
    sc = np.maximum(np.asarray(suffix_change, dtype=np.float64), FLOOR)
    fg = np.maximum(np.asarray(future_grad, dtype=np.float64), FLOOR)
    t = np.arange(len(sc))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=t, y=as_f32(sc, 14), name="suffix test: max |Δ logits[<= t]|",
                         marker_color=np.where(sc > tolerance, "#d62728", "#2ca02c").tolist()))
    fig.add_trace(go.Scatter(x=t, y=as_f32(fg, 14), name="gradient test: max |∂ logit_t / ∂ x_s|, s > t",
                             mode="lines+markers", line={"color": "#1f77b4"}))
    fig.add_hline(y=tolerance, line_dash="dash", line_color="black", annotation_text=f"tolerance {tolerance:g}",
                  annotation_position="bottom left", annotation_bgcolor="rgba(255, 255, 255, 0.85)")
    fig.update_yaxes(type="log", title="change (0 shown as 1e-12)", range=[np.log10(FLOOR) - 0.5,
                                                                             max(1.0, np.log10(max(sc.max(),
                                                                                                   fg.max())) + 0.5)])
    fig.update_xaxes(title="cut t (tokens after t are changed)")
    fig.update_layout(title="suffix perturbation per position", height=380, legend={"orientation": "h", "y": -0.3},
                      margin={"l": 60, "r": 10, "t": 40, "b": 10})
    return fig


def influence_figure(influence, tolerance: float) -> go.Figure:
    """log10 ‖∂ r·logit_t / ∂ x_s‖ as a (t, s) heatmap; the future triangle s > t is outlined and must stay blank."""
    inf = np.asarray(influence, dtype=np.float64)
    T = inf.shape[0]
    z = np.log10(np.maximum(inf, FLOOR))
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    n_leak = int((inf[future] > tolerance).sum())
    fig = go.Figure(go.Heatmap(z=as_f32(z, 2), colorscale="Viridis", zmin=np.log10(FLOOR), zmax=max(0.0, z.max()),
                               colorbar={"title": {"text": "log10"}, "thickness": 12},
                               hovertemplate="output t %{y}<br>input s %{x}<br>log10 %{z:.2f}<extra></extra>"))
    tri = f"M {-0.5} {-0.5} L {T - 0.5} {-0.5} L {T - 0.5} {T - 0.5} Z"  # upper triangle: s > t
    color = "#d62728" if n_leak else "#2ca02c"
    fig.add_shape(type="path", path=tri, line={"color": color, "width": 2, "dash": "dash"},
                  fillcolor="rgba(214,39,40,0.12)" if n_leak else "rgba(0,0,0,0)")
    fig.update_xaxes(title="input position s", side="top", constrain="domain", zeroline=False, showgrid=False)
    fig.update_yaxes(title="output position t", autorange="reversed", scaleanchor="x", constrain="domain",
                     zeroline=False, showgrid=False)
    note = f"<span style='color:{color}'>future (s > t, dashed): " + \
        (f"{n_leak} cells above tolerance: LEAK</span>" if n_leak else "all zero</span>")
    fig.update_layout(title={"text": f"influence ∂ logit_t / ∂ x_s<br><sub>{note}</sub>", "y": 0.96, "yanchor": "top"},
                      height=560, margin={"l": 60, "r": 10, "t": 130, "b": 10})
    return fig
