"""Barcode statistics, the attention-map features of Kushnareva et al. (EMNLP 2021, code danchern97/tda4atd).

Per homology dimension: number of bars, sum / mean / std / max of the finite bar lengths, and persistence entropy
-Σ p log p with p = length / total length. The one infinite H0 bar (the whole complex) has no length and is only
counted. `persistence_summary` returns an attention map's diagrams together with these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hoviz.entropy import entropy_np
from hoviz.errors import TopologyError
from hoviz.topology.persistence import persistence_of_attention


@dataclass(frozen=True)
class BarcodeStats:
    """Summary numbers of one dimension's bars (lengths = death - birth of the finite bars)."""

    count: int
    infinite: int
    total: float
    mean: float
    std: float
    longest: float
    entropy: float


@dataclass(frozen=True)
class PersistenceSummary:
    """Diagrams {dim: (n, 2)} and their statistics {dim: BarcodeStats}."""

    diagrams: dict
    stats: dict


def barcode_statistics(diagrams: dict) -> dict[int, BarcodeStats]:
    """Statistics of each dimension's bars.

    Examples
    --------
    >>> s = barcode_statistics({0: np.array([[0.0, 0.5], [0.0, 0.5], [0.0, np.inf]])})[0]
    >>> s.count, s.infinite, s.total, round(s.entropy, 4)
    (3, 1, 1.0, 0.6931)
    """
    out = {}
    for dim, d in diagrams.items():
        d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
        if np.isnan(d).any():
            raise TopologyError(f"the H{dim} diagram has NaN entries")
        finite = np.isfinite(d[:, 1])
        length = d[finite, 1] - d[finite, 0]
        total = float(length.sum())
        p = length[length > 0] / total if total > 0 else np.zeros(0)
        out[dim] = BarcodeStats(count=len(d), infinite=int((~finite).sum()), total=total,
                                mean=float(length.mean()) if len(length) else 0.0,
                                std=float(length.std()) if len(length) else 0.0,
                                longest=float(length.max()) if len(length) else 0.0,
                                entropy=float(entropy_np(p)))
    return out


def persistence_summary(A, max_dim: int = 1) -> PersistenceSummary:
    """An attention map's persistence diagrams (`persistence_of_attention`) with their barcode statistics.

    Examples
    --------
    >>> s = persistence_summary(np.eye(3))
    >>> s.diagrams[0].shape, s.stats[0].total
    ((3, 2), 2.0)
    """
    diagrams = persistence_of_attention(A, max_dim)
    return PersistenceSummary(diagrams, barcode_statistics(diagrams))


__all__ = ["BarcodeStats", "PersistenceSummary", "barcode_statistics", "persistence_summary"]
