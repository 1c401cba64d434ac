"""Scaling fits: power laws loss ∝ x^slope of the scaling family's sidecars (`python -m hoviz scaling`), per kind.

Ordinary least squares of log(val loss) on log(params) and on log(training FLOPs). The slope's standard error is
sqrt(s² / Σ(log x − mean)²) with s² = SSE / (n − 2): three points leave ONE degree of freedom, so it is a weak
estimate (a 95% interval is ±12.7 standard errors by Student's t with 1 dof), and two points leave none (NaN).
    >>> fit = fit_power_law([1e6, 3e6, 1e7], [2.0, 1.8, 1.6], kind="dense", x_name="params")
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hoviz.errors import ConfigError

X_AXES = ("params", "training_flops")
WEAK_FIT = ("Three points make a weak fit: with three sizes per kind the residual has one degree of freedom, so a "
            "slope's standard error is itself poorly known and a 95% interval is ±12.7 standard errors (Student's t, "
            "1 dof). Read the slopes as a first look, not a measured exponent.")


@dataclass(frozen=True)
class ScalingPoint:
    """One trained member, read from the "scaling" record of its sidecar."""

    name: str
    kind: str
    size: str
    params: int
    tokens: int
    training_flops: float
    val_loss: float
    tokens_per_s: float
    device_name: str
    simplicial_kernel: str = ""  # "triton" or "pytorch": which path ran the 2-simplicial layers


@dataclass(frozen=True)
class PowerLawFit:
    """log(loss) = intercept + slope · log(x), by OLS over `n` points (natural logs)."""

    kind: str
    x_name: str  # "params" or "training_flops"
    n: int
    slope: float
    slope_se: float  # NaN when dof = 0
    intercept: float
    residual_rms: float  # sqrt(SSE / n) of log(loss), the misfit in log units
    dof: int  # n − 2

    def predict(self, x) -> np.ndarray:
        """Fitted loss at x (array-like)."""
        return np.exp(self.intercept + self.slope * np.log(np.asarray(x, dtype=float)))


def fit_power_law(x, loss, *, kind: str = "", x_name: str = "params") -> PowerLawFit:
    """OLS of log(loss) on log(x); needs at least two distinct positive x and positive losses."""
    x, y = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ConfigError(f"x and loss must be 1-D and of one length, got shapes {x.shape} and {y.shape}")
    if len(x) < 2 or (x <= 0).any() or (y <= 0).any() or not np.isfinite(x).all() or not np.isfinite(y).all():
        raise ConfigError(f"a power-law fit needs >= 2 points with positive, finite x and loss; got x={x.tolist()}, "
                          f"loss={y.tolist()}")
    lx, ly = np.log(x), np.log(y)
    sxx = float(((lx - lx.mean()) ** 2).sum())
    if sxx == 0.0:
        raise ConfigError(f"all {len(x)} points share one {x_name}; a slope needs at least two distinct values")
    slope = float(((lx - lx.mean()) * (ly - ly.mean())).sum() / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    resid = ly - (intercept + slope * lx)
    sse, dof = float((resid ** 2).sum()), len(x) - 2
    se = math.sqrt(sse / dof / sxx) if dof > 0 else math.nan
    return PowerLawFit(kind, x_name, len(x), slope, se, intercept, math.sqrt(sse / len(x)), dof)


def load_points(folder: str | Path) -> list[ScalingPoint]:
    """Every *.json in `folder` with a "scaling" record, sorted by kind then params; [] if the folder is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    points = []
    for path in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ConfigError(f"{path} is not readable JSON ({e}); delete it or rerun python -m hoviz scaling") from e
        s = meta.get("scaling") if isinstance(meta, dict) else None
        if not isinstance(s, dict):
            continue
        try:
            points.append(ScalingPoint(path.name[:-len(".json")], str(s["kind"]), str(s["size"]), int(s["params"]),
                                       int(s["tokens"]), float(s["training_flops"]), float(s["val_loss"]),
                                       float(s["tokens_per_s"]), str(s.get("device_name", "")),
                                       str(s.get("simplicial_kernel") or "")))
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"{path}'s scaling record lacks or mangles {e}; rerun python -m hoviz scaling") from e
    return sorted(points, key=lambda p: (p.kind, p.params))


def fit_family(points: list[ScalingPoint]) -> list[PowerLawFit]:
    """One fit per (kind, x axis) for every kind with at least two points, kinds in order of appearance."""
    fits = []
    for kind in dict.fromkeys(p.kind for p in points):
        mine = [p for p in points if p.kind == kind]
        if len(mine) < 2:
            continue
        for x_name in X_AXES:
            fits.append(fit_power_law([getattr(p, x_name) for p in mine], [p.val_loss for p in mine], kind=kind,
                                      x_name=x_name))
    return fits
