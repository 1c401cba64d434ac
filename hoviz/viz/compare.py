"""Plotly figures that compare the model zoo: training curves, and the memory–expressivity chart.

Validation loss against parameters, forward FLOPs per token and peak memory, and peak memory against context length
beside the theory (dense H·T², 2-simplicial H·T³ or H·T·w1·w2, simplicial T·(1 + m1 + m2) simplices).
FLOPs are analytic (`hoviz.flops`); memory is measured (`hoviz.memory` live, or `python -m hoviz bench` JSON files).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hoviz.viz import PALETTE
from hoviz.viz.complex import tidy


def sub_lines(text: str, width: int = 110) -> str:
    """A subtitle broken into lines of at most `width` characters (plotly does not wrap titles)."""
    return "<br>".join(textwrap.wrap(text, width))

KIND_COLOURS = {"dense": PALETTE[0], "simplicial2": PALETTE[3], "gated_triangle": PALETTE[2], "scn": PALETTE[5],
                "mixed": PALETTE[4]}
CURVE_KEYS = ("step", "train_loss", "val_loss", "balanced_accuracy", "tokens", "wall_time")
CURVE_ALIASES = {"tokens": ("tokens", "tokens_seen"), "wall_time": ("wall_time", "wall_time_s")}  # hoviz.training.train's names


def model_kind(mixers) -> str:
    """One word for a model's mixers: ``dense`` when all layers are dense, else its non-dense kind(s)."""
    other = sorted({m for m in mixers if m != "dense"})
    return "dense" if not other else other[0] if len(other) == 1 else "mixed"


def normalise_curve(curve) -> dict[str, np.ndarray]:
    """A sidecar ``curve`` as float arrays keyed by CURVE_KEYS (NaN where absent).

    Accepts a list of dicts (``{step, train_loss, val_loss, ...}``; ``tokens_seen`` and ``wall_time_s``, as
    `hoviz.training.train` writes them, count as ``tokens`` and ``wall_time``) or of ``[step, train_loss(, val_loss)]`` rows.

    >>> normalise_curve([[0, 4.2], [10, 4.1]])["train_loss"].tolist()
    [4.2, 4.1]
    """
    rows = []
    for r in curve or []:
        if isinstance(r, dict):
            rows.append([next((r[a] for a in CURVE_ALIASES.get(k, (k,)) if _num(r.get(a))), None) for k in CURVE_KEYS])
        elif isinstance(r, (list, tuple)) and len(r) >= 2:
            rows.append([r[0], r[1], r[2] if len(r) > 2 else None, None, None, None])
    arr = np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=np.float64)
    arr = arr.reshape(-1, len(CURVE_KEYS))
    return {k: arr[:, i] for i, k in enumerate(CURVE_KEYS)}


def training_curves_figure(curves: dict, x: str = "step", metric: str = "loss", kinds: dict | None = None,
                           title: str | None = None, height: int = 420) -> go.Figure:
    """All models' training curves on one chart.

    Parameters
    ----------
    curves : dict
        model name -> sidecar ``curve``.
    x : str
        ``"step"``, ``"tokens"`` or ``"wall_time"``.
    metric : str
        ``"loss"`` (train dashed, validation solid) or ``"balanced_accuracy"``.
    kinds : dict, optional
        model name -> kind, shown in the legend.
    """
    fig = go.Figure()
    palette = PALETTE
    for n, (name, curve) in enumerate(sorted(curves.items())):
        c = normalise_curve(curve)
        colour = palette[n % len(palette)]
        label = f"{name} · {kinds[name]}" if kinds and name in kinds else name
        xs = c[x] if np.isfinite(c[x]).any() else c["step"]
        series = [("val_loss", "solid", "val"), ("train_loss", "dash", "train")] if metric == "loss" else \
            [(metric, "solid", "")]
        for key, dash, tag in series:
            ok = np.isfinite(c[key]) & np.isfinite(xs)
            if ok.any():
                fig.add_trace(go.Scatter(x=xs[ok].astype(np.float32), y=c[key][ok].astype(np.float32),
                                         mode="lines+markers" if ok.sum() < 30 else "lines",
                                         name=f"{label} {tag}".strip(), legendgroup=name,
                                         line={"color": colour, "dash": dash, "width": 2}))
    label = {"step": "step", "tokens": "tokens seen", "wall_time": "wall time (s)"}.get(x, x)
    tidy(fig, title or ("Training curves (solid: validation, dashed: train)" if metric == "loss"
                        else f"Training curves: {metric.replace('_', ' ')}"), height)
    fig.update_xaxes(title=label)
    fig.update_yaxes(title="loss (nats/token)" if metric == "loss" else metric.replace("_", " "))
    return fig


