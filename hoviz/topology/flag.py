"""Exact persistence of a flag (Vietoris-Rips) filtration, fast: gudhi on a pruned complex with the same bars.

Two exact reductions before gudhi: (1) cut at the enclosing radius, where a vertex joins every other one and the
complex becomes a cone (nothing is born or survives after); (2) for H0/H1, keep only the triangles that no apex x
can replace: triangle abc with longest edge ab is redundant when some x has d(x,a), d(x,b) below abc's second edge
and d(x,c) below ab, since ∂(abc) = ∂(xbc) - ∂(xac) + ∂(xab) and those three come earlier (induction over the
order of triangles shows every boundary space, hence every bar, is unchanged). About one triangle per edge is left.
"""

from __future__ import annotations

import gudhi
import numpy as np

CHUNK = 1 << 18  # elements per (edges x T) block: cache-sized, and memory stays small whatever T is
HUBS = 2  # global witness vertices tried on every edge
SMALL = 40  # up to this many vertices, expanding every triangle is cheaper than choosing among them


def flag_persistence(F: np.ndarray, max_dim: int = 1, end: float = np.inf) -> dict[int, np.ndarray]:
    """Persistence diagrams {k: (n, 2)} of the flag filtration of a weighted graph, for k = 0..max_dim.

    Parameters
    ----------
    F : (T, T) float64, symmetric, zero diagonal
        Edge filtration values (distances) >= 0; +inf means "no edge". Callers validate (see _checks).
    max_dim : int
        Highest homology dimension. 1 uses the pruned complex (above SMALL vertices); 2 and up fall back to
        gudhi's edge collapse and the full expansion.
    end : float
        Where the filtration ends: edges with value >= end never enter, and classes still alive at `end` die
        there, except the one H0 class of the whole complex (death inf). With end=inf nothing is forced to die.

    Returns
    -------
    dict
        Rows (birth, death), sorted; zero-length bars are left out, as gudhi does by default.

    Examples
    --------
    >>> D = np.array([[0, .5, .5, .2], [.5, 0, .2, .5], [.5, .2, 0, .5], [.2, .5, .5, 0]])
    >>> flag_persistence(D, end=1.0)[0].tolist()
    [[0.0, 0.2], [0.0, 0.2], [0.0, 0.5], [0.0, inf]]
    """
    T = len(F)
    if T == 0:
        return {k: np.zeros((0, 2)) for k in range(max_dim + 1)}
    a, b = np.triu_indices(T, 1)
    vals = F[a, b]
    cone = F.max(axis=1).min() if T > 1 else 0.0  # enclosing radius: the complex is a cone from here on
    keep = (vals <= cone) & (vals < end)
    a, b, vals = a[keep], b[keep], vals[keep]

    G = np.full((T, T), np.inf)
    G[a, b] = G[b, a] = vals
    np.fill_diagonal(G, 0.0)
    st = gudhi.SimplexTree.create_from_array(G, max_filtration=vals.max() if len(vals) else 0.0)
    if max_dim == 1 and T > SMALL and len(vals):
        tri, tri_vals = essential_triangles(T, a, b, vals)
        if len(tri_vals):
            st.insert_batch(tri.T.copy(), tri_vals)
    elif max_dim >= 1:
        if max_dim >= 2:
            st.collapse_edges(nb_iterations=3)
        st.expansion(max_dim + 1)
    # gudhi skips the top dimension unless asked; ask when the complex has no simplex above max_dim
    st.compute_persistence(persistence_dim_max=st.dimension() <= max_dim)

    out = {}
    for k in range(max_dim + 1):
        d = np.asarray(st.persistence_intervals_in_dimension(k), dtype=np.float64).reshape(-1, 2)
        if np.isfinite(end):
            alive = np.isinf(d[:, 1])
            if k == 0 and alive.any():
                alive[np.flatnonzero(alive)[0]] = False  # the class of the whole complex never dies
            d[alive, 1] = end
        out[k] = d[np.lexsort((d[:, 1], d[:, 0]))]
    return out


