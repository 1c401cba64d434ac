"""Exact causal 2-simplicial attention in O(T²) memory per query block, forward and backward (docs/theory.md §2.4).

FlashAttention-style evaluation of Roy et al. 2025 (arXiv 2507.02754), following the FBGEMM kernel's design:
per block of query rows, `qk1 = q ⊙ k1` then one batched matmul with k2ᵀ gives the (bq, J, L) logits, and
`(P @ v2) ⊙ v1` summed over j gives the output. Each block reads only the keys its causal window allows, so the
windowed form costs O(T·w1·w2·D). The forward keeps the inputs and the per-row log-sum-exp; the backward recomputes
each block's probabilities. Not run directly: `hoviz.mixers.simplicial.two_simplicial_attention` calls it.
"""

from __future__ import annotations

import functools
import math

import torch
from torch.autograd.function import once_differentiable

# Per device type: the working-set budget of one block (two (B, H, bq, J, L) slabs and a few (B, H, bq, J, D)), and
# the fixed cost of one block's ~25 op launches in (i, j, l) triples of one head's work, measured: ~0.2 ms of Python
# and launches is ~60k triples on 2 CPU cores, ~5M on an H200 (fp32 matmuls).
BLOCK_BUDGET_BYTES = {"cpu": 32 * 2**20, "cuda": 256 * 2**20}
BLOCK_OVERHEAD_PAIRS = {"cpu": 60_000, "cuda": 5_000_000}


def key_range(i0: int, i1: int, w: int | None) -> tuple[int, int]:
    """Keys [lo, hi) that query rows [i0, i1) may read under a causal window w."""
    lo = 0 if w is None else max(0, i0 - w + 1)
    return lo, i1


