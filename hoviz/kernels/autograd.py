"""The fused Triton 2-simplicial attention as a torch.autograd.Function (Roy et al. 2025, arXiv 2507.02754).

`simplicial_attention(q, k1, k2, v1, v2, w1, w2)` takes q (B, Hq, T, D) and k1, k2, v1, v2 (B, Hkv, T, D) with Hq a
multiple of Hkv (grouped: Hq/Hkv query heads share one K/V head; per-head: Hq = Hkv). Saves the inputs, the output
and a (B, Hq, T) row log-sum-exp; nothing of size T·w1·w2. `hoviz.mixers.simplicial` dispatches here on CUDA.
"""

from __future__ import annotations

import math

import torch
import triton

from hoviz.errors import AttentionInputError
from hoviz.kernels.backward import simplicial_bwd_kv_kernel, simplicial_delta_kernel
from hoviz.kernels.backward_qk1 import simplicial_bwd_qk1_kernel
from hoviz.kernels.forward import LOG2E, simplicial_fwd_kernel
from hoviz.kernels.tuning import Tiles, default_tiles

SUPPORTED_DTYPES = (torch.bfloat16, torch.float16, torch.float32)
SUPPORTED_HEAD_DIMS = (16, 32, 64, 128)
POISON = False  # tests set it: every buffer the kernels write starts as NaN, so an unwritten element shows


def _empty(shape, like: torch.Tensor, dtype=None) -> torch.Tensor:
    """A contiguous buffer for the kernels to fill (NaN under POISON)."""
    t = torch.empty(shape, dtype=dtype or like.dtype, device=like.device)
    return t.fill_(float("nan")) if POISON else t


def _interpreting() -> bool:
    return bool(triton.knobs.runtime.interpret)


def supports(q: torch.Tensor) -> bool:
    """Whether the fused kernel takes this query tensor (dtype, head dim, and CUDA unless interpreting)."""
    return (q.dtype in SUPPORTED_DTYPES and q.shape[-1] in SUPPORTED_HEAD_DIMS
            and (q.is_cuda or (_interpreting() and q.device.type == "cpu")))


def _check(q, k1, k2, v1, v2, w1, w2) -> None:
    if q.dim() != 4 or any(t.dim() != 4 for t in (k1, k2, v1, v2)):
        raise AttentionInputError("q, k1, k2, v1, v2 must all be 4-D: q (B, Hq, T, D), keys/values (B, Hkv, T, D)")
    B, Hq, T, D = q.shape
    kv_shape = k1.shape
    if any(t.shape != kv_shape for t in (k2, v1, v2)):
        raise AttentionInputError("k1, k2, v1, v2 must share one shape (B, Hkv, T, D)")
    if kv_shape[0] != B or kv_shape[2:] != (T, D) or Hq % kv_shape[1]:
        raise AttentionInputError(f"q {tuple(q.shape)} and keys {tuple(kv_shape)} disagree: B, T, D must match and "
                                  "Hq must be a multiple of Hkv")
    if any(t.dtype != q.dtype or t.device != q.device for t in (k1, k2, v1, v2)):
        raise AttentionInputError("q, k1, k2, v1, v2 must share one dtype and one device")
    if not supports(q):
        raise AttentionInputError(f"the Triton kernel takes {[str(d) for d in SUPPORTED_DTYPES]} with D in "
                                  f"{SUPPORTED_HEAD_DIMS} on CUDA (or the CPU under TRITON_INTERPRET=1); got {q.dtype}, "
                                  f"D = {D}, {q.device}: use hoviz.mixers.simplicial.two_simplicial_attention")
    for name, w in (("w1", w1), ("w2", w2)):
        if w is not None and (not isinstance(w, int) or isinstance(w, bool) or w < 1):
            raise AttentionInputError(f"{name} must be a positive int or None, got {w!r}")
    if q.numel() >= 2**31:
        raise AttentionInputError(f"q has {q.numel()} elements: the kernels index with 32-bit offsets, so split the "
                                  "batch into calls of fewer than 2**31 elements")


def _precision(dtype) -> str:
    """How the kernels' tl.dot runs: exact float32 for float32 inputs; see `forward._mm` for "interp"."""
    if _interpreting():
        return "interp"
    return "ieee" if dtype == torch.float32 else "tf32"


def _forward(q, k1, k2, v1, v2, W1, W2, tiles: Tiles):
    """Output (B, Hq, T, D) and base-2 lse (B, Hq, T), float32; k1 is the scalar outer loop's key."""
    B, Hq, T, D = q.shape
    Hkv = k1.shape[1]
    G = Hq // Hkv
    out = _empty(q.shape, q)  # (B, Hq, T, D)
    lse = _empty((B, Hq, T), q, torch.float32)  # (B, Hq, T)
    t = tiles.fwd
    grid = (triton.cdiv(T * G, t.block_m), Hkv, B)
    simplicial_fwd_kernel[grid](q, k1, k2, v1, v2, out, lse, *q.stride()[:3], *k1.stride()[:3], *out.stride()[:3],
                                T, G, W1, W2, LOG2E / math.sqrt(D), D=D, BLOCK_M=t.block_m, BLOCK_L=t.block_n,
                                PRECISION=_precision(q.dtype), SPLIT=tiles.split, FOLD=tiles.fold, DIAG=tiles.diag,
                                num_warps=t.warps,
                                num_stages=t.stages)
    return out, lse


