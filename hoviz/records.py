"""Typed records that pass between the mixers, the trace and the views (in the spirit of x-transformers'
`Intermediates`): a 2-simplicial layer's statistics from its forward pass, and the complex a simplicial-conv
layer built. `Trace.simplicial_stats` and `Trace.complex` return these.

    st = trace.simplicial_stats(1); st.marginal_j.shape   # (B, H, T, T)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class SimplicialStats:
    """What a traced 2-simplicial forward keeps of its (T, T, T) pattern S, without building it."""

    marginal_j: torch.Tensor  # (B, H, T, T): Σ_l S[i, j, l]
    marginal_l: torch.Tensor  # (B, H, T, T): Σ_j S[i, j, l]
    entropy: torch.Tensor  # (B, H, T): H(S[i]) in nats
    lse: torch.Tensor | None = None  # (B, H, T): log Σ_{j,l} exp(logits), when the kernel reports it

    @classmethod
    def of(cls, stats) -> SimplicialStats:
        """The record for a mixer's hook output (already a record, or its dict of tensors)."""
        if isinstance(stats, cls):
            return stats
        return cls(stats["marginal_j"], stats["marginal_l"], stats["entropy"], stats.get("lse"))


@dataclass(frozen=True)
class TracedComplex:
    """The complex a simplicial-conv layer built for one sequence: vertices are its T tokens."""

    num_vertices: int
    edges: np.ndarray  # (E, 2) int64 (j, i), j < i
    edge_weights: np.ndarray  # (E,) float64 in (0, 1]
    triangles: np.ndarray  # (F, 3) int64 (j, k, i), j < k < i
    triangle_weights: np.ndarray  # (F,) float64: the product of the triangle's edge weights

    def as_dict(self) -> dict:
        return asdict(self)
