"""Shannon entropy in nats with 0 log 0 = 0: the one implementation every attention, 3-way and barcode statistic
uses (row entropy of a pattern, entropy of a 2-simplicial row over (j, l), persistent entropy of a barcode).
    >>> float(entropy(torch.tensor([0.5, 0.5, 0.0])))   # log 2
"""

from __future__ import annotations

import numpy as np
import torch


def entropy(p: torch.Tensor, dim: int | tuple[int, ...] = -1) -> torch.Tensor:
    """-Σ p log p over `dim` (the last axis by default); zero entries contribute 0, never NaN."""
    plogp = torch.where(p > 0, p * p.clamp_min(torch.finfo(p.dtype).tiny).log(), 0.0)
    return -plogp.sum(dim)


def entropy_np(p, dim: int | tuple[int, ...] = -1) -> np.ndarray:
    """`entropy` of a numpy array (computed in float64)."""
    return entropy(torch.as_tensor(np.asarray(p, dtype=np.float64)), dim).numpy()
