"""Triton forward of causal, windowed 2-simplicial attention (Roy et al. 2025, arXiv 2507.02754), fused.

One program owns BLOCK_M query rows of one K/V head, rows flattened as (position, head in the group), so a group
of query heads sharing K/V fills the tensor-core M dimension. A loop over the "outer" keys forms q ⊙ k1; the
"inner" keys l come in tiles with an online softmax over all (j, l). The outer loop runs over one key j for all
rows (DIAG False: right for a head group, whose rows share a position) or over offsets a, row i taking j = i − a
(DIAG True: right for per-head rows of consecutive positions, where a shared j would be allowed for few of them).
Called by `hoviz.kernels.autograd`.
"""

from __future__ import annotations

import triton
import triton.language as tl

LOG2E = 1.4426950408889634


@triton.jit
def _rows(R0, G, T, BLOCK_M: tl.constexpr):
    """Flattened rows R0..R0+BLOCK_M of one K/V head -> (position i, head in group g, row exists)."""
    r = R0 + tl.arange(0, BLOCK_M)
    return r // G, r % G, r < T * G


@triton.jit
def _mm(a, b, PRECISION: tl.constexpr):
    """a @ b with float32 accumulation; "interp" (Triton's CPU interpreter) upcasts first: its bf16 dot is wrong."""
    if PRECISION == "interp":
        return tl.dot(a.to(tl.float32), b.to(tl.float32), input_precision="ieee")
    return tl.dot(a, b, input_precision=PRECISION)


@triton.jit
def _mma(a, b, acc, PRECISION: tl.constexpr):
    """acc + a @ b, accumulated in place by the tensor cores (float32 acc)."""
    if PRECISION == "interp":
        return acc + tl.dot(a.to(tl.float32), b.to(tl.float32), input_precision="ieee")
    return tl.dot(a, b, acc=acc, input_precision=PRECISION)


@triton.jit
def _mul(a, b):
    """a ⊙ b computed in float32, rounded once to a's dtype (registers keep the narrow type)."""
    return (a.to(tl.float32) * b.to(tl.float32)).to(a.dtype)


