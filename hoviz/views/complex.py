"""The simplicial-complex page's computations: the (T, T) distance matrix a view lifts (one head's attention
distance D = 1 - max(A, Aᵀ), Kushnareva et al. 2021, or the residual stream's point distances), its persistence
(H0, H1) and Betti curves over a grid of radii, the lift at one radius, and the complex a simplicial-conv layer
built for the prompt.

    D = distances(tr, layer, 0, "attention"); p = persistence(D, cap=8); cx, betti = lifted(D, 0.5, cap=8)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hoviz.topology import (
    attention_distance,
    betti_curves,
    betti_numbers,
    complex_from_trace,
    lift,
    lift_filtration,
    point_distance,
)
from hoviz.topology.flag import flag_persistence
from hoviz.trace import Trace
from hoviz.views.attention import pairwise

RADII = np.round(np.linspace(0.0, 1.0, 101), 4)  # the Betti curves' grid


def distances(tr: Trace, layer: int, head: int, source: str, metric: str = "cosine") -> np.ndarray:
    """The (T, T) distance matrix in [0, 1] that is lifted: `source` "attention" (one head's pairwise view) or
    "residual" (the vectors entering `layer`; `metric` "cosine" as (1 - cos) / 2, or Euclidean / largest)."""
    if source == "attention":
        A = pairwise(tr, layer)[head]  # (T, T)
        return attention_distance(np.clip(A.astype(np.float64), 0.0, 1.0))
    X = tr.resid(layer)[0]  # (T, C)
    if metric == "cosine":
        return np.clip(point_distance(X, "cosine") / 2.0, 0.0, 1.0)
    D = point_distance(X, "euclidean")
    return D / D.max() if D.max() > 0 else D


@dataclass(frozen=True)
class Persistence:
    """Persistence of the capped lift's filtration: diagrams {0: (n, 2), 1: (m, 2)} and Betti curves over RADII."""

    diagrams: dict
    curves: np.ndarray  # (len(RADII), 3): β0, β1, β2 at each radius


def persistence(D: np.ndarray, cap: int = 0) -> Persistence:
    """Diagrams (H0, H1) ending at 1 and Betti curves of the lift of D, each token capped to `cap` neighbours."""
    F = lift_filtration(D, cap or None)
    return Persistence(flag_persistence(F, max_dim=1, end=1.0),
                       betti_curves(D, RADII, max_dim=2, max_per_vertex=cap or None))


def lifted(D: np.ndarray, radius: float, cap: int = 0) -> tuple[dict, list[int]]:
    """The Vietoris–Rips lift of D at `radius` (display-form complex) and its Betti numbers."""
    cx = lift(D, radius, max_dim=2, max_per_vertex=cap or None)
    return cx, betti_numbers(cx)


def mixer_complex(tr: Trace, layer: int) -> tuple[dict, list[int]]:
    """The complex a simplicial-conv layer built for this prompt (display form, weights) and its Betti numbers."""
    cx = complex_from_trace(tr.complex(layer))
    return cx, betti_numbers(cx)
