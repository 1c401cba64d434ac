"""The scaling figure: validation loss against parameters and against training FLOPs, log-log, one colour per kind,
each kind's fitted power law (hoviz.scaling) drawn through its points with slope ± standard error in the legend.

    fig = scaling_fit_figure(load_points("benchmarks/scaling"), fit_family(points))
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hoviz.scaling import X_AXES, PowerLawFit, ScalingPoint
from hoviz.viz.compare import KIND_COLOURS, sub_lines
from hoviz.viz.complex import tidy

AXIS_TITLES = {"params": "parameters", "training_flops": "training FLOPs (3 × forward × tokens)"}
TITLE = "Scaling: validation loss against parameters and training FLOPs"


def slope_text(fit: PowerLawFit) -> str:
    """"slope −0.071 ± 0.012 (1 dof)", or "± n/a" when no degree of freedom is left."""
    se = "n/a" if np.isnan(fit.slope_se) else f"{fit.slope_se:.3f}"
    return f"slope {fit.slope:.3f} ± {se} ({fit.dof} dof)"


def scaling_fit_figure(points: list[ScalingPoint], fits: list[PowerLawFit], height: int = 440) -> go.Figure:
    """Two log-log panels (x: parameters, training FLOPs; y: val loss): points per kind and the fitted lines."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=tuple(AXIS_TITLES[x] for x in X_AXES))
    kinds = list(dict.fromkeys(p.kind for p in points))
    for col, x_name in enumerate(X_AXES, start=1):
        for kind in kinds:
            mine = [p for p in points if p.kind == kind]
            colour = KIND_COLOURS.get(kind, KIND_COLOURS["mixed"])
            fig.add_trace(go.Scatter(
                x=[getattr(p, x_name) for p in mine], y=[p.val_loss for p in mine], mode="markers+text",
                text=[p.size for p in mine], textposition="top center", name=kind, legendgroup=kind,
                showlegend=col == 1, marker={"color": colour, "size": 10},
                customdata=[[p.name, p.tokens] for p in mine],
                hovertemplate="%{customdata[0]}<br>" + AXIS_TITLES[x_name] + " %{x:.3s}<br>val loss %{y:.4f}"
                              "<br>tokens %{customdata[1]:,}<extra></extra>"), row=1, col=col)
            fit = next((f for f in fits if f.kind == kind and f.x_name == x_name), None)
            if fit is not None:
                xs = np.geomspace(min(getattr(p, x_name) for p in mine), max(getattr(p, x_name) for p in mine), 32)
                fig.add_trace(go.Scatter(x=xs, y=fit.predict(xs), mode="lines", legendgroup=kind,
                                         name=f"{kind} fit vs {AXIS_TITLES[x_name].split(' (')[0]}: {slope_text(fit)}",
                                         line={"color": colour, "dash": "dash" if col == 1 else "dot"}),
                              row=1, col=col)
    tokens = sorted({p.tokens for p in points})
    note = (f"{len(points)} models, {', '.join(f'{t:,}' for t in tokens)} tokens each; lines: OLS of log loss on "
            "log x, n − 2 degrees of freedom")
    tidy(fig, f"{TITLE}<br><sup>{sub_lines(note)}</sup>", height)
    fig.update_layout(margin={"t": 100}, legend={"orientation": "h", "y": -0.2})
    fig.update_traces(cliponaxis=False, selector={"mode": "markers+text"})  # size labels above the top points
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log", title="validation loss (nats/char)", col=1)
    return fig