@triton.jit
def _fwd_tiles(qk, ok_j, i, m, s_sum, acc_j, v1f, K2, V2, skt, T, W2, qk_scale, lo, hi,
               D: tl.constexpr, BLOCK_L: tl.constexpr, MASK: tl.constexpr, FOLD: tl.constexpr,
               PRECISION: tl.constexpr):
    """Online softmax over the inner-key tiles [lo, hi) for one outer key; MASK False: all keys allowed, no checks.

    acc_j is Σ_l P v2_l (FOLD False) or, FOLD True, the whole output accumulator, v1_j ⊙ applied per tile; v1f is
    v1_j as (1, D) or, one per row, (BLOCK_M, D), in float32.
    """
    d = tl.arange(0, D)
    for l0 in range(lo, hi, BLOCK_L):
        l = l0 + tl.arange(0, BLOCK_L)  # (BLOCK_L,)
        if MASK:
            k2 = tl.load(K2 + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
            v2 = tl.load(V2 + l[:, None] * skt + d[None, :], mask=(l < T)[:, None], other=0.0)  # (BLOCK_L, D)
        else:
            k2 = tl.load(K2 + l[:, None] * skt + d[None, :])
            v2 = tl.load(V2 + l[:, None] * skt + d[None, :])
        s = _mm(qk, tl.trans(k2), PRECISION) * qk_scale  # (BLOCK_M, BLOCK_L), base 2
        if MASK:
            ok = ok_j[:, None] & (l[None, :] <= i[:, None]) & (l[None, :] > i[:, None] - W2)
            s = tl.where(ok, s, float("-inf"))
        m_new = tl.maximum(m, tl.max(s, 1))
        alpha = tl.exp2(m - m_new)
        p = tl.exp2(s - m_new[:, None])  # (BLOCK_M, BLOCK_L)
        s_sum = s_sum * alpha + tl.sum(p, 1)
        if FOLD:
            acc_j = acc_j * alpha[:, None] + _mm(p.to(V2.dtype.element_ty), v2, PRECISION) * v1f
        else:
            acc_j = _mma(p.to(V2.dtype.element_ty), v2, acc_j * alpha[:, None], PRECISION)  # (BLOCK_M, D)
        m = m_new
    return m, s_sum, acc_j


@triton.jit
def simplicial_fwd_kernel(
    Q, K1, K2, V1, V2, O, LSE,
    sqb, sqh, sqt, skb, skh, skt, sob, soh, sot,
    T, G, W1, W2, qk_scale,
    D: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_L: tl.constexpr, PRECISION: tl.constexpr,
    SPLIT: tl.constexpr = True, FOLD: tl.constexpr = False, DIAG: tl.constexpr = False,
):
    """O[i] = Σ_{j,l} softmax(s)[j,l] v1_j ⊙ v2_l; LSE[i] = log2 Σ exp2(s) with s in base-2 units.

    SPLIT: run the tiles every row may fully read without the mask. FOLD: see `_fwd_tiles`. DIAG: see the module.
    """
    pid_m, hk, b = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    i, g, live = _rows(pid_m * BLOCK_M, G, T, BLOCK_M)  # (BLOCK_M,)
    i_first = (pid_m * BLOCK_M) // G
    i_last = tl.minimum((pid_m * BLOCK_M + BLOCK_M - 1) // G, T - 1)
    d = tl.arange(0, D)
    q_off = b * sqb + (hk * G + g) * sqh + i * sqt  # (BLOCK_M,)
    q = tl.load(Q + q_off[:, None] + d[None, :], mask=live[:, None], other=0.0)  # (BLOCK_M, D)
    kv = b * skb + hk * skh
    m = tl.full([BLOCK_M], -1.0e30, tl.float32)
    s_sum = tl.zeros([BLOCK_M], tl.float32)
    acc = tl.zeros([BLOCK_M, D], tl.float32)
    j_lo = tl.maximum(i_first - W1 + 1, 0)
    l_lo = tl.maximum(i_first - W2 + 1, 0)
    if DIAG:
        outer_lo, outer_hi = 0, tl.minimum(W1, i_last + 1)  # offsets a = i - j
    else:
        outer_lo, outer_hi = j_lo, i_last + 1  # keys j
    for o in range(outer_lo, outer_hi):
        if DIAG:
            jr = i - o  # (BLOCK_M,): each row's own outer key
            ok_j = live & (jr >= 0)
            k1 = tl.load(K1 + kv + jr[:, None] * skt + d[None, :], mask=ok_j[:, None], other=0.0)  # (BLOCK_M, D)
            v1f = tl.load(V1 + kv + jr[:, None] * skt + d[None, :], mask=ok_j[:, None], other=0.0).to(tl.float32)
            qk = _mul(q, k1)  # (BLOCK_M, D): q_i ⊙ k1_{i-a}
            j_all = o <= i_first  # every row's j = i - a exists
        else:
            k1j = tl.load(K1 + kv + o * skt + d)  # (D,)
            v1f = tl.load(V1 + kv + o * skt + d).to(tl.float32)[None, :]  # (1, D)
            qk = _mul(q, k1j[None, :])  # (BLOCK_M, D): q_i ⊙ k1_j
            ok_j = live & (o <= i) & (o > i - W1)  # (BLOCK_M,)
            j_all = (o > i_last - W1) & (o <= i_first)  # j allowed for every row
        if not SPLIT:
            j_all = o < 0  # never: every tile masked
        m_j = m  # acc is relative to exp2(m_j), acc_j to exp2(m)
        if FOLD:
            acc_j = acc
        else:
            acc_j = tl.zeros([BLOCK_M, D], tl.float32)  # Σ_l P v2_l for this outer key
        # tiles where every row may read every key (its j allowed) skip the mask
        mid_lo = l_lo + tl.cdiv(tl.maximum(i_last - W2 + 1 - l_lo, 0), BLOCK_L) * BLOCK_L
        mid_hi = mid_lo + tl.maximum(i_first + 1 - mid_lo, 0) // BLOCK_L * BLOCK_L
        mid_lo = tl.where(j_all, mid_lo, i_last + 1)
        mid_hi = tl.where(j_all, mid_hi, i_last + 1)
        m, s_sum, acc_j = _fwd_tiles(qk, ok_j, i, m, s_sum, acc_j, v1f, K2 + kv, V2 + kv, skt, T, W2, qk_scale,
                                     l_lo, mid_lo, D, BLOCK_L, True, FOLD, PRECISION)
        m, s_sum, acc_j = _fwd_tiles(qk, ok_j, i, m, s_sum, acc_j, v1f, K2 + kv, V2 + kv, skt, T, W2, qk_scale,
                                     mid_lo, mid_hi, D, BLOCK_L, False, FOLD, PRECISION)
        m, s_sum, acc_j = _fwd_tiles(qk, ok_j, i, m, s_sum, acc_j, v1f, K2 + kv, V2 + kv, skt, T, W2, qk_scale,
                                     mid_hi, i_last + 1, D, BLOCK_L, True, FOLD, PRECISION)
        if FOLD:
            acc = acc_j
        else:
            acc = acc * tl.exp2(m_j - m)[:, None] + acc_j * v1f  # += v1_j ⊙ Σ_l P v2_l
    s_sum = tl.where(live, s_sum, 1.0)
    out = acc / s_sum[:, None]
    o_off = b * sob + (hk * G + g) * soh + i * sot
    tl.store(O + o_off[:, None] + d[None, :], out.to(O.dtype.element_ty), mask=live[:, None])
    # LSE is (B, Hq, T) contiguous: row (b, hk*G+g, i)
    hq = tl.num_programs(1) * G
    tl.store(LSE + (b * hq + hk * G + g) * T + i, m + tl.log2(s_sum), mask=live)