@functools.lru_cache(maxsize=256)
def default_block_size(T: int, H: int, D: int, *, B: int = 1, w1: int | None = None, w2: int | None = None,
                       itemsize: int = 4, device: str = "cpu", budget_bytes: int | None = None,
                       overhead_pairs: int | None = None) -> int:
    """Query rows per block: the cheapest under a cost model whose largest block fits in `budget_bytes`.

    The cost of a block size bq is the triples the blocks compute (causal waste included) plus a fixed cost per
    block (`overhead_pairs`, shared by the B·H heads); a block's working set is ~B·H·bq·(2·J·L + 6·J·D)·itemsize.
    `device` ("cpu" or "cuda") picks the defaults of `budget_bytes` and `overhead_pairs`.

    >>> default_block_size(512, 4, 32)
    3
    >>> default_block_size(512, 4, 32, w1=32, w2=32)
    14
    """
    kind = "cuda" if device == "cuda" else "cpu"
    budget_bytes = BLOCK_BUDGET_BYTES[kind] if budget_bytes is None else budget_bytes
    overhead_pairs = BLOCK_OVERHEAD_PAIRS[kind] if overhead_pairs is None else overhead_pairs
    best, best_cost = 1, math.inf
    for bq in range(1, T + 1):
        work, worst = 0, 0
        for i0 in range(0, T, bq):
            i1 = min(T, i0 + bq)
            J = i1 - key_range(i0, i1, w1)[0]
            L = i1 - key_range(i0, i1, w2)[0]
            work += (i1 - i0) * J * L
            worst = max(worst, (i1 - i0) * (2 * J * L + 6 * J * D))
        if bq > 1 and B * H * worst * itemsize > budget_bytes:
            break  # larger blocks only grow the working set
        cost = work + math.ceil(T / bq) * overhead_pairs / (B * H)
        if cost < best_cost:
            best, best_cost = bq, cost
    return best


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """float64 stays float64; everything else (float32, bf16, fp16) is computed and accumulated in float32."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def _blocks(T: int, bs: int, w1, w2, mask: str = "causal"):
    """(i0, i1, j0, j1, l0, l1) for each query block; the "leaky" mask lets l run to the end of the sequence."""
    for i0 in range(0, T, bs):
        i1 = min(T, i0 + bs)
        l0, l1 = key_range(i0, i1, w2)
        yield (i0, i1, *key_range(i0, i1, w1), l0, l1 if mask == "causal" else T)


def _bias(i0, i1, k0, k1, w, dtype, device, causal: bool = True) -> torch.Tensor:
    """(bq, K) additive mask: 0 where i - w < k <= i (i - w < k when not causal), -inf elsewhere."""
    i = torch.arange(i0, i1, device=device).view(-1, 1)
    k = torch.arange(k0, k1, device=device).view(1, -1)
    ok = k <= i if causal else torch.ones(i1 - i0, k1 - k0, dtype=torch.bool, device=device)
    if w is not None:
        ok = ok & (k > i - w)
    return torch.zeros(ok.shape, dtype=dtype, device=device).masked_fill_(~ok, float("-inf"))  # (bq, K)


def _block_logits(qs, k1, k2, blk):
    """Masked logits of one block, (B, H, bq, J, L), and qk1 = (q/√D) ⊙ k1, (B, H, bq, J, D)."""
    i0, i1, j0, j1, l0, l1, w1, w2, mask = blk
    B, H, _, D = qs.shape
    bq, J, L = i1 - i0, j1 - j0, l1 - l0
    qk1 = qs[:, :, i0:i1, None, :] * k1[:, :, None, j0:j1, :]  # (B, H, bq, J, D)
    logits = (qk1.view(B, H, bq * J, D) @ k2[:, :, l0:l1].transpose(-1, -2)).view(B, H, bq, J, L)
    logits.add_(_bias(i0, i1, j0, j1, w1, qs.dtype, qs.device)[:, :, None])
    logits.add_(_bias(i0, i1, l0, l1, w2, qs.dtype, qs.device, causal=mask == "causal")[:, None, :])
    return logits, qk1


def _forward(q, k1, k2, v1, v2, w1, w2, bs, want_lse: bool, stats: dict | None = None, mask: str = "causal"):
    """Output (B, H, T, D) in the compute dtype and, if asked, the row log-sum-exp (B, H, T).

    With `stats` (a dict), also fills in what the app shows of the pattern, from the same probabilities:
    "marginal_j" Σ_l S and "marginal_l" Σ_j S (B, H, T, T), and "entropy" H(S[i]) (B, H, T).
    """
    B, H, T, D = q.shape
    qs = q * (1.0 / math.sqrt(D))
    out = torch.empty_like(q)  # (B, H, T, D)
    lse = torch.empty(B, H, T, dtype=q.dtype, device=q.device) if want_lse or stats is not None else None  # (B, H, T)
    if stats is not None:
        stats.update(marginal_j=q.new_zeros(B, H, T, T), marginal_l=q.new_zeros(B, H, T, T), entropy=q.new_zeros(B, H, T))
    for i0, i1, j0, j1, l0, l1 in _blocks(T, bs, w1, w2, mask):
        bq, J, L = i1 - i0, j1 - j0, l1 - l0
        logits, _ = _block_logits(qs, k1, k2, (i0, i1, j0, j1, l0, l1, w1, w2, mask))
        m = logits.amax(dim=(-2, -1), keepdim=True)  # (B, H, bq, 1, 1), finite: (i, i) is always allowed
        shifted = logits.sub_(m)  # in place: log of the unnormalised probabilities
        p = shifted.exp() if stats is not None else shifted.exp_()
        s = p.sum(dim=(-2, -1), keepdim=True)  # (B, H, bq, 1, 1)
        p.div_(s)
        pv2 = (p.view(B, H, bq * J, L) @ v2[:, :, l0:l1]).view(B, H, bq, J, D)  # Σ_l P v2_l
        out[:, :, i0:i1] = (pv2 * v1[:, :, None, j0:j1]).sum(3)  # Σ_j v1_j ⊙ (Σ_l P v2_l)
        if lse is not None:
            lse[:, :, i0:i1] = (m + s.log()).view(B, H, bq)
        if stats is not None:
            stats["marginal_j"][:, :, i0:i1, j0:j1] = p.sum(-1)
            stats["marginal_l"][:, :, i0:i1, l0:l1] = p.sum(-2)
            # H(S[i]) = log s − Σ P (logit − m), with 0 · (−inf) = 0 where the mask forbids
            plogp = torch.where(p > 0, p * shifted, 0.0).sum(dim=(-2, -1), keepdim=True)
            stats["entropy"][:, :, i0:i1] = (s.log() - plogp).view(B, H, bq)
    if stats is not None:
        stats["lse"] = lse
    return out, lse


def two_simplicial_with_statistics(q, k1, k2, v1, v2, w1=None, w2=None, block_size=None, mask="causal"):
    """No-grad forward that also returns the pattern's marginals, row entropies and lse (see `_forward`)."""
    B, H, T, D = q.shape
    cdtype = _compute_dtype(q.dtype)
    bs = block_size or default_block_size(T, H, D, B=B, w1=w1, w2=w2, itemsize=torch.finfo(cdtype).bits // 8,
                                          device=q.device.type)
    stats = {}
    with torch.no_grad(), torch.autocast(q.device.type, enabled=False):
        out, _ = _forward(*[t.to(cdtype).contiguous() for t in (q, k1, k2, v1, v2)], w1, w2, bs, False, stats, mask)
    return out.to(q.dtype), stats


