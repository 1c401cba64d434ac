"""Graph pairs for the expressivity lab, and the clique complex that tells them apart (docs/theory.md §5.2).

2×K3 vs C6 fool 1-WL, yet their clique complexes have Betti numbers (2, 0) vs (1, 1). The 4×4 rook's graph
(K4□K4) and the Shrikhande graph are both SRG(16, 6, 2, 2) and fool even 3-WL; the rank-2 clique complex
(triangles filled, K4s left hollow) has Betti numbers (1, 9, 8) vs (1, 2, 1), a torus for Shrikhande.
"""

from __future__ import annotations

import gudhi
import networkx as nx
import numpy as np

from hoviz.topology._checks import check_count, check_dim, check_graph


def two_triangles() -> nx.Graph:
    """Two disjoint triangles, 2×K3 (6 nodes, 6 edges, 2-regular).

    Examples
    --------
    >>> g = two_triangles(); g.number_of_nodes(), g.number_of_edges()
    (6, 6)
    """
    g = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    g.graph["name"] = "2×K3"
    return g


def hexagon() -> nx.Graph:
    """The 6-cycle C6 (6 nodes, 6 edges, 2-regular).

    Examples
    --------
    >>> sorted(d for _, d in hexagon().degree())
    [2, 2, 2, 2, 2, 2]
    """
    g = nx.cycle_graph(6)
    g.graph["name"] = "C6"
    return g


def rook_graph() -> nx.Graph:
    """The 4×4 rook's graph K4□K4: nodes (row, col), adjacent when they share a row or a column.

    Examples
    --------
    >>> g = rook_graph(); g.number_of_nodes(), g.number_of_edges(), sum(nx.triangles(g).values()) // 3
    (16, 48, 32)
    """
    g = nx.Graph(name="Rook 4×4 (K4□K4)")
    cells = [(r, c) for r in range(4) for c in range(4)]
    g.add_nodes_from(cells)
    g.add_edges_from((u, v) for u in cells for v in cells if u < v and (u[0] == v[0]) != (u[1] == v[1]))
    return g


def shrikhande_graph() -> nx.Graph:
    """The Shrikhande graph: the Cayley graph on Z4×Z4 with connection set ±(1,0), ±(0,1), ±(1,1).

    Examples
    --------
    >>> g = shrikhande_graph(); g.number_of_nodes(), g.number_of_edges(), sum(nx.triangles(g).values()) // 3
    (16, 48, 32)
    """
    g = nx.Graph(name="Shrikhande")
    cells = [(r, c) for r in range(4) for c in range(4)]
    g.add_nodes_from(cells)
    for r, c in cells:
        for dr, dc in ((1, 0), (0, 1), (1, 1)):  # the other three of ± are the same edges seen from the far end
            g.add_edge((r, c), ((r + dr) % 4, (c + dc) % 4))
    return g


def clique_complex(graph: nx.Graph, max_dim: int = 2) -> dict:
    """The clique complex of a graph up to triangles, in display form (vertices in ``list(graph.nodes)`` order).

    Examples
    --------
    >>> cx = clique_complex(two_triangles()); len(cx["edges"]), len(cx["triangles"])
    (6, 2)
    """
    max_dim = check_dim(max_dim, (0, 1, 2))
    st, nodes = _simplex_tree(graph, max_dim)
    edges = [s for s, _ in st.get_skeleton(1) if len(s) == 2]
    tris = [s for s, _ in st.get_skeleton(2) if len(s) == 3]
    edges = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
    tris = np.array(sorted(tris), dtype=np.int64).reshape(-1, 3)
    return {"num_vertices": len(nodes), "edges": edges, "edge_filtration": np.zeros(len(edges)),
            "triangles": tris, "triangle_filtration": np.zeros(len(tris)), "max_dim": max_dim,
            "labels": [str(v) for v in nodes]}


def clique_complex_betti(graph: nx.Graph, max_dim: int = 2) -> list[int]:
    """Betti numbers [b0, ..., b_max_dim] of the graph's clique complex with simplices up to dimension max_dim.

    The top dimension is not filled in further (with max_dim=2 a K4 is a hollow sphere), as in docs/theory.md §5.2.

    Examples
    --------
    >>> clique_complex_betti(two_triangles()), clique_complex_betti(hexagon())
    ([2, 0, 0], [1, 1, 0])
    >>> clique_complex_betti(rook_graph()), clique_complex_betti(shrikhande_graph())
    ([1, 9, 8], [1, 2, 1])
    """
    max_dim = check_count(max_dim, "max_dim", minimum=0, allow_none=False)
    st, _ = _simplex_tree(graph, max_dim)
    st.compute_persistence(persistence_dim_max=True)
    betti = [int(b) for b in st.betti_numbers()][: max_dim + 1]
    return betti + [0] * (max_dim + 1 - len(betti))


def _simplex_tree(graph: nx.Graph, max_dim: int) -> tuple[gudhi.SimplexTree, list]:
    check_graph(graph)
    nodes = list(graph.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    st = gudhi.SimplexTree()
    for i in range(len(nodes)):
        st.insert([i])
    if max_dim >= 1:
        for u, v in graph.edges:
            st.insert(sorted((index[u], index[v])))
        st.expansion(max_dim)
    return st, nodes


__all__ = ["clique_complex", "clique_complex_betti", "hexagon", "rook_graph", "shrikhande_graph", "two_triangles"]
