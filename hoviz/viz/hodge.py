"""Plotly figures of an `scn` layer's view (hoviz.views.scn): Hodge spectra of L0/L1/L2 with the zero eigenvalues
(the Betti numbers) marked, the simplices with the largest filter response, and the prefix complex coloured by it.
    >>> fig = spectrum_figure(hodge_spectra({"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": []}))
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hoviz.topology.spectra import HodgeSpectra
from hoviz.viz import display_tokens
from hoviz.viz.complex import DIM_COLOURS, complex_figure, tidy

DIM_NAMES = ("vertex", "edge", "triangle")


def spectrum_figure(spectra: HodgeSpectra, title: str | None = "Hodge spectra", height: int = 320) -> go.Figure:
    """Three panels, the sorted eigenvalues of L0, L1, L2; zero eigenvalues in black, counted in the panel title."""
    names = [f"L{k}: β{k} = {b} zero of {len(e)}" for k, (e, b) in enumerate(zip(spectra.eigenvalues, spectra.betti))]
    fig = make_subplots(rows=1, cols=3, subplot_titles=names, horizontal_spacing=0.07)
    for k, eig in enumerate(spectra.eigenvalues):
        zero = np.abs(eig) < spectra.tolerance
        colour = np.where(zero, "black", DIM_COLOURS[k]).tolist()
        fig.add_trace(go.Scatter(x=np.arange(len(eig)), y=eig.astype(np.float32), mode="markers",
                                 marker={"size": 5, "color": colour}, name=f"L{k}", showlegend=False,
                                 hovertemplate=f"L{k} eigenvalue %{{x}}: %{{y:.4f}}<extra></extra>"),
                      row=1, col=k + 1)
        fig.update_xaxes(title="index", row=1, col=k + 1)
    fig.update_yaxes(title="eigenvalue", row=1, col=1)
    return tidy(fig, title, height)


def simplex_label(vertices, tokens) -> str:
    labels = display_tokens(tokens)
    return "{" + ", ".join(f"{v} {labels[v]!r}" for v in vertices) + "}"


def response_figure(view, tokens, title: str | None = None, height: int = 380) -> go.Figure:
    """Horizontal bars: the simplices of K_i with the largest filter response for token i, coloured by dimension."""
    top = list(reversed(view.top))
    fig = go.Figure(go.Bar(
        x=[s.response for s in top], y=[f"{DIM_NAMES[s.dim]} {simplex_label(s.vertices, tokens)}" for s in top],
        orientation="h", marker={"color": [DIM_COLOURS[s.dim] for s in top]},
        hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_xaxes(title="response ‖term‖")
    return tidy(fig, title or f"L{view.layer}: largest filter responses for token {view.i}", height)


def prefix_figure(view, tokens, layout: str = "spring", seed: int = 0, three_d: bool = False,
                  height: int = 520) -> go.Figure:
    """K_i, what position i saw, with each edge and triangle coloured by its filter response for token i."""
    p = view.prefix
    cx = {"num_vertices": p["num_vertices"], "edges": p["edges"], "edge_values": p["edge_response"],
          "triangles": p["triangles"], "triangle_values": p["triangle_response"]}
    return complex_figure(cx, list(tokens)[: p["num_vertices"]], layout=layout, seed=seed, three_d=three_d,
                          title=f"L{view.layer}: the prefix complex K_{view.i} (vertices ≤ {view.i})",
                          value_name="response", height=height)


__all__ = ["prefix_figure", "response_figure", "simplex_label", "spectrum_figure"]