def _backward(dout, q, k1, k2, v1, v2, lse, w1, w2, bs, needs, mask="causal"):
    """Gradients of the five inputs (None where not needed), recomputing probabilities block by block."""
    B, H, T, D = q.shape
    scale = 1.0 / math.sqrt(D)
    qs = q * scale
    need_q, need_k1, need_k2, need_v1, need_v2 = needs
    need_logit = need_q or need_k1 or need_k2
    dq, dk1, dk2, dv1, dv2 = (torch.zeros_like(q) if n else None for n in needs)  # (B, H, T, D)
    for i0, i1, j0, j1, l0, l1 in _blocks(T, bs, w1, w2, mask):
        bq, J, L = i1 - i0, j1 - j0, l1 - l0
        logits, qk1 = _block_logits(qs, k1, k2, (i0, i1, j0, j1, l0, l1, w1, w2, mask))
        p = logits.sub_(lse[:, :, i0:i1, None, None]).exp_().view(B, H, bq * J, L)  # P, in place
        do = dout[:, :, i0:i1]  # (B, H, bq, D)
        dov1 = (do[:, :, :, None, :] * v1[:, :, None, j0:j1]).view(B, H, bq * J, D)  # dO_i ⊙ v1_j
        if need_v1 or need_logit:
            pv2 = (p @ v2[:, :, l0:l1]).view(B, H, bq, J, D)  # Σ_l P v2_l
        if need_v1:
            dv1[:, :, j0:j1] += (pv2 * do[:, :, :, None, :]).sum(2)  # Σ_i dO_i ⊙ Σ_l P v2_l
        if need_v2:
            dv2[:, :, l0:l1] += p.transpose(-1, -2) @ dov1  # Σ_ij P (dO_i ⊙ v1_j)
        if not need_logit:
            continue
        delta = (dov1.view(B, H, bq, J, D) * pv2).sum(dim=(3, 4))  # (B, H, bq): dO_i · o_i
        dp = dov1 @ v2[:, :, l0:l1].transpose(-1, -2)  # (B, H, bq*J, L): dO_i · (v1_j ⊙ v2_l)
        da = dp.view(B, H, bq, J, L).sub_(delta[..., None, None]).mul_(p.view(B, H, bq, J, L))
        da = da.view(B, H, bq * J, L)  # dA = P ⊙ (dP − Δ), gradient of the scaled logits
        if need_q or need_k1:
            g = (da @ k2[:, :, l0:l1]).view(B, H, bq, J, D)  # Σ_l dA k2_l
            if need_q:
                dq[:, :, i0:i1] += (g * k1[:, :, None, j0:j1]).sum(3) * scale
            if need_k1:
                dk1[:, :, j0:j1] += (g * qs[:, :, i0:i1, None, :]).sum(2)
        if need_k2:
            dk2[:, :, l0:l1] += da.transpose(-1, -2) @ qk1.view(B, H, bq * J, D)  # Σ_ij dA (q_i ⊙ k1_j)/√D
    return dq, dk1, dk2, dv1, dv2


class _TwoSimplicial(torch.autograd.Function):
    """Autograd wrapper: saves the (compute-dtype) inputs and the row log-sum-exp, never a probability."""

    @staticmethod
    def forward(ctx, q, k1, k2, v1, v2, w1, w2, bs, mask):
        out, lse = _forward(q, k1, k2, v1, v2, w1, w2, bs, want_lse=True, mask=mask)
        ctx.save_for_backward(q, k1, k2, v1, v2, lse)
        ctx.windows = (w1, w2, bs, mask)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, dout):
        q, k1, k2, v1, v2, lse = ctx.saved_tensors
        w1, w2, bs, mask = ctx.windows
        grads = _backward(dout.contiguous(), q, k1, k2, v1, v2, lse, w1, w2, bs, ctx.needs_input_grad[:5], mask)
        return (*grads, None, None, None, None)


def blockwise_two_simplicial(q, k1, k2, v1, v2, w1, w2, block_size, mask="causal"):
    """Causal 2-simplicial attention of (B, H, T, D) inputs, exact, never holding a (T, T, T) tensor.

    Parameters
    ----------
    q, k1, k2, v1, v2 : Tensor, shape (B, H, T, D), validated by `simplicial.check_inputs`.
    w1, w2 : optional causal windows (i - w1 < j <= i, i - w2 < l <= i).
    block_size : query rows per block, or None for `default_block_size`.

    Returns
    -------
    Tensor (B, H, T, D) in the inputs' dtype. Low precision inputs are computed in float32.
    """
    dtype = q.dtype
    B, H, T, D = q.shape
    cdtype = _compute_dtype(dtype)
    bs = block_size or default_block_size(T, H, D, B=B, w1=w1, w2=w2, itemsize=torch.finfo(cdtype).bits // 8,
                                          device=q.device.type)
    ins = [t.to(cdtype).contiguous() for t in (q, k1, k2, v1, v2)]  # (B, H, T, D) each
    # Autocast would run the forward's matmuls in bf16 while the backward (outside autocast) runs in float32:
    # the two must see the same numbers, so the kernel keeps its own compute dtype throughout.
    with torch.autocast(q.device.type, enabled=False):
        if torch.is_grad_enabled() and any(t.requires_grad for t in (q, k1, k2, v1, v2)):
            out = _TwoSimplicial.apply(*ins, w1, w2, bs, mask)
        else:
            out, _ = _forward(*ins, w1, w2, bs, want_lse=False, mask=mask)  # inference: nothing saved
    return out.to(dtype)
