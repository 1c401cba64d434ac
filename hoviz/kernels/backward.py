"""Triton backward of causal, windowed 2-simplicial attention (Roy et al. 2025, arXiv 2507.02754): dK2, dV2 and Δ.

`simplicial_bwd_kv_kernel` owns a tile of inner keys l and walks every query row and outer key j that reaches it,
writing dK2 and dV2 without atomics; `simplicial_delta_kernel` forms Δ_i = dO_i · o_i. dQ, dK1 and dV1 come from
`hoviz.kernels.backward_qk1`. Probabilities are recomputed from the forward's base-2 row log-sum-exp. Called by
`hoviz.kernels.autograd`.
"""

from __future__ import annotations

import triton
import triton.language as tl

from hoviz.kernels.forward import _mm, _mma, _mul, _rows


@triton.jit
def simplicial_bwd_kv_kernel(
    Q, K1, K2, V1, V2, DO, LSE, DELTA, DK2, DV2,
    sqb, sqh, sqt, skb, skh, skt,
    T, G, W1, W2, qk_scale, sm_scale,
    D: tl.constexpr, BLOCK_L: tl.constexpr, BLOCK_N: tl.constexpr, PRECISION: tl.constexpr,
):
    """dV2_l = Σ_{i,j} P dO_i ⊙ v1_j and dK2_l = scale Σ_{i,j} dS q_i ⊙ k1_j for one tile of BLOCK_L keys l.

    K*, V*, DK2, DV2 share strides; rows (i, g) come in chunks of BLOCK_N.
    """
    pid_l, hk, b = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    hq = tl.num_programs(1) * G
    d = tl.arange(0, D)
    l = pid_l * BLOCK_L + tl.arange(0, BLOCK_L)  # (BLOCK_L,)
    kv = b * skb + hk * skh
    k2 = tl.load(K2 + kv + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
    v2 = tl.load(V2 + kv + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
    dk2 = tl.zeros([BLOCK_L, D], tl.float32)
    dv2 = tl.zeros([BLOCK_L, D], tl.float32)
    i_lo = pid_l * BLOCK_L  # queries i >= l
    i_hi = tl.minimum(pid_l * BLOCK_L + BLOCK_L - 1 + W2 - 1, T - 1)  # and i < l + W2
    for r0 in range(i_lo * G, (i_hi + 1) * G, BLOCK_N):
        i, g, live = _rows(r0, G, T, BLOCK_N)  # (BLOCK_N,)
        live = live & (i <= i_hi)
        i_first = r0 // G
        i_last = tl.minimum((r0 + BLOCK_N - 1) // G, i_hi)
        q_off = b * sqb + (hk * G + g) * sqh + i * sqt
        q = tl.load(Q + q_off[:, None] + d[None, :], mask=live[:, None], other=0.0)  # (BLOCK_N, D)
        do = tl.load(DO + q_off[:, None] + d[None, :], mask=live[:, None], other=0.0)
        row = (b * hq + hk * G + g) * T + i
        lse = tl.load(LSE + row, mask=live, other=0.0)  # (BLOCK_N,)
        delta = tl.load(DELTA + row, mask=live, other=0.0)
        ok_l = live[None, :] & (l[:, None] <= i[None, :]) & (l[:, None] > i[None, :] - W2)  # (BLOCK_L, BLOCK_N)
        for j in range(tl.maximum(i_first - W1 + 1, 0), i_last + 1):
            k1j = tl.load(K1 + kv + j * skt + d)
            v1j = tl.load(V1 + kv + j * skt + d)
            qk = _mul(q, k1j[None, :])  # (BLOCK_N, D)
            dov = _mul(do, v1j[None, :])  # (BLOCK_N, D)
            s_t = _mm(k2, tl.trans(qk), PRECISION) * qk_scale  # (BLOCK_L, BLOCK_N)
            ok = ok_l & (j <= i)[None, :] & (j > i - W1)[None, :]
            p_t = tl.where(ok, tl.exp2(s_t - lse[None, :]), 0.0)
            dv2 = _mma(p_t.to(V2.dtype.element_ty), dov, dv2, PRECISION)
            dp_t = _mm(v2, tl.trans(dov), PRECISION)  # (BLOCK_L, BLOCK_N)
            ds_t = p_t * (dp_t - delta[None, :])
            dk2 = _mma(ds_t.to(K2.dtype.element_ty), qk, dk2, PRECISION)
    st = kv + l[:, None] * skt + d[None, :]
    tl.store(DK2 + st, (dk2 * sm_scale).to(DK2.dtype.element_ty), mask=(l < T)[:, None])
    tl.store(DV2 + st, dv2.to(DV2.dtype.element_ty), mask=(l < T)[:, None])


@triton.jit
def simplicial_delta_kernel(O, DO, DELTA, n_rows, D: tl.constexpr, BLOCK: tl.constexpr):
    """DELTA[r] = Σ_d O[r, d] dO[r, d] in float32 over contiguous (rows, D) buffers."""
    r = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    d = tl.arange(0, D)
    m = (r < n_rows)[:, None]
    o = tl.load(O + r[:, None] * D + d[None, :], mask=m, other=0.0).to(tl.float32)
    do = tl.load(DO + r[:, None] * D + d[None, :], mask=m, other=0.0).to(tl.float32)
    tl.store(DELTA + r, tl.sum(o * do, 1), mask=r < n_rows)
