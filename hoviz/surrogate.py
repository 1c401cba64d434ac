"""The pairwise surrogate of a 2-simplicial head: its trilinear logits minus their 3-way interaction.

On query i's allowed rectangle J_i × L_i, A[i, j, l] = μ_i + α_ij + β_il + γ_ijl (two-way decomposition by row and
column means). For trilinear logits the row means are q_i·(k1_j ⊙ k̄2_i)/√D with k̄2_i the mean of k2 over L_i (and
the column means likewise with k̄1_i), so μ + α + β are two ordinary pairwise logits, the surrogate's softmax over
the rectangle factorises, and its output is (Σ_j p_j v1_j) ⊙ (Σ_l p_l v2_l): two ordinary attentions, no T³ tensor.
"""

from __future__ import annotations

import math

import torch


def rectangle_masks(T: int, w1=None, w2=None, mask: str = "causal", device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows, cols), each (T, T) bool: allowed[i, j, l] == rows[i, j] & cols[i, l] for `simplicial_mask`'s masks.

    rows[i, j]: j <= i (and i - w1 < j); cols[i, l]: l <= i for "causal", any l for "leaky" (and i - w2 < l).
    """
    i = torch.arange(T, device=device).view(T, 1)
    k = torch.arange(T, device=device).view(1, T)
    rows = k <= i
    cols = k <= i if mask == "causal" else torch.ones(T, T, dtype=torch.bool, device=device)
    if w1 is not None:
        rows = rows & (k > i - w1)
    if w2 is not None:
        cols = cols & (k > i - w2)
    return rows, cols  # (T, T) each


def key_means(k: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Mean of the keys each query may read: (..., T, D) keys, (T, T) bool -> (..., T, D); prefix means if causal."""
    w = allowed.to(k.dtype)
    return (w @ k) / w.sum(-1, keepdim=True)  # every row allows at least the query itself


def pairwise_logits(q, k1, k2, w1=None, w2=None, mask: str = "causal") -> tuple[torch.Tensor, torch.Tensor]:
    """The surrogate's two factors, unmasked: a[i, j] = q_i·(k1_j ⊙ k̄2_i)/√D and b[i, l] = q_i·(k̄1_i ⊙ k2_l)/√D.

    a is the row mean of A[i, j, :] over L_i and b the column mean of A[i, :, l] over J_i, so
    μ + α + β = a[i, j] + b[i, l] − μ_i: an additive function of (j, l) whose softmax is softmax(a) ⊗ softmax(b).
    q, k1, k2: (..., T, D); returns two (..., T, T).
    """
    T, D = q.shape[-2:]
    rows, cols = rectangle_masks(T, w1, w2, mask, q.device)
    scale = 1.0 / math.sqrt(D)
    a = (q * key_means(k2, cols)) @ k1.transpose(-1, -2) * scale  # (..., T, T) over j
    b = (q * key_means(k1, rows)) @ k2.transpose(-1, -2) * scale  # (..., T, T) over l
    return a, b


def surrogate_weights(q, k1, k2, w1=None, w2=None, mask: str = "causal") -> tuple[torch.Tensor, torch.Tensor]:
    """p_j and p_l, (..., T, T) each, rows summing to 1 over J_i and L_i: S̃[i, j, l] = p_j[i, j] · p_l[i, l]."""
    T = q.shape[-2]
    rows, cols = rectangle_masks(T, w1, w2, mask, q.device)
    a, b = pairwise_logits(q, k1, k2, w1, w2, mask)
    return a.masked_fill(~rows, float("-inf")).softmax(-1), b.masked_fill(~cols, float("-inf")).softmax(-1)


def surrogate_attention(q, k1, k2, v1, v2, *, w1=None, w2=None, mask: str = "causal") -> torch.Tensor:
    """Output of the pairwise surrogate, (..., T, D): (Σ_j p_j v1_j) ⊙ (Σ_l p_l v2_l).

    Inputs (..., T, D) as the 2-simplicial kernel sees them (after any fallback bias). Exactly
    Σ_{j,l} softmax(μ + α + β)[i, j, l] v1_j ⊙ v2_l over the allowed rectangle.

    >>> x = torch.ones(1, 3, 2)
    >>> surrogate_attention(x, x, x, x, x).shape
    torch.Size([1, 3, 2])
    """
    pj, pl = surrogate_weights(q, k1, k2, w1, w2, mask)
    return (pj @ v1) * (pl @ v2)  # (..., T, D)
