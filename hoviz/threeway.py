"""Views of one 2-simplicial head's 3-way pattern S[i, j, l], computed on demand from the traced q, k1, k2.

A full pattern is T³ per head (2.1 M values at T = 128), so nothing here builds it unless asked (`full`): slices
for a fixed query i, key j or key l, the pairwise marginals Σ_l S and Σ_j S, and the "3-wayness" of each query,
KL(S[i] || Σ_l S[i] ⊗ Σ_j S[i]), are all computed block by block over query rows (RESEARCH.md §2, ANCHORS.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hoviz.mixers.simplicial import simplicial_mask

ROWS_PER_BLOCK = 32


@dataclass
class SimplicialHead:
    q: torch.Tensor  # (T, D)
    k1: torch.Tensor  # (T, D)
    k2: torch.Tensor  # (T, D), after the fallback bias, exactly as the kernel saw it
    w1: int | None = None
    w2: int | None = None
    mask: str = "causal"

    @property
    def T(self) -> int:
        return self.q.shape[0]

    @property
    def dtype(self) -> torch.dtype:
        """float64 inputs stay float64 (exact checks); anything else is viewed in float32."""
        return torch.float64 if self.q.dtype == torch.float64 else torch.float32

    def _logits(self, i0: int, i1: int) -> torch.Tensor:
        """Masked logits for query rows [i0, i1): (i1-i0, T, T)."""
        q, k1, k2 = (t.to(self.dtype) for t in (self.q[i0:i1], self.k1, self.k2))
        qk1 = q[:, None, :] * k1[None, :, :]  # (bq, T, D): the kernel's q ⊙ k1, then one matmul with k2ᵀ
        logits = (qk1 @ k2.T) / math.sqrt(self.q.shape[1])  # (bq, T, T)
        allowed = simplicial_mask(self.T, self.w1, self.w2, self.mask, self.q.device)[i0:i1]
        return logits.masked_fill(~allowed, float("-inf"))

    def _blocks(self):
        for i0 in range(0, self.T, ROWS_PER_BLOCK):
            i1 = min(self.T, i0 + ROWS_PER_BLOCK)
            logits = self._logits(i0, i1)
            yield i0, i1, logits.flatten(1).softmax(-1).view_as(logits)  # (bq, T, T)

    def lse(self) -> torch.Tensor:
        """Per-query log-normaliser of the joint softmax, (T,)."""
        return torch.cat([self._logits(i0, min(self.T, i0 + ROWS_PER_BLOCK)).flatten(1).logsumexp(-1)
                          for i0 in range(0, self.T, ROWS_PER_BLOCK)])

    def query_slice(self, i: int) -> torch.Tensor:
        """S[i, :, :] over (j, l), (T, T); sums to 1."""
        logits = self._logits(i, i + 1)[0]
        return logits.flatten().softmax(-1).view_as(logits)

    def key_slice(self, axis: str, index: int) -> torch.Tensor:
        """S[:, j, :] (axis "j", over (i, l)) or S[:, :, l] (axis "l", over (i, j)), (T, T)."""
        lse = self.lse()
        q, k1, k2 = (t.to(self.dtype) for t in (self.q, self.k1, self.k2))
        scale = 1.0 / math.sqrt(self.q.shape[1])
        allowed = simplicial_mask(self.T, self.w1, self.w2, self.mask, self.q.device)
        if axis == "j":
            logits = (q * k1[index]) @ k2.T * scale  # (T, T) over (i, l)
            allowed = allowed[:, index, :]
        elif axis == "l":
            logits = (q * k2[index]) @ k1.T * scale  # (T, T) over (i, j)
            allowed = allowed[:, :, index]
        else:
            raise ValueError(f"axis must be 'j' or 'l', got {axis!r}")
        return torch.exp(logits - lse[:, None]).masked_fill(~allowed, 0.0)

    def mask_slice(self, i: int) -> torch.Tensor:
        """Which (j, l) query i may read, (T, T) bool; a leaky head shows l > i here."""
        return simplicial_mask(self.T, self.w1, self.w2, self.mask, self.q.device)[i]

    def marginals(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ_l S[i, j, l], Σ_j S[i, j, l]): two (T, T) pairwise patterns whose rows sum to 1."""
        mj, ml = [], []
        for _, _, p in self._blocks():
            mj.append(p.sum(2))
            ml.append(p.sum(1))
        return torch.cat(mj), torch.cat(ml)

    def threeway_score(self) -> torch.Tensor:
        """KL(S[i] || marginal_j[i] ⊗ marginal_l[i]) per query, (T,), in nats: 0 iff the joint factorises."""
        out = []
        for _, _, p in self._blocks():
            prod = p.sum(2)[:, :, None] * p.sum(1)[:, None, :]  # (bq, T, T)
            tiny = torch.finfo(p.dtype).tiny
            term = torch.where(p > 0, p * (p.clamp_min(tiny).log() - prod.clamp_min(tiny).log()), 0.0)
            out.append(term.flatten(1).sum(-1).clamp_min(0.0))
        return torch.cat(out)

    def top_triples(self, i: int, k: int = 5) -> list[tuple[int, int, float]]:
        """The k largest (j, l, S[i, j, l]) for query i."""
        s = self.query_slice(i)
        vals, flat = s.flatten().topk(min(k, s.numel()))
        return [(int(f) // self.T, int(f) % self.T, float(v)) for v, f in zip(vals, flat) if v > 0]

    def full(self) -> torch.Tensor:
        """The whole (T, T, T) pattern: only for small T."""
        return torch.cat([p for _, _, p in self._blocks()])