def theory_bytes(config, T, bytes_per_value: int = 4) -> np.ndarray:
    """The term that grows with T in each mixer's memory, summed over layers, at batch 1 (bytes, per T).

    dense: the (H, T, T) pattern; simplicial2: the (H, T, T, T) logits, or H·T·w1·w2 when windowed; gated_triangle:
    C features on each of its T·(1 + m1 + m2) simplices (vertices, capped edges and triangles); scn: its readout
    rows, K·T² (vertices) + K·(T·m1)² (L1,down) + (K + 1)·T²·m1·m2 (triangles).
    """
    T = np.asarray(T, dtype=np.float64)
    C, H = config.n_embd, config.n_head
    total = np.zeros_like(T)
    for kind in config.mixers:
        if kind == "dense":
            total += H * T**2
        elif kind == "simplicial2":
            w1 = np.minimum(T, config.s2_window1) if config.s2_window1 else T
            w2 = np.minimum(T, config.s2_window2) if config.s2_window2 else T
            total += H * T * w1 * w2
        elif kind == "gated_triangle":
            total += C * T * (1 + config.scn_max_edges + config.scn_max_triangles)
        elif kind == "scn":
            K, m1, m2 = config.scn_order, config.scn_max_edges, config.scn_max_triangles
            total += K * T**2 + K * (T * m1) ** 2 + (K + 1) * T**2 * m1 * m2
    return total * bytes_per_value


def memory_expressivity_figure(models: list[dict], metric: str = "val_loss", T: int | None = None,
                               title: str | None = None, method: str | None = None, height: int = 440) -> go.Figure:
    """Three panels: ``metric`` against parameters, FLOPs per token, and measured peak memory.

    Parameters
    ----------
    models : list of dict
        Each ``{"name", "kind", "params", "flops_per_token", "peak_bytes" (or None), metric: value}``; an
        ``"exhibit": True`` model (a deliberate bug, e.g. a leaky mask) is drawn as an x and labelled so.
    metric : str
        Sidecar metric on the y axis (``val_loss`` or ``balanced_accuracy``).
    T : int, optional
        Context length the FLOPs and memory refer to (for the axis titles).
    method : str, optional
        How memory was measured and FLOPs counted: written under the title.
    """
    at = f" at T={T}" if T else ""
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("parameters", f"forward FLOPs / token{at}", f"peak activation memory{at}"))
    shown = set()
    for col, key in enumerate(("params", "flops_per_token", "peak_bytes"), start=1):
        for m in models:
            x, y = m.get(key), m.get(metric)
            if x is None or y is None or not np.isfinite(float(y)):
                continue
            kind = m.get("kind", "dense")
            label = m["name"] + (" (exhibit)" if m.get("exhibit") else "")
            fig.add_trace(go.Scatter(x=[float(x)], y=[float(y)], mode="markers+text", text=[label],
                                     textposition="top center", textfont={"size": 9}, name=kind, legendgroup=kind,
                                     cliponaxis=False,
                                     showlegend=kind not in shown, marker={"size": 11, "color": KIND_COLOURS.get(
                                         kind, "#555"), "symbol": "x" if m.get("exhibit") else "circle"},
                                     hovertemplate=f"{label}: %{{x:.3s}}, %{{y:.4f}}"
                                                                      "<extra></extra>"), row=1, col=col)
            shown.add(kind)
    subtitle = f"<br><sup>{sub_lines(method)}</sup>" if method else ""
    tidy(fig, (title or f"Memory–expressivity: {metric.replace('_', ' ')} against cost") + subtitle, height)
    fig.update_layout(margin={"t": 100 if method else 90})
    fig.update_xaxes(type="log")
    fig.update_xaxes(title="bytes", row=1, col=3)
    fig.update_yaxes(title=metric.replace("_", " "), row=1, col=1)
    return fig


