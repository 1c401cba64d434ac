"""The Weisfeiler-Leman ladder (hoviz.topology.wl): 1-WL colour refinement and the folklore k-WL, on pairs whose
answers are known, isomorphic copies, trees, and the monotonicity of the ladder. Tiny graphs, seeded, CPU."""

import random

import networkx as nx
import pytest

from hoviz.errors import TopologyError
from hoviz.topology import hexagon, rook_graph, shrikhande_graph, two_triangles
from hoviz.topology.wl import smallest_separating_k, wl_indistinguishable, wl_ladder, wl_test


@pytest.mark.parametrize("iterations", [1, 2, 3, None])
def test_star_and_path_differ_from_the_first_round(iterations):
    # K1,3 and P4 have 4 nodes and 3 edges each; one round (degrees) already tells them apart
    assert not wl_indistinguishable(nx.star_graph(3), nx.path_graph(4), iterations=iterations)
    assert wl_test(nx.star_graph(3), nx.path_graph(4), iterations=iterations).rounds == 1


def test_two_triangles_vs_hexagon_need_k2():
    g, h = two_triangles(), hexagon()
    assert wl_indistinguishable(g, h, k=1) and not wl_indistinguishable(g, h, k=2)
    assert [r.separated for r in wl_ladder(g, h)] == [False, True] and smallest_separating_k(g, h) == 2


def test_rook_vs_shrikhande_need_k3():
    g, h = rook_graph(), shrikhande_graph()
    assert wl_indistinguishable(g, h, k=1) and wl_indistinguishable(g, h, k=2)
    assert not wl_indistinguishable(g, h, k=3)  # 3-tuples see the rook graph's K4s
    assert smallest_separating_k(g, h) == 3 and smallest_separating_k(g, h, max_k=2) is None


def test_isomorphic_copies_are_never_separated():
    rng = random.Random(0)
    for seed in range(3):
        g = nx.gnm_random_graph(8, 12, seed=seed)
        perm = list(g.nodes)
        rng.shuffle(perm)
        h = nx.relabel_nodes(g, dict(zip(g.nodes, perm)))  # same graph, nodes listed in another order
        for k in (1, 2, 3):
            assert wl_indistinguishable(g, h, k=k), (seed, k)


def test_1wl_identifies_trees():
    # colour refinement separates every pair of non-isomorphic trees (a classical theorem), so it must here
    trees = [nx.random_labeled_tree(9, seed=s) for s in range(12)]
    for a in range(len(trees)):
        for b in range(a + 1, len(trees)):
            assert wl_indistinguishable(trees[a], trees[b]) == nx.is_isomorphic(trees[a], trees[b])


def test_ladder_is_monotone_on_random_pairs():
    for seed in range(6):
        g, h = nx.random_regular_graph(3, 8, seed=seed), nx.random_regular_graph(3, 8, seed=100 + seed)
        seps = [wl_test(g, h, k=k).separated for k in (1, 2, 3)]
        assert seps == sorted(seps), seps  # once a rung separates, every higher rung does
        if seps[-1]:
            assert not nx.is_isomorphic(g, h)


def test_different_sizes_and_bad_input():
    assert not wl_indistinguishable(nx.path_graph(3), nx.path_graph(4), k=2)
    assert wl_indistinguishable(nx.Graph(), nx.Graph(), k=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(TopologyError):
            wl_test(hexagon(), hexagon(), k=bad)
    with pytest.raises(TopologyError, match="smaller k"):
        wl_test(nx.path_graph(40), nx.path_graph(40), k=4)
    with pytest.raises(TopologyError):
        wl_indistinguishable(hexagon(), nx.DiGraph([(0, 1)]), k=2)
