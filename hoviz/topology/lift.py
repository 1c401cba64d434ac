"""Lifting tokens to a simplicial complex: the Vietoris-Rips complex of a distance matrix at one radius.

Optionally capped as in TopoBench and hoviz's simplicial mixers (docs/theory.md §4.2): each edge {j, i}, j < i, belongs
to its later token i, which keeps at most `max_per_vertex` nearest earlier tokens. Capping keeps the first k of a
list sorted by distance, so the capped complexes still grow with the radius and form a filtration: Betti curves
over all radii come from one persistence computation (`betti_curves`). Typical use, for one attention head:
    cx = lift(attention_distance(A), radius=0.9, max_per_vertex=4); betti_numbers(cx)
"""

from __future__ import annotations

import gudhi
import numpy as np

from hoviz.errors import TopologyError
from hoviz.topology._checks import (
    check_count,
    check_dim,
    check_distance,
    check_radii,
    check_radius,
    check_size,
)
from hoviz.topology.flag import flag_persistence
from hoviz.topology.pruning import CHUNK, triangles_per_edge

MAX_TRIANGLES = 5_000_000  # a lift larger than this is refused, not built (about 160 MB of arrays)


def lift(D, radius: float, max_dim: int = 2, max_per_vertex: int | None = None,
         max_triangles: int = MAX_TRIANGLES) -> dict:
    """The Vietoris-Rips complex of D at `radius`, in hoviz's display form (a dict).

    Parameters
    ----------
    D : (T, T) array
        Distances in [0, 1], symmetric, zero diagonal (e.g. `attention_distance(A)`).
    radius : float
        In [0, 1]: an edge enters when its distance is <= radius, a triangle when its three edges have.
    max_dim : int
        0 (tokens only), 1 (a graph) or 2 (with triangles).
    max_per_vertex : int, optional
        Keep, for each token i, only its `max_per_vertex` nearest earlier tokens j < i (ties: smaller j first).
    max_triangles : int
        Refuse (TopologyError) to build more triangles than this; lower the radius or cap instead.

    Returns
    -------
    dict
        ``num_vertices``; ``edges`` (E, 2) int64, rows j < i in lexicographic order; ``edge_filtration`` (E,);
        ``triangles`` (F, 3) int64 sorted rows; ``triangle_filtration`` (F,) (the longest edge); ``radius``;
        ``max_dim``.

    Examples
    --------
    >>> D = np.array([[0, .2, .3], [.2, 0, .9], [.3, .9, 0]])
    >>> cx = lift(D, radius=0.5)
    >>> cx["edges"].tolist(), cx["triangles"].shape
    ([[0, 1], [0, 2]], (0, 3))
    """
    radius = check_radius(radius)
    max_dim = check_dim(max_dim, (0, 1, 2))
    F = lift_filtration(D, max_per_vertex)
    return complex_at(F, radius, max_dim, max_triangles)


def lift_filtration(D, max_per_vertex: int | None = None) -> np.ndarray:
    """The (capped) lift as a weighted graph: D where the cap keeps the edge, inf elsewhere; zero diagonal.

    Examples
    --------
    >>> lift_filtration([[0, .2, .3], [.2, 0, .1], [.3, .1, 0]], max_per_vertex=1).tolist()
    [[0.0, 0.2, inf], [0.2, 0.0, 0.1], [inf, 0.1, 0.0]]
    """
    F = check_distance(D, upper=1.0)
    cap = check_count(max_per_vertex, "max_per_vertex")
    T = len(F)
    if cap is not None and T:
        earlier = np.where(np.tri(T, k=-1, dtype=bool), F, np.inf)  # row i: distances to j < i
        order = np.argsort(earlier, axis=1, kind="stable")  # nearest first, ties by smaller j
        place = np.empty_like(order)
        np.put_along_axis(place, order, np.arange(T)[None, :].repeat(T, axis=0), axis=1)
        kept = (place < cap) & np.isfinite(earlier)
        kept |= kept.T
        F = np.where(kept, F, np.inf)
        np.fill_diagonal(F, 0.0)
    return F


def complex_at(F: np.ndarray, radius: float, max_dim: int = 2, max_triangles: int = MAX_TRIANGLES) -> dict:
    """The flag complex of the weighted graph F (inf: no edge) at `radius`, in display form (see `lift`)."""
    T = len(F)
    a, b = np.nonzero(np.triu(F <= radius, k=1)) if max_dim >= 1 else (np.zeros(0, np.int64),) * 2
    cx = {"num_vertices": T, "edges": np.stack([a, b], axis=1).astype(np.int64), "edge_filtration": F[a, b],
          "triangles": np.zeros((0, 3), np.int64), "triangle_filtration": np.zeros(0), "radius": radius,
          "max_dim": max_dim}
    if max_dim == 2:
        cx["triangles"], cx["triangle_filtration"] = flag_triangles(F, a, b, radius, max_triangles)
    return cx


