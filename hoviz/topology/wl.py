"""1-WL colour refinement (Weisfeiler-Lehman), the bound on message-passing GNNs and on attention as a GAT.

Each round, a node's new colour hashes its colour and the multiset of its neighbours' colours (networkx's
Weisfeiler-Lehman hashes). Two graphs are 1-WL-indistinguishable when every round gives equal colour histograms;
colours are hashes, so equal strings mean equal colours across graphs too (the app colours both graphs alike).
"""

from __future__ import annotations

import warnings

import networkx as nx

from hoviz.topology._checks import check_count, check_graph

UNIFORM = "0"  # every node's colour before the first round


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


def wl_indistinguishable(g1: nx.Graph, g2: nx.Graph, iterations: int | None = None) -> bool:
    """True when 1-WL cannot tell g1 and g2 apart (equal WL graph hashes).

    Parameters
    ----------
    g1, g2 : networkx.Graph
        Undirected, no self-loops.
    iterations : int, optional
        Rounds of refinement; None runs to stability (as many rounds as the larger graph has nodes).

    Examples
    --------
    >>> wl_indistinguishable(two_triangles(), hexagon()), wl_indistinguishable(hexagon(), nx.path_graph(6))
    (True, False)
    """
    check_graph(g1, "g1")
    check_graph(g2, "g2")
    iterations = check_count(iterations, "iterations", minimum=1)
    if g1.number_of_nodes() != g2.number_of_nodes() or g1.number_of_edges() != g2.number_of_edges():
        return False
    k = iterations if iterations is not None else max(g1.number_of_nodes(), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return nx.weisfeiler_lehman_graph_hash(g1, iterations=k) == nx.weisfeiler_lehman_graph_hash(g2, iterations=k)


__all__ = ["wl_colours", "wl_indistinguishable"]
