"""Triton backward of 2-simplicial attention, dQ and dK1/dV1 in one pass (Roy et al. 2025, arXiv 2507.02754).

Walks the forward's loops per block of query rows (one outer key for all rows, or with `DIAG` row i taking
j = i − a) and, per outer key, forms G = Σ_l dS k2_l and H = Σ_l P v2_l once: dQ_i gets G ⊙ k1_j, and
dK1_j, dV1_j get the rows' sums of q ⊙ G and dO ⊙ H by float32 atomic adds (several row blocks reach one j).
(Separate dQ and dK1/dV1 kernels, which recompute P twice, were 1.2–1.6x slower forward+backward on the H200.)
Called by `hoviz.kernels.autograd`.
"""

from __future__ import annotations

import triton
import triton.language as tl

from hoviz.kernels.forward import _mm, _mma, _mul, _rows


@triton.jit
def simplicial_bwd_qk1_kernel(
    Q, K1, K2, V1, V2, DO, LSE, DELTA, DQ, DK1, DV1,
    sqb, sqh, sqt, skb, skh, skt,
    T, G, W1, W2, qk_scale, sm_scale,
    D: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_L: tl.constexpr, PRECISION: tl.constexpr,
    DIAG: tl.constexpr = False,
):
    """dQ (written), dK1 and dV1 (added, float32; DK1/DV1 zeroed by the caller, unscaled dK1). Q, DO, DQ share
    strides; K*, V*, DK1, DV1 share strides."""
    pid_m, hk, b = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    i, g, live = _rows(pid_m * BLOCK_M, G, T, BLOCK_M)  # (BLOCK_M,)
    i_first = (pid_m * BLOCK_M) // G
    i_last = tl.minimum((pid_m * BLOCK_M + BLOCK_M - 1) // G, T - 1)
    d = tl.arange(0, D)
    hq = tl.num_programs(1) * G
    q_off = b * sqb + (hk * G + g) * sqh + i * sqt  # (BLOCK_M,)
    q = tl.load(Q + q_off[:, None] + d[None, :], mask=live[:, None], other=0.0)  # (BLOCK_M, D)
    do = tl.load(DO + q_off[:, None] + d[None, :], mask=live[:, None], other=0.0)  # (BLOCK_M, D)
    row = (b * hq + hk * G + g) * T + i
    lse = tl.load(LSE + row, mask=live, other=0.0)  # (BLOCK_M,) base 2
    delta = tl.load(DELTA + row, mask=live, other=0.0)  # (BLOCK_M,) dO_i · o_i
    qf, dof = q.to(tl.float32), do.to(tl.float32)
    kv = b * skb + hk * skh
    dq = tl.zeros([BLOCK_M, D], tl.float32)
    l_lo = tl.maximum(i_first - W2 + 1, 0)
    l_idx = tl.arange(0, BLOCK_L)
    if DIAG:
        outer_lo, outer_hi = 0, tl.minimum(W1, i_last + 1)  # offsets a = i - j
    else:
        outer_lo, outer_hi = tl.maximum(i_first - W1 + 1, 0), i_last + 1  # keys j
    for o in range(outer_lo, outer_hi):
        if DIAG:
            jr = i - o  # (BLOCK_M,)
            ok_j = live & (jr >= 0)
            k1 = tl.load(K1 + kv + jr[:, None] * skt + d[None, :], mask=ok_j[:, None], other=0.0)  # (BLOCK_M, D)
            v1 = tl.load(V1 + kv + jr[:, None] * skt + d[None, :], mask=ok_j[:, None], other=0.0)
        else:
            ok_j = live & (o <= i) & (o > i - W1)  # (BLOCK_M,)
            k1 = tl.load(K1 + kv + o * skt + d)[None, :]  # (1, D)
            v1 = tl.load(V1 + kv + o * skt + d)[None, :]
        qk = _mul(q, k1)  # (BLOCK_M, D)
        dov = _mul(do, v1)  # (BLOCK_M, D): dO_i ⊙ v1_j
        gk = tl.zeros([BLOCK_M, D], tl.float32)  # Σ_l dS k2_l
        hv = tl.zeros([BLOCK_M, D], tl.float32)  # Σ_l P v2_l
        for l0 in range(l_lo, i_last + 1, BLOCK_L):
            l = l0 + l_idx
            k2 = tl.load(K2 + kv + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
            v2 = tl.load(V2 + kv + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
            s = _mm(qk, tl.trans(k2), PRECISION) * qk_scale  # (BLOCK_M, BLOCK_L)
            ok = ok_j[:, None] & (l[None, :] <= i[:, None]) & (l[None, :] > i[:, None] - W2)
            p = tl.where(ok, tl.exp2(s - lse[:, None]), 0.0)
            dp = _mm(dov, tl.trans(v2), PRECISION)  # (BLOCK_M, BLOCK_L)
            ds = p * (dp - delta[:, None])
            gk = _mma(ds.to(K2.dtype.element_ty), k2, gk, PRECISION)
            hv = _mma(p.to(V2.dtype.element_ty), v2, hv, PRECISION)
        dq += gk * k1.to(tl.float32)
        if DIAG:  # each row adds to its own j (rows sharing a j, a head group, add atomically too)
            st = kv + jr[:, None] * skt + d[None, :]
            tl.atomic_add(DK1 + st, qf * gk, mask=ok_j[:, None], sem="relaxed")
            tl.atomic_add(DV1 + st, dof * hv, mask=ok_j[:, None], sem="relaxed")
        else:
            tl.atomic_add(DK1 + kv + o * skt + d, tl.sum(qf * gk, 0), sem="relaxed")
            tl.atomic_add(DV1 + kv + o * skt + d, tl.sum(dof * hv, 0), sem="relaxed")
    tl.store(DQ + q_off[:, None] + d[None, :], (dq * sm_scale).to(DQ.dtype.element_ty), mask=live[:, None])
