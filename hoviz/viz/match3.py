"""Match3 results beside the pairwise-only oracle: what each model scores, what the best pairwise rule scores on the
same sequences, per model and per position (Sanford, Hsu & Telgarsky 2023; the oracle is hoviz.baselines).

Streamlit-free: records read from sidecars, a scorer that runs a model, and plotly figures.
    >>> rows = match3_rows({"match3-simplicial2": meta})  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from hoviz.baselines import oracle_score
from hoviz.errors import HovizError
from hoviz.tasks import TaskSpec, balanced_accuracy_per_position, predict_labels
from hoviz.viz import PALETTE
from hoviz.viz.complex import tidy


@dataclass(frozen=True)
class Match3Row:
    """One Match3 checkpoint's sidecar numbers: its score and the oracle's on the same samples."""

    name: str
    mixers: tuple[str, ...]
    task: TaskSpec
    balanced_accuracy: float
    oracle: float | None  # None: the sidecar predates the oracle (recompute with hoviz.baselines.oracle_score)
    samples: int | None


def match3_rows(metas: dict[str, dict]) -> list[Match3Row]:
    """Rows for every sidecar (name -> meta) of a Match3 task (strict or with repeats); others are skipped."""
    rows = []
    for name, meta in metas.items():
        task = (meta or {}).get("task") or {}
        if not str(task.get("name", "")).startswith("match3"):
            continue
        try:
            spec = TaskSpec.from_dict(task)
        except HovizError:
            continue
        oracle = (meta.get("baselines") or {}).get("pairwise_oracle") or {}
        cfg = (meta.get("config") or {})
        rows.append(Match3Row(name, tuple(cfg.get("mixers", ())), spec,
                              float((meta.get("metrics") or {}).get("balanced_accuracy", float("nan"))),
                              oracle.get("balanced_accuracy"), oracle.get("samples")))
    return rows


@torch.no_grad()
def per_position_scores(model, spec: TaskSpec, samples: int = 4096, seed: int = 1234) -> np.ndarray:
    """(N,) balanced accuracy of ``model`` at each position on ``samples`` sequences from ``seed`` (NaN where the
    position is not scored)."""
    x, y = spec.sample(samples, torch.Generator().manual_seed(seed))  # (S, N)
    device = next(model.parameters()).device
    was = model.training
    model.eval()
    try:
        pred = torch.cat([predict_labels(model(xb.to(device)), spec).cpu() for xb in x.split(256)])  # (S, N)
    finally:
        model.train(was)
    per = balanced_accuracy_per_position(pred, y)
    per[~spec.scored().numpy()] = np.nan
    return per


def oracle_per_position(spec: TaskSpec, samples: int = 4096, seed: int = 1234) -> np.ndarray:
    """(N,) the pairwise-only oracle's balanced accuracy at each position (NaN where not scored)."""
    per = oracle_score(spec, samples, seed).per_position.copy()
    per[~spec.scored().numpy()] = np.nan
    return per


def match3_scores_figure(rows: list[Match3Row], height: int = 380) -> go.Figure:
    """Each model's balanced accuracy as a bar, the pairwise-only oracle and chance (0.5) as lines across."""
    names = [r.name for r in rows]
    fig = go.Figure(go.Bar(x=names, y=[r.balanced_accuracy for r in rows], text=[f"{r.balanced_accuracy:.3f}"
                                                                                  for r in rows],
                           textposition="outside", marker={"color": list(PALETTE[: len(rows)]) or None},
                           hovertemplate="%{x}: %{y:.4f}<extra></extra>", name="model"))
    oracles = {r.oracle for r in rows if r.oracle is not None}
    for value in sorted(oracles):
        fig.add_hline(y=value, line={"dash": "dash", "color": "#d62728"},
                      annotation_text=f"pairwise-only oracle {value:.3f}", annotation_position="top left")
    fig.add_hline(y=0.5, line={"dash": "dot", "color": "#777"}, annotation_text="chance 0.5",
                  annotation_position="bottom left")
    rule = rows[0].task.rule if rows else ""
    tidy(fig, f"Match3 balanced accuracy on scored positions, beside the best pairwise rule<br><sup>{rule}</sup>",
         height)
    fig.update_yaxes(range=[0.4, 1.05], title="balanced accuracy")
    fig.update_layout(showlegend=False, margin={"t": 90})
    return fig


def match3_per_position_figure(per_model: dict[str, np.ndarray], oracle: np.ndarray, height: int = 360
                               ) -> go.Figure:
    """Balanced accuracy at each position: one line per model, the oracle dashed (unscored positions left out)."""
    fig = go.Figure()
    for k, (name, per) in enumerate(per_model.items()):
        per = np.asarray(per, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.arange(len(per)), y=per, mode="lines+markers", name=name,
                                 line={"color": PALETTE[k % len(PALETTE)]}))
    oracle = np.asarray(oracle, dtype=np.float64)
    fig.add_trace(go.Scatter(x=np.arange(len(oracle)), y=oracle, mode="lines+markers", name="pairwise-only oracle",
                             line={"dash": "dash", "color": "#d62728"}))
    tidy(fig, "Balanced accuracy by position i (positions with no j < l < i are not scored)", height)
    fig.update_xaxes(title="position i", dtick=1)
    fig.update_yaxes(title="balanced accuracy", range=[0.4, 1.02])
    return fig
