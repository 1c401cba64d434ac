"""The Weisfeiler-Leman ladder: 1-WL colour refinement and the folklore k-WL (k-FWL), the bounds on what message
passing, attention read as a graph layer, and k-tuple layers can tell apart.

k = 1: a node's new colour hashes its colour and its neighbours' multiset (networkx's WL hashes), the bound on
message-passing GNNs (Xu et al. 2019; Morris et al. 2019). k >= 2: folklore k-WL on k-tuples, exact (colours are
renumbered jointly, no hashing), as strong as the (k+1)-dimensional oblivious WL (Cai, Fürer & Immerman 1992; Grohe).
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass

import networkx as nx
import numpy as np

from hoviz.errors import TopologyError
from hoviz.topology._checks import check_count, check_graph

UNIFORM = "0"  # every node's colour before the first round
MAX_FWL_WORK = 2_000_000  # n^(k+1) colour lookups a round: k = 3 on 16 nodes is 65,536


@dataclass(frozen=True)
class WLResult:
    """One rung of the ladder on one pair: k (1: colour refinement, >= 2: folklore k-WL), the verdict, and the
    rounds run until it was reached (0: the sizes or the tuples' types already differ)."""

    k: int
    separated: bool
    rounds: int


def wl_colours(graph: nx.Graph, iterations: int | None = None) -> list[dict]:
    """Colour refinement, round by round: ``[{node: colour}, ...]``, round 0 being all one colour.

    Parameters
    ----------
    graph : networkx.Graph
        Undirected, no self-loops.
    iterations : int, optional
        Rounds to run; None runs until the partition into colour classes stops changing (the last two rounds
        then have equally many classes).

    Returns
    -------
    list of dict
        ``colours[t][v]`` is v's colour after t rounds (round 1 colours by degree).

    Examples
    --------
    >>> rounds = wl_colours(hexagon())
    >>> len(rounds), len(set(rounds[-1].values()))
    (2, 1)
    """
    check_graph(graph)
    iterations = check_count(iterations, "iterations", minimum=1)
    rounds = [{v: UNIFORM for v in graph.nodes}]
    if graph.number_of_nodes() == 0:
        return rounds
    k = iterations if iterations is not None else graph.number_of_nodes()
    with warnings.catch_warnings():  # networkx notes that its hashes changed in 3.5; ours are never stored
        warnings.simplefilter("ignore", UserWarning)
        hashes = nx.weisfeiler_lehman_subgraph_hashes(graph, iterations=k)  # node -> [hash after round 1, ...]
    classes = 1
    for t in range(k):
        rounds.append({v: hashes[v][t] for v in graph.nodes})
        now = len(set(rounds[-1].values()))
        if iterations is None and now == classes:
            break  # refinement only splits classes: no new split means stable from here on
        classes = now
    return rounds


def _refinement_rounds(g1: nx.Graph, g2: nx.Graph, iterations: int | None) -> tuple[bool, int]:
    """1-WL on both graphs with comparable colours: (histograms equal after every round, rounds run)."""
    limit = g1.number_of_nodes() + g2.number_of_nodes()  # the union's partition is stable within this many rounds
    rounds = limit if iterations is None else iterations
    with warnings.catch_warnings():  # networkx notes that its hashes changed in 3.5; ours are never stored
        warnings.simplefilter("ignore", UserWarning)
        h1 = nx.weisfeiler_lehman_subgraph_hashes(g1, iterations=rounds)  # node -> [colour after round 1, ...]
        h2 = nx.weisfeiler_lehman_subgraph_hashes(g2, iterations=rounds)
    classes = 1
    for t in range(rounds):
        c1, c2 = Counter(h[t] for h in h1.values()), Counter(h[t] for h in h2.values())
        if c1 != c2:
            return False, t + 1
        now = len(set(c1) | set(c2))
        if iterations is None and now == classes:
            return True, t + 1  # no class split in this round: the joint partition is stable
        classes = now
    return True, rounds


def _atomic_types(adj: np.ndarray, k: int) -> np.ndarray:
    """(n,)*k int: each k-tuple's isomorphism type, from which of its entries are equal or adjacent."""
    n = adj.shape[0]
    idx = np.indices((n,) * k)  # (k, n, ..., n)
    code = np.zeros((n,) * k, dtype=np.int64)
    for a in range(k):
        for b in range(a + 1, k):
            code = code * 3 + np.where(idx[a] == idx[b], 2, adj[idx[a], idx[b]].astype(np.int64))
    return code


def _renumber(*arrays: np.ndarray) -> list[np.ndarray]:
    """Rows (last axis) of several arrays -> dense ids 0..K-1, equal rows equal ids across all arrays."""
    flat = [a.reshape(-1, a.shape[-1]) for a in arrays]
    _, ids = np.unique(np.concatenate(flat), axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    out, start = [], 0
    for a, f in zip(arrays, flat):
        out.append(ids[start:start + len(f)].reshape(a.shape[:-1]))
        start += len(f)
    return out


def _fwl_step(c: np.ndarray, k: int) -> np.ndarray:
    """(n,)*k + (n, k): for every tuple v and node w, the colours of v with entry p replaced by w, p = 1..k."""
    n = c.shape[0]
    parts = [np.broadcast_to(np.expand_dims(np.moveaxis(c, p, -1), p), (n,) * k + (n,)) for p in range(k)]
    return np.stack(parts, axis=-1)


def _folklore_rounds(g1: nx.Graph, g2: nx.Graph, k: int, iterations: int | None) -> tuple[bool, int]:
    """Folklore k-WL on both graphs, colours renumbered jointly: (histograms equal throughout, rounds run)."""
    n = g1.number_of_nodes()
    if n ** (k + 1) > MAX_FWL_WORK:
        raise TopologyError(f"folklore {k}-WL on {n} nodes needs {n ** (k + 1):,} colour lookups a round, more than "
                            f"{MAX_FWL_WORK:,}; use a smaller k or smaller graphs")
    adjs = [nx.to_numpy_array(g, nodelist=list(g.nodes), dtype=bool) for g in (g1, g2)]  # (n, n) each
    c1, c2 = _renumber(*[_atomic_types(a, k)[..., None] for a in adjs])  # (n,)*k each
    classes, t = len(np.union1d(c1, c2)), 0
    while True:
        if not np.array_equal(np.bincount(c1.ravel(), minlength=classes), np.bincount(c2.ravel(), minlength=classes)):
            return False, t
        if iterations is not None and t == iterations:
            return True, t
        s1, s2 = _renumber(_fwl_step(c1, k), _fwl_step(c2, k))  # (n,)*k + (n,): one id per replaced k-tuple
        rows = [np.concatenate([c[..., None], np.sort(s, axis=-1)], axis=-1) for c, s in ((c1, s1), (c2, s2))]
        c1, c2 = _renumber(*rows)  # own colour + multiset over w
        t += 1
        now = len(np.union1d(c1, c2))
        if now == classes and iterations is None:
            same = np.array_equal(np.bincount(c1.ravel(), minlength=now), np.bincount(c2.ravel(), minlength=now))
            return same, t  # refinement only splits classes: none split, so stable from here on
        classes = now


def wl_test(g1: nx.Graph, g2: nx.Graph, k: int = 1, iterations: int | None = None) -> WLResult:
    """Run the k-th rung of the ladder on a pair: whether it separates them, and after how many rounds."""
    check_graph(g1, "g1")
    check_graph(g2, "g2")
    k = check_count(k, "k", minimum=1, allow_none=False)
    iterations = check_count(iterations, "iterations", minimum=1)
    if g1.number_of_nodes() != g2.number_of_nodes():
        return WLResult(k, separated=True, rounds=0)
    if g1.number_of_nodes() == 0:
        return WLResult(k, separated=False, rounds=0)
    same, rounds = _refinement_rounds(g1, g2, iterations) if k == 1 else _folklore_rounds(g1, g2, k, iterations)
    return WLResult(k, separated=not same, rounds=rounds)


def wl_indistinguishable(g1: nx.Graph, g2: nx.Graph, k: int = 1, iterations: int | None = None) -> bool:
    """True when the k-th rung cannot tell g1 and g2 apart: 1-WL (k = 1) or folklore k-WL (k >= 2).

    Parameters
    ----------
    g1, g2 : networkx.Graph
        Undirected, no self-loops.
    k : int
        1: colour refinement. k >= 2: folklore k-WL on k-tuples (as strong as (k+1)-WL); n^(k+1) work a round.
    iterations : int, optional
        Rounds of refinement; None runs to stability.

    Examples
    --------
    >>> wl_indistinguishable(two_triangles(), hexagon()), wl_indistinguishable(two_triangles(), hexagon(), k=2)
    (True, False)
    """
    return not wl_test(g1, g2, k, iterations).separated


def wl_ladder(g1: nx.Graph, g2: nx.Graph, max_k: int = 3) -> list[WLResult]:
    """Rungs k = 1, 2, ... up to the first that separates the pair (or max_k): one WLResult each."""
    max_k = check_count(max_k, "max_k", minimum=1, allow_none=False)
    out = []
    for k in range(1, max_k + 1):
        out.append(wl_test(g1, g2, k))
        if out[-1].separated:
            break
    return out


def smallest_separating_k(g1: nx.Graph, g2: nx.Graph, max_k: int = 3) -> int | None:
    """The smallest k whose rung separates the pair, or None if none up to max_k does."""
    last = wl_ladder(g1, g2, max_k)[-1]
    return last.k if last.separated else None


__all__ = ["WLResult", "smallest_separating_k", "wl_colours", "wl_indistinguishable", "wl_ladder", "wl_test"]