def _backward(do, q, k1, k2, v1, v2, out, lse, W1, W2, tiles: Tiles):
    """dq, dk1, dk2, dv1, dv2 in the inputs' dtype; k1 is the forward's scalar outer loop's key."""
    B, Hq, T, D = q.shape
    Hkv = k1.shape[1]
    G = Hq // Hkv
    delta = _empty((B, Hq, T), q, torch.float32)  # (B, Hq, T): dO_i · o_i
    simplicial_delta_kernel[(triton.cdiv(B * Hq * T, 64),)](out, do, delta, B * Hq * T, D=D, BLOCK=64)
    scales = (LOG2E / math.sqrt(D), 1.0 / math.sqrt(D))
    prec = _precision(q.dtype)
    dq = _empty(q.shape, q)
    dk2, dv2 = _empty(k1.shape, k1), _empty(k1.shape, k1)
    dk1_f, dv1_f = (torch.zeros(k1.shape, dtype=torch.float32, device=k1.device) for _ in range(2))  # atomic sums
    t = tiles.bwd_q
    simplicial_bwd_qk1_kernel[(triton.cdiv(T * G, t.block_m), Hkv, B)](
        q, k1, k2, v1, v2, do, lse, delta, dq, dk1_f, dv1_f, *q.stride()[:3], *k1.stride()[:3], T, G, W1, W2,
        *scales, D=D, BLOCK_M=t.block_m, BLOCK_L=t.block_n, PRECISION=prec, DIAG=tiles.diag, num_warps=t.warps,
        num_stages=t.stages)
    t = tiles.bwd_kv2
    simplicial_bwd_kv_kernel[(triton.cdiv(T, t.block_m), Hkv, B)](
        q, k1, k2, v1, v2, do, lse, delta, dk2, dv2, *q.stride()[:3], *k1.stride()[:3], T, G, W1, W2, *scales,
        D=D, BLOCK_L=t.block_m, BLOCK_N=t.block_n, PRECISION=prec, num_warps=t.warps, num_stages=t.stages)
    dk1, dv1 = (dk1_f * scales[1]).to(k1.dtype), dv1_f.to(k1.dtype)
    return dq, dk1, dk2, dv1, dv2


class SimplicialTriton(torch.autograd.Function):
    """Forward and backward through the fused kernels; the k1/k2 roles are swapped when `swap` is set."""

    @staticmethod
    def forward(ctx, q, k1, k2, v1, v2, W1, W2, swap, tiles):
        if swap:
            k1, k2, v1, v2, W1, W2 = k2, k1, v2, v1, W2, W1
        out, lse = _forward(q, k1, k2, v1, v2, W1, W2, tiles)
        ctx.save_for_backward(q, k1, k2, v1, v2, out, lse)
        ctx.rest = (W1, W2, swap, tiles)
        return out

    @staticmethod
    def backward(ctx, do):
        q, k1, k2, v1, v2, out, lse = ctx.saved_tensors
        W1, W2, swap, tiles = ctx.rest
        dq, dk1, dk2, dv1, dv2 = _backward(do.contiguous(), q, k1, k2, v1, v2, out, lse, W1, W2, tiles)
        if swap:
            dk1, dk2, dv1, dv2 = dk2, dk1, dv2, dv1
        return dq, dk1, dk2, dv1, dv2, None, None, None, None


def simplicial_attention(q, k1, k2, v1, v2, w1=None, w2=None, *, tiles: Tiles | None = None):
    """Causal 2-simplicial attention through the fused Triton kernels, forward and backward.

    Parameters
    ----------
    q : (B, Hq, T, D); k1, k2, v1, v2 : (B, Hkv, T, D), Hq a multiple of Hkv; bf16, fp16 or fp32, D in 16..128.
    w1, w2 : optional windows, i - w1 < j <= i and i - w2 < l <= i (None: the full causal prefix).
    tiles : launch shapes (`hoviz.kernels.tuning.default_tiles` when None); `tiles.order` picks the outer loop.

    Returns
    -------
    Tensor (B, Hq, T, D) in q's dtype; accumulation is float32.
    """
    _check(q, k1, k2, v1, v2, w1, w2)
    _, Hq, T, D = q.shape
    tiles = tiles or default_tiles(D, Hq // k1.shape[1], windowed=w1 is not None or w2 is not None,
                                   interpret=_interpreting())
    W1, W2 = min(w1 or T, T), min(w2 or T, T)
    swap = tiles.order == "l" or (tiles.order == "auto" and W2 < W1)  # the smaller window in the outer loop
    ins = [t.contiguous() for t in (q, k1, k2, v1, v2)]
    return SimplicialTriton.apply(*ins, W1, W2, swap, tiles)