def flag_triangles(F: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float,
                   max_triangles: int = MAX_TRIANGLES) -> tuple[np.ndarray, np.ndarray]:
    """Triangles a < b < c of the graph {F <= radius} with edges (a, b), and their values (longest edge)."""
    T = len(F)
    near = F <= radius
    tris, vals, total = [], [], 0
    step = max(1, CHUNK // max(T, 1))
    later = np.arange(T)[None, :]
    for s in range(0, len(a), step):
        sa, sb = a[s:s + step], b[s:s + step]
        e, c = np.nonzero(near[sa] & near[sb] & (later > sb[:, None]))  # c > b closes the triangle once
        total += len(e)
        if total > max_triangles:
            raise TopologyError(f"this lift has more than {max_triangles:,} triangles; lower the radius or set "
                                "max_per_vertex")
        ea, eb = sa[e], sb[e]
        vals.append(np.maximum(np.maximum(F[ea, eb], F[ea, c]), F[eb, c]))
        tris.append(np.stack([ea, eb, c], axis=1))
    v = np.concatenate(vals) if vals else np.zeros(0)
    t = np.concatenate(tris).astype(np.int64) if tris else np.zeros((0, 3), np.int64)
    return t, v


def betti_numbers(cx: dict, max_dim: int | None = None) -> list[int]:
    """Betti numbers [b0, ..., b_max_dim] of a display-form complex (a lift, a clique complex or a traced one).

    Computed by gudhi over Z/11 from the simplices themselves (their values are ignored).

    Examples
    --------
    >>> betti_numbers({"num_vertices": 3, "edges": [[0, 1], [1, 2], [0, 2]], "triangles": []})
    [1, 1, 0]
    """
    max_dim = check_dim(cx.get("max_dim", 2) if max_dim is None else max_dim, (0, 1, 2))
    st = gudhi.SimplexTree()
    n = int(cx["num_vertices"])
    if n:
        st.insert_batch(np.arange(n)[None, :], np.zeros(n))
    for key, width, dim in (("edges", 2, 1), ("triangles", 3, 2)):
        s = np.asarray(cx.get(key, np.zeros((0, width))), dtype=np.int64).reshape(-1, width)
        if dim <= max_dim and len(s):
            st.insert_batch(s.T.copy(), np.zeros(len(s)))
    st.compute_persistence(persistence_dim_max=True)
    betti = list(st.betti_numbers())[: max_dim + 1]
    return [int(x) for x in betti] + [0] * (max_dim + 1 - len(betti))


def betti_curves(D, radii, max_dim: int = 2, max_per_vertex: int | None = None) -> np.ndarray:
    """Betti numbers of `lift(D, r, max_dim, max_per_vertex)` for every r in `radii`, from one persistence run.

    b0 and b1 come from the persistence of the lift's flag filtration; the top Betti number from the Euler
    characteristic (V - E + F = b0 - b1 + b2), with triangles counted per edge, never listed.

    Returns
    -------
    numpy.ndarray, (len(radii), max_dim + 1), int64

    Examples
    --------
    >>> D = np.array([[0, .2, .3], [.2, 0, .4], [.3, .4, 0]])
    >>> betti_curves(D, [0.1, 0.35, 0.5]).tolist()
    [[3, 0, 0], [1, 0, 0], [1, 0, 0]]
    >>> betti_curves(D, [0.1, 0.35, 0.5], max_dim=1).tolist()
    [[3, 0], [1, 0], [1, 1]]
    """
    r = check_radii(radii)
    max_dim = check_dim(max_dim, (0, 1, 2))
    F = lift_filtration(D, max_per_vertex)
    T = len(F)
    check_size(T)
    out = np.zeros((len(r), max_dim + 1), np.int64)
    out[:, 0] = T
    if max_dim == 0 or T == 0:
        return out
    a, b = np.nonzero(np.triu(np.isfinite(F), k=1))
    vals = F[a, b]
    order = np.argsort(vals, kind="stable")
    edges_at = np.searchsorted(vals[order], r, side="right")  # E(r): edges are a prefix in value order
    bars = flag_persistence(F, max_dim=1)
    alive = [((d[:, 0][None, :] <= r[:, None]) & (d[:, 1][None, :] > r[:, None])).sum(1) for d in bars.values()]
    out[:, 0] = alive[0]
    if max_dim == 1:
        out[:, 1] = edges_at - T + alive[0]  # a graph's cycle rank
        return out
    out[:, 1] = alive[1]
    new_triangles = np.concatenate([[0], np.cumsum(triangles_per_edge(T, a, b, vals)[order])])
    out[:, 2] = T - edges_at + new_triangles[edges_at] - alive[0] + alive[1]  # Euler characteristic
    return out


__all__ = ["MAX_TRIANGLES", "betti_curves", "betti_numbers", "complex_at", "flag_triangles", "lift",
           "lift_filtration"]
