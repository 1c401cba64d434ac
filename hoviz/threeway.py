"""Views of a 2-simplicial layer's 3-way pattern S[i, j, l], computed on demand from the traced q, k1, k2.

A full pattern is T³ per head (2.1 M values at T = 128), so nothing here builds it unless asked (`full`): slices
for a fixed query i, key j or key l, the pairwise marginals Σ_l S and Σ_j S, and two scores per query, computed block
by block over query rows: the interaction KL(S[i] || softmax(μ + α + β)), how far the logits are from additive in
(j, l) (0 iff the head is its own pairwise surrogate, `hoviz.surrogate`), and the joint spread (mutual information)
KL(S[i] || Σ_l S[i] ⊗ Σ_j S[i]), how far the pattern is from a product (≈ 0 for a head that picks one sharp pair).
Every method works on one head, q of shape (T, D), or on all heads at once, q of shape (H, T, D).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from hoviz.entropy import entropy
from hoviz.errors import AttentionInputError
from hoviz.mixers.simplicial import allowed_triples, simplicial_mask
from hoviz.surrogate import pairwise_logits, rectangle_masks

ROWS_PER_BLOCK = 32
SCORE_BUDGET_BYTES = 64 * 2**20  # working set of one block of `pattern_scores`


@dataclass
class SimplicialHead:
    q: torch.Tensor  # (..., T, D): one head (T, D) or a layer's heads (H, T, D)
    k1: torch.Tensor  # (..., T, D)
    k2: torch.Tensor  # (..., T, D), after the fallback bias, exactly as the kernel saw it
    w1: int | None = None
    w2: int | None = None
    mask: str = "causal"
    _lse: torch.Tensor | None = field(default=None, repr=False)

    @property
    def T(self) -> int:
        return self.q.shape[-2]

    @property
    def dtype(self) -> torch.dtype:
        """float64 inputs stay float64 (exact checks); anything else is viewed in float32."""
        return torch.float64 if self.q.dtype == torch.float64 else torch.float32

    def _allowed(self, i0: int, i1: int) -> torch.Tensor:
        """Which (j, l) the query rows [i0, i1) may read, (i1-i0, T, T) bool: never the whole (T, T, T) mask."""
        return simplicial_mask(self.T, self.w1, self.w2, self.mask, self.q.device, rows=(i0, i1))

    def _raw_logits(self, i0: int, i1: int, nj: int | None = None, nl: int | None = None) -> torch.Tensor:
        """Unmasked logits for query rows [i0, i1) against keys j < nj, l < nl: (..., i1-i0, nj, nl)."""
        nj, nl = nj or self.T, nl or self.T
        q, k1, k2 = (t.to(self.dtype) for t in (self.q[..., i0:i1, :], self.k1[..., :nj, :], self.k2[..., :nl, :]))
        qk1 = q[..., :, None, :] * k1[..., None, :, :]  # (..., bq, nj, D): the kernel's q ⊙ k1, then @ k2ᵀ
        logits = (qk1.flatten(-3, -2) @ k2.transpose(-1, -2)).unflatten(-2, qk1.shape[-3:-1])  # (..., bq, nj, nl)
        return logits / math.sqrt(self.q.shape[-1])

    def _logits(self, i0: int, i1: int) -> torch.Tensor:
        """Masked logits for query rows [i0, i1): (..., i1-i0, T, T), -inf where the mask forbids."""
        return self._raw_logits(i0, i1).masked_fill(~self._allowed(i0, i1), float("-inf"))

    def _blocks(self):
        """Yield (i0, i1, raw logits, probs, lse) per block of query rows; remembers the lse for later slices.

        Rows [i0, i1) can only read keys j < i1 (and l < i1 under the causal mask), so raw logits and probs are
        (..., bq, nj, nl) with nj = i1 and nl = i1 (T for the leaky mask): consumers pad to T where they need to.
        """
        lses = []
        for i0 in range(0, self.T, ROWS_PER_BLOCK):
            i1 = min(self.T, i0 + ROWS_PER_BLOCK)
            nj, nl = i1, (i1 if self.mask == "causal" else self.T)
            raw = self._raw_logits(i0, i1, nj, nl)
            logits = raw.masked_fill(~self._allowed(i0, i1)[..., :nj, :nl], float("-inf"))
            lse = logits.flatten(-2).logsumexp(-1)  # (..., bq)
            lses.append(lse)
            yield i0, i1, raw, torch.exp(logits - lse[..., None, None]), lse
        self._lse = torch.cat(lses, dim=-1)

    def _padded(self, x: torch.Tensor, *, rows: bool = False) -> torch.Tensor:
        """Zero-pad a block's last axis (and, with rows, the one before it) out to T."""
        pad = (0, self.T - x.shape[-1]) + ((0, self.T - x.shape[-2]) if rows else ())
        return torch.nn.functional.pad(x, pad)

    def lse(self) -> torch.Tensor:
        """Per-query log-normaliser of the joint softmax, (..., T)."""
        if self._lse is None:
            for _ in self._blocks():
                pass
        return self._lse

    def query_slice(self, i: int) -> torch.Tensor:
        """S[i, :, :] over (j, l), (..., T, T); sums to 1."""
        logits = self._logits(i, i + 1)[..., 0, :, :]
        return logits.flatten(-2).softmax(-1).view_as(logits)

    def key_slice(self, axis: str, index: int) -> torch.Tensor:
        """S[:, j, :] (axis "j", over (i, l)) or S[:, :, l] (axis "l", over (i, j)), (..., T, T)."""
        if axis not in ("j", "l"):
            raise ValueError(f"axis must be 'j' or 'l', got {axis!r}")
        q, k1, k2 = (t.to(self.dtype) for t in (self.q, self.k1, self.k2))
        fixed, free = (k1, k2) if axis == "j" else (k2, k1)
        logits = (q * fixed[..., index:index + 1, :]) @ free.transpose(-1, -2) / math.sqrt(self.q.shape[-1])
        allowed = self.key_mask(axis, index)  # (T, T) over (i, free key)
        return torch.exp(logits - self.lse()[..., :, None]).masked_fill(~allowed, 0.0)

    def key_mask(self, axis: str, index: int) -> torch.Tensor:
        """Which (i, l) may read j = index (axis "j"), or which (i, j) may read l = index (axis "l"), (T, T) bool."""
        free = torch.arange(self.T, device=self.q.device)
        i, fixed = free[:, None], torch.tensor(index, device=self.q.device)
        if axis == "j":
            return allowed_triples(i, fixed, free[None, :], self.w1, self.w2, self.mask)  # (T, T)
        return allowed_triples(i, free[None, :], fixed, self.w1, self.w2, self.mask)  # (T, T)

    def mask_slice(self, i: int) -> torch.Tensor:
        """Which (j, l) query i may read, (T, T) bool; a leaky head shows l > i here."""
        return self._allowed(i, i + 1)[0]

    def marginals(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ_l S[i, j, l], Σ_j S[i, j, l]): two (..., T, T) pairwise patterns whose rows sum to 1."""
        mj, ml = [], []
        for _, _, _, p, _ in self._blocks():
            mj.append(self._padded(p.sum(-1)))  # (..., bq, T)
            ml.append(self._padded(p.sum(-2)))
        return torch.cat(mj, dim=-2), torch.cat(ml, dim=-2)

    def joint_spread(self) -> torch.Tensor:
        """Joint spread (mutual information of j and l under S[i]) per query, (..., T), in nats.

        KL(S[i] || marginal_j[i] ⊗ marginal_l[i]): 0 iff the joint factorises, bounded by ln(i + 1), and ≈ 0 for a
        head that sharply picks one pair (a delta is a product); `interaction_kl` measures what needs both keys.
        Uses KL = H(marginal_j) + H(marginal_l) − H(S[i]) with H(S[i]) = lse_i − Σ S·logits, so the T³ work is
        two sums and a product, no logarithm per pair.
        """
        out = []
        for _, _, raw, p, lse in self._blocks():
            joint_h = lse - (p * raw).sum((-2, -1))  # (..., bq): p is exactly 0 where the mask forbids
            out.append(entropy(p.sum(-1)) + entropy(p.sum(-2)) - joint_h)
        return torch.cat(out, dim=-1).clamp_min(0.0)

    def interaction_kl(self) -> torch.Tensor:
        """KL(S[i] || pairwise surrogate) per query, (..., T), in nats (see `interaction_kl`)."""
        return interaction_kl(self.q, self.k1, self.k2, w1=self.w1, w2=self.w2, mask=self.mask)

    def top_triples(self, i: int, k: int = 5) -> list[tuple[int, int, float]]:
        """The k largest (j, l, S[i, j, l]) for query i of one head."""
        s = self.query_slice(i)
        vals, flat = s.flatten().topk(min(k, s.numel()))
        return [(int(f) // self.T, int(f) % self.T, float(v)) for v, f in zip(vals, flat) if v > 0]

    def full(self) -> torch.Tensor:
        """The whole (..., T, T, T) pattern: only for small T."""
        return torch.cat([self._padded(p, rows=True) for _, _, _, p, _ in self._blocks()], dim=-3)


@dataclass
class PatternScores:
    """Two per-query scores of a 2-simplicial pattern, (..., T) each, in nats."""

    interaction: torch.Tensor  # KL(S[i] || softmax(μ + α + β)): 0 iff the logits are additive in (j, l)
    joint_spread: torch.Tensor  # KL(S[i] || Σ_l S[i] ⊗ Σ_j S[i]), the mutual information of j and l


def _check_qk(q, k1, k2) -> None:
    for name, t in (("q", q), ("k1", k1), ("k2", k2)):
        if not isinstance(t, torch.Tensor) or t.dim() < 2 or not t.is_floating_point() or t.numel() == 0:
            raise AttentionInputError(f"{name} must be a non-empty floating tensor of shape (..., T, D), got "
                                      f"{getattr(t, 'shape', type(t).__name__)}")
        if t.shape != q.shape:
            raise AttentionInputError(f"{name} has shape {tuple(t.shape)} but q has {tuple(q.shape)}: all three must match")


def pattern_scores(q, k1, k2, *, w1=None, w2=None, mask: str = "causal") -> PatternScores:
    """Interaction and joint spread of every query, in one blockwise pass over query rows (no (T, T, T) tensor).

    With a_j, b_l the surrogate's pairwise logits (`hoviz.surrogate.pairwise_logits`), m_j, m_l the marginals of S[i]
    and lse the log-normalisers: KL(S || S̃) = E_S[A] − lse_S − (Σ m_j a_j − lse_a) − (Σ m_l b_l − lse_b).
    q, k1, k2: (..., T, D), k2 exactly as the kernel saw it; float64 stays float64, the rest runs in float32.
    """
    _check_qk(q, k1, k2)
    if mask not in ("causal", "leaky"):
        raise AttentionInputError(f"mask must be 'causal' or 'leaky', got {mask!r}")
    dtype = torch.float64 if q.dtype == torch.float64 else torch.float32
    q, k1, k2 = (t.to(dtype) for t in (q, k1, k2))
    T, D = q.shape[-2:]
    rows, cols = rectangle_masks(T, w1, w2, mask, q.device)
    a, b = pairwise_logits(q, k1, k2, w1, w2, mask)  # (..., T, T) each, unmasked
    lse_a = a.masked_fill(~rows, float("-inf")).logsumexp(-1)  # (..., T)
    lse_b = b.masked_fill(~cols, float("-inf")).logsumexp(-1)
    lead = q.numel() // (T * D)
    bq = max(1, SCORE_BUDGET_BYTES // (lead * T * (4 * T + D) * q.element_size()))
    inter, spread = [], []
    for i0 in range(0, T, bq):
        i1 = min(T, i0 + bq)
        qk1 = q[..., i0:i1, None, :] * k1[..., None, :, :]  # (..., bq, T, D)
        raw = (qk1.flatten(-3, -2) @ k2.transpose(-1, -2)).unflatten(-2, qk1.shape[-3:-1]) / math.sqrt(D)
        allowed = rows[i0:i1, :, None] & cols[i0:i1, None, :]  # (bq, T, T)
        logits = raw.masked_fill(~allowed, float("-inf"))  # (..., bq, T, T)
        lse = logits.flatten(-2).logsumexp(-1)  # (..., bq)
        p = torch.exp(logits - lse[..., None, None])
        mean_a = (p * raw).sum((-2, -1))  # E_S[A], (..., bq); p is exactly 0 where the mask forbids
        mj, ml = p.sum(-1), p.sum(-2)  # (..., bq, T) each
        fit_j = (mj * a[..., i0:i1, :]).sum(-1) - lse_a[..., i0:i1]  # Σ m_j log p_j
        fit_l = (ml * b[..., i0:i1, :]).sum(-1) - lse_b[..., i0:i1]
        inter.append(mean_a - lse - fit_j - fit_l)
        spread.append(entropy(mj) + entropy(ml) - (lse - mean_a))
    return PatternScores(torch.cat(inter, -1).clamp_min(0.0), torch.cat(spread, -1).clamp_min(0.0))


def interaction_kl(q, k1, k2, *, w1=None, w2=None, mask: str = "causal") -> torch.Tensor:
    """KL(S[i] || softmax(μ + α + β)) per query in nats, (B, H, T) for (B, H, T, D) inputs (any (..., T, D) works).

    The pattern's distance from its pairwise surrogate: A = μ + α + β + γ is the two-way decomposition of the
    trilinear logits on the allowed rectangle, so this is 0 for additive logits (a head that needs no pair of keys
    together) and large for a head that selects pairs by a joint rule. Blockwise, no (T, T, T) tensor.
    One limit to know: if every non-selected pair has the same logit, the row and column means alone point at the
    selected cell, so a head made ever sharper on one pair scores high and then falls back towards 0; logits that
    vary off the selected pair (as a trained head's do) keep it high.

    >>> x = torch.randn(1, 1, 5, 4, dtype=torch.float64)
    >>> float(interaction_kl(x, x, torch.ones_like(x)).abs().max()) < 1e-9  # k2 constant: additive logits
    True
    """
    return pattern_scores(q, k1, k2, w1=w1, w2=w2, mask=mask).interaction
