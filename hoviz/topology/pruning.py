"""Which triangles of a flag filtration H0/H1 persistence needs: about one per edge instead of T³/6.

Edges get strict ranks (value, then edge order); a triangle abc enters with its highest-rank edge ab, and c ranges
over ab's "lens" (vertices joined to both a and b earlier). abc is redundant when some apex x has rank(xa),
rank(xb) below abc's second edge and rank(xc) below ab: ∂(abc) = ∂(xbc) - ∂(xac) + ∂(xab) and those three come
earlier, so by induction over the order of triangles every boundary space, hence every H0/H1 bar, is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK = 1 << 18  # elements per (edges x T) block: cache-sized, and memory stays small whatever T is
HUBS = 2  # global witness vertices tried on every edge


@dataclass
class EdgeOrder:
    """Strict edge ranks and, per vertex, its neighbours in rank order (as prefix bitsets)."""

    rank: np.ndarray  # (E,) rank of each edge, a permutation of 0..E-1
    R: np.ndarray  # (T, T) rank matrix; missing edges and the diagonal hold the dtype's maximum
    bits: np.ndarray  # (T, T + 1, words) uint64: bits[v, k] = v's k lowest-rank neighbours
    pos: np.ndarray  # (T, T): pos[v, w] = how many neighbours of v come before w
    keys: np.ndarray  # (T * T,) sorted (v, rank) keys, to count neighbours before any rank

    def count(self, vertex: np.ndarray, below: np.ndarray) -> np.ndarray:
        """How many neighbours of `vertex` come before rank `below`."""
        stride = np.int64(np.iinfo(self.R.dtype).max) + 1
        return np.searchsorted(self.keys, vertex * stride + below) - vertex * len(self.R)

    def before(self, vertex: np.ndarray, below: np.ndarray) -> np.ndarray:
        """Bitsets of the neighbours of `vertex` joined before rank `below`."""
        return self.bits[vertex, self.count(vertex, below)]


def edge_order(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray) -> EdgeOrder:
    """Ranks and neighbour bitsets of the graph with edges (a[e], b[e]), a < b, valued vals[e]."""
    E = len(vals)
    dtype = np.int16 if E < np.iinfo(np.int16).max else np.int32
    rank = np.empty(E, dtype)
    rank[np.argsort(vals, kind="stable")] = np.arange(E, dtype=dtype)
    R = np.full((T, T), np.iinfo(dtype).max, dtype)
    R[a, b] = rank
    R[b, a] = rank
    words = (T + 63) // 64
    order = np.argsort(R, axis=1, kind="stable")  # (T, T) neighbours, lowest rank first
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.broadcast_to(np.arange(T), (T, T)), axis=1)
    one = np.zeros((T, T, words), np.uint64)
    v, k = np.indices((T, T))
    one[v, k, order // 64] = np.left_shift(np.uint64(1), (order % 64).astype(np.uint64))
    bits = np.zeros((T, T + 1, words), np.uint64)
    bits[:, 1:] = np.bitwise_or.accumulate(one, axis=1)
    stride = np.int64(np.iinfo(dtype).max) + 1
    keys = (np.take_along_axis(R, order, axis=1).astype(np.int64) + np.arange(T)[:, None] * stride).ravel()
    return EdgeOrder(rank, R, bits, pos, keys)


def opens_nothing(a: np.ndarray, b: np.ndarray, eo: EdgeOrder) -> np.ndarray:
    """Edges with a non-empty lens: the cycle each opens is filled at once, so no bar starts or ends there."""
    return (eo.bits[a, eo.pos[a, b]] & eo.bits[b, eo.pos[b, a]]).any(axis=1)


def essential_triangles(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray,
                        eo: EdgeOrder, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangles (F, 3) and their filtration values that give the same H0/H1 bars as all triangles.

    The edges (a, b, vals, their ranks `rank`) must be every edge of `eo` below some rank: a prefix of the order.
    Witnesses are tried cheapest first: the edge's best apex (the first vertex of its lens) and a few hub
    vertices (dense, per edge), the best apexes of the triangle's other two edges, and last an exact test with
    neighbourhood bitsets. The best apex's own triangle is always kept.
    """
    E, R = len(vals), eo.R
    flat = R.ravel()
    hub = np.argsort((R < E // 2).sum(axis=1), kind="stable")[::-1][:HUBS]  # vertices near many others early

    # Pass 1, per edge: M[e, c] = when c joins both ends of e; the best apex is the first such c.
    # Blocks of edges reuse preallocated buffers: fresh multi-MB temporaries would cost more in page faults.
    step = max(1, min(E, CHUNK // T))
    M, G = np.empty((step, T), R.dtype), np.empty((step, T), R.dtype)
    todo, tmp, tmp2 = np.empty((step, T), bool), np.empty((step, T), bool), np.empty((step, T), bool)
    apex, has_apex, left = np.empty(E, np.int64), np.empty(E, bool), []
    for s in range(0, E, step):
        n = min(step, E - s)
        m, g, td, tp, tq = M[:n], G[:n], todo[:n], tmp[:n], tmp2[:n]
        sa, sb, r = a[s:s + n], b[s:s + n], rank[s:s + n, None]
        np.take(R, sa, axis=0, out=m)
        np.maximum(m, np.take(R, sb, axis=0, out=g), out=m)  # (n, T)
        x = m.argmin(axis=1)
        mx = m[np.arange(n), x][:, None]
        apex[s:s + n], has_apex[s:s + n] = x, mx[:, 0] < r[:, 0]
        np.less(m, r, out=td)  # c in the lens of e ...
        td &= np.greater(m, mx, out=tp)  # ... after the apex ...
        td &= np.greater_equal(np.take(R, x, axis=0, out=g), r, out=tp)  # ... and the apex does not reach c
        for h in hub:  # a hub h covers c when h is in the lens before c and reaches c in time
            np.less_equal(m, np.maximum(R[sa, h], R[sb, h])[:, None], out=tp)
            td &= np.logical_or(tp, np.greater_equal(R[h][None, :], r, out=tq), out=tp)
        left.append(np.flatnonzero(td) + s * T)
    e, c = np.divmod(np.concatenate(left), T)

    if len(e):
        # Pass 2, per triangle: the best apexes of the other two edges {a, c} and {b, c} as witnesses
        ea, eb, rho = a[e], b[e], rank[e]
        second = np.maximum(flat[ea * T + c], flat[eb * T + c])  # rank of the triangle's second edge
        index = np.full(T * T, -1, np.int64)
        index[a * T + b] = index[b * T + a] = np.arange(E)
        redundant = np.zeros(len(e), bool)
        for p in (ea, eb):
            x = apex[index[p * T + c]] * T
            redundant |= (flat[x + ea] < second) & (flat[x + eb] < second) & (flat[x + c] < rho)
        kept = ~redundant
        e, c, ea, eb, rho, second = e[kept], c[kept], ea[kept], eb[kept], rho[kept], second[kept]
        # Pass 3, exact: a common neighbour of a and b before `second` that reaches c before rho?
        if len(e):
            common = eo.before(ea, second) & eo.before(eb, second) & eo.before(c, rho)
            kept = ~common.any(axis=1)
            e, c = e[kept], c[kept]

    with_apex = np.flatnonzero(has_apex)
    e, c = np.concatenate([e, with_apex]), np.concatenate([c, apex[with_apex]])
    lo, hi = np.minimum(a[e], c), np.maximum(b[e], c)  # a < b, so sorting (a, b, c) needs only these
    return np.stack([lo, a[e] + b[e] + c - lo - hi, hi], axis=1), vals[e]


def triangles_per_edge(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """For each edge, how many triangles of the flag complex enter with it (it is their highest-rank edge).

    Their cumulative sum over edges in value order counts the triangles at every radius, without listing them.

    Examples
    --------
    >>> triangles_per_edge(3, np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([.1, .2, .3])).tolist()
    [0, 0, 1]
    """
    E = len(vals)
    rank = np.empty(E, np.int64)
    rank[np.argsort(vals, kind="stable")] = np.arange(E)
    R = np.full((T, T), E, np.int64)
    R[a, b] = R[b, a] = rank
    out = np.empty(E, np.int64)
    step = max(1, CHUNK // max(T, 1))
    for s in range(0, E, step):
        M = np.maximum(R[a[s:s + step]], R[b[s:s + step]])
        out[s:s + step] = (M < rank[s:s + step, None]).sum(axis=1)
    return out


__all__ = ["EdgeOrder", "edge_order", "essential_triangles", "opens_nothing", "triangles_per_edge"]