def essential_triangles(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray,
                        hubs: int = HUBS) -> tuple[np.ndarray, np.ndarray]:
    """Triangles (F, 3) and their filtration values that give the same H0/H1 bars as all triangles of the graph.

    The graph has edges (a[e], b[e]), a < b, with values vals[e]. Ranks (values, ties broken by edge order) make
    the order strict; a triangle enters with its highest-rank edge ab, and c ranges over ab's "lens" (vertices
    joined to both a and b earlier). Witnesses x that make abc redundant are tried cheapest first: ab's own best
    apex and a few hub vertices (dense, per edge), the best apexes of the triangle's other two edges, and last an
    exact test with neighbourhood bitsets on what is left. The best apex's triangle itself is always kept.
    """
    E = len(vals)
    rank, R = edge_ranks(T, a, b, vals)
    dtype = R.dtype
    flat = R.ravel()
    hub = np.argsort((R < E // 2).sum(axis=1), kind="stable")[::-1][:hubs]  # vertices near many others early

    # Pass 1, per edge: M[e, c] = when c joins both ends of e; the best apex is the first such c.
    # Blocks of edges reuse preallocated buffers: fresh multi-MB temporaries would cost more in page faults.
    step = max(1, min(E, CHUNK // T))
    M, G = np.empty((step, T), dtype), np.empty((step, T), dtype)
    todo, tmp, tmp2 = np.empty((step, T), bool), np.empty((step, T), bool), np.empty((step, T), bool)
    apex = np.empty(E, np.int64)
    has_apex = np.empty(E, bool)
    left = []
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
            bits, count = _neighbour_bitsets(R)
            common = bits[ea, count(ea, second)] & bits[eb, count(eb, second)] & bits[c, count(c, rho)]
            kept = ~common.any(axis=1)
            e, c = e[kept], c[kept]

    with_apex = np.flatnonzero(has_apex)
    e, c = np.concatenate([e, with_apex]), np.concatenate([c, apex[with_apex]])
    lo, hi = np.minimum(a[e], c), np.maximum(b[e], c)  # a < b, so sorting (a, b, c) needs only these
    return np.stack([lo, a[e] + b[e] + c - lo - hi, hi], axis=1), vals[e]


def edge_ranks(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Strict ranks of the edges (by value, ties by edge order) and the (T, T) rank matrix, int16 when it fits.

    Missing edges and the diagonal get the dtype's maximum, which is larger than every rank.
    """
    E = len(vals)
    dtype = np.int16 if E < np.iinfo(np.int16).max else np.int32
    rank = np.empty(E, dtype)
    rank[np.argsort(vals, kind="stable")] = np.arange(E, dtype=dtype)
    R = np.full((T, T), np.iinfo(dtype).max, dtype)
    R[a, b] = rank
    R[b, a] = rank
    return rank, R


def triangles_per_edge(T: int, a: np.ndarray, b: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """For each edge, how many triangles of the flag complex enter with it (it is their highest-rank edge).

    Their cumulative sum over edges in value order counts the triangles at every radius, without listing them.

    Examples
    --------
    >>> triangles_per_edge(3, np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([.1, .2, .3])).tolist()
    [0, 0, 1]
    """
    rank, R = edge_ranks(T, a, b, vals)
    out = np.empty(len(vals), np.int64)
    step = max(1, CHUNK // max(T, 1))
    for s in range(0, len(vals), step):
        M = np.maximum(R[a[s:s + step]], R[b[s:s + step]])
        out[s:s + step] = (M < rank[s:s + step, None]).sum(axis=1)
    return out


def _neighbour_bitsets(R: np.ndarray):
    """Bitsets of each vertex's first k neighbours in rank order, and a counter of neighbours before a rank."""
    T = len(R)
    words = (T + 63) // 64
    order = np.argsort(R, axis=1, kind="stable")  # (T, T) neighbours, nearest (lowest rank) first
    one = np.zeros((T, T, words), np.uint64)
    v, k = np.indices((T, T))
    one[v, k, order // 64] = np.left_shift(np.uint64(1), (order % 64).astype(np.uint64))
    bits = np.zeros((T, T + 1, words), np.uint64)
    bits[:, 1:] = np.bitwise_or.accumulate(one, axis=1)  # bits[v, k]: v's k nearest neighbours
    stride = np.int64(np.iinfo(R.dtype).max) + 1
    keys = (np.take_along_axis(R, order, axis=1).astype(np.int64) + np.arange(T)[:, None] * stride).ravel()

    def count(vertex: np.ndarray, below: np.ndarray) -> np.ndarray:
        """How many neighbours of `vertex` come before rank `below`."""
        return np.searchsorted(keys, vertex * stride + below) - vertex * T

    return bits, count


__all__ = ["edge_ranks", "essential_triangles", "flag_persistence", "triangles_per_edge"]