def memory_scaling_figure(measured: list[dict], theory: list[dict] | None = None, title: str | None = None,
                          method: str | None = None, height: int = 460) -> go.Figure:
    """Measured peak memory against context length (solid, markers) beside theory curves (dashed), log-log.

    Parameters
    ----------
    measured : list of dict
        ``{"name", "kind", "T", "bytes"}`` rows (from `hoviz.memory` or a bench file); one line per name.
    theory : list of dict, optional
        Rows of the same form (e.g. from :func:`theory_bytes`), drawn dashed in the colour of their kind.
    method : str, optional
        How the memory was measured: written under the title.
    """
    fig = go.Figure()
    colours = {n: PALETTE[k % len(PALETTE)] for k, n in enumerate(dict.fromkeys(
        r["name"] for r in [*measured, *(theory or [])]))}
    for rows, dash, suffix in ((measured, "solid", ""), (theory or [], "dash", " (theory)")):
        names = list(dict.fromkeys(r["name"] for r in rows))
        for name in names:
            pts = sorted((r for r in rows if r["name"] == name and r.get("bytes")), key=lambda r: r["T"])
            if not pts:
                continue
            colour = colours[name]
            fig.add_trace(go.Scatter(x=[r["T"] for r in pts], y=[float(r["bytes"]) for r in pts], name=name + suffix,
                                     mode="lines+markers" if dash == "solid" else "lines", legendgroup=name,
                                     line={"color": colour, "dash": dash, "width": 2 if dash == "solid" else 1.5},
                                     hovertemplate=f"{name}{suffix}: T=%{{x}}, %{{y:.3s}}B<extra></extra>"))
    subtitle = f"<br><sup>{sub_lines(method)}</sup>" if method else ""
    tidy(fig, (title or "Peak memory against context length<br><sup>dashed: theory ∝ T², T³ or T·w1·w2, "
                        "simplices</sup>") + subtitle, height)
    fig.update_layout(margin={"t": 70 + 14 * subtitle.count("<br>")})
    measured_T = sorted({int(r["T"]) for r in measured})  # a log axis ticked at the context lengths measured
    fig.update_xaxes(title="context length T", type="log", tickvals=measured_T or None,
                     ticktext=[str(t) for t in measured_T] or None)
    fig.update_yaxes(title="bytes", type="log")
    return fig


def theory_rows(name: str, config, lengths) -> list[dict]:
    """:func:`theory_bytes` of one model as ``{"name", "kind", "T", "bytes"}`` rows for the scaling figure."""
    kind = model_kind(config.mixers)
    return [{"name": name, "kind": kind, "T": int(T), "bytes": float(b)}
            for T, b in zip(lengths, theory_bytes(config, lengths))]


def load_bench_files(directory: str | Path) -> list[dict]:
    """Every ``bench-*.json`` in ``directory`` as ``{"file", "data"}``, newest name last; unreadable files skipped."""
    out = []
    for p in sorted(Path(directory).glob("bench-*.json")):
        try:
            data = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            out.append({"file": p.name, "data": data})
    return out


def bench_memory_rows(bench: dict, passes=("forward",)) -> list[dict]:
    """Peak-memory rows ``{"name", "kind", "T", "bytes", "group"}`` of a ``python -m hoviz bench`` JSON.

    Kernel sections ``simplicial2`` and ``dense`` give one curve per (section, impl, pass) over T (the bench's
    B, H, D); ``models`` gives each checkpoint's inference peak at its one T and batch B. ``peak_mb`` is MiB.
    Missing sections, skipped rows (``peak_mb`` None) and rows of another shape are left out, never an error.
    """
    rows = []
    if not isinstance(bench, dict):
        return rows
    for section in ("simplicial2", "dense"):
        for r in _rows(bench.get(section)):
            T, mb = r.get("T"), r.get("peak_mb")
            if not _num(T) or not _num(mb) or r.get("pass", "forward") not in passes:
                continue
            shape = f"B={r.get('B', '?')} H={r.get('H', '?')} D={r.get('D', '?')}"
            rows.append({"name": f"kernel {section} {r.get('impl', '')} {r.get('pass', '')} ({shape})",
                         "kind": "simplicial2" if section == "simplicial2" else "dense", "T": int(T),
                         "bytes": float(mb) * 2**20, "group": "kernel", "impl": r.get("impl"),
                         "B": r.get("B"), "H": r.get("H")})
    for r in _rows(bench.get("models")):
        T, mb = r.get("T"), r.get("infer_peak_mb")
        if not _num(T) or not _num(mb):
            continue
        rows.append({"name": str(r.get("model") or r.get("name") or "?"), "kind": model_kind(r.get("mixers") or []),
                     "T": int(T), "bytes": float(mb) * 2**20, "group": "model", "B": r.get("B"),
                     "params": r.get("params"), "flops_per_token": r.get("flops_per_token")})
    return rows


def bench_method(bench: dict) -> str:
    """How a bench file measured memory (its machine.memory_method), or a generic note."""
    machine = bench.get("machine") if isinstance(bench, dict) else None
    method = machine.get("memory_method") if isinstance(machine, dict) else None
    return str(method) if method else "bench file (method not recorded)"


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)


def _rows(obj) -> list[dict]:
    return [r for r in obj if isinstance(r, dict)] if isinstance(obj, list) else []
