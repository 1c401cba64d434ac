"""Figures that read: the mask drawn in the 3-way slice, thinned attention graphs, zero-persistence points hidden,
clipped Betti curves, the Rook graph's triangles with area in the grid layout. Run: pytest -q tests/test_viz_readable.py
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from hoviz.viz.attention import graph_edges
from hoviz.viz.layout import graph_positions
from hoviz.viz.persistence import betti_curves_figure, persistence_diagram_figure
from hoviz.viz.threeway import mask_categories, mask_slice_figure, reads_future, region_outline, slice_heatmap


def test_slice_shows_the_mask_and_its_mask_panel_has_the_same_extent():
    T, i = 8, 4
    causal = np.zeros((T, T), bool)
    causal[: i + 1, : i + 1] = True
    leaky = causal.copy()
    leaky[:2, 6] = True  # two pairs with a key after i
    assert not reads_future(causal, i) and reads_future(leaky, i)
    future = mask_categories(leaky, i) == 2
    fig = slice_heatmap(np.random.default_rng(0).random((T, T)), list("abcdefgh"), allowed=leaky, future=future)
    assert len(fig.data) == 2 and fig.data[1].line.color == "#d62728"  # the leak outlined in the slice itself
    mask = mask_slice_figure(leaky, i, list("abcdefgh"), extent=(0, 5, 0, 7))
    assert fig.layout.xaxis.range == mask.layout.xaxis.range == (-0.5, 6.5)
    assert np.asarray(mask.data[0].z).shape == np.asarray(fig.data[0].z).shape == (5, 7)
    assert "none after i" in slice_heatmap(np.ones((T, T)), list("abcdefgh"), allowed=causal,
                                           future=mask_categories(causal, i) == 2).layout.title.text


def test_region_outline_is_the_border_of_the_region():
    x, _ = region_outline(np.array([[True, True], [False, False]]))
    assert np.isnan(x).sum() == 6  # a 1x2 block: 2 top + 2 bottom + 2 side unit segments


def test_graph_keeps_each_querys_top_keys():
    P = np.tril(np.random.default_rng(1).random((12, 12)))
    P /= P.sum(1, keepdims=True)
    edges = graph_edges(P, threshold=0.0, top_k=2)
    per_query = np.bincount([i for _, i, _ in edges], minlength=12)
    assert per_query.max() == 2 and len(edges) == 1 + 2 * 10


def test_zero_persistence_points_are_hidden_and_counted():
    fig = persistence_diagram_figure({1: np.array([[0.5, 0.5], [0.5, 0.5], [0.2, 0.6]])})
    h1 = next(t for t in fig.data if t.name and t.name.startswith("H1"))
    assert len(h1.x) == 1 and "2 of zero persistence hidden" in h1.name


def test_betti_curves_clip_a_beta2_spike_and_say_so():
    r = np.linspace(0, 1, 5)
    fig = betti_curves_figure(r, {0: [5, 4, 3, 2, 1], 1: [0, 1, 2, 1, 0], 2: [0, 0, 900, 1500, 0]})
    assert fig.layout.yaxis.range == (0, 10.0)
    assert any("2-skeleton" in t.name and "clipped" in t.name for t in fig.data)


def test_rook_grid_layout_gives_its_triangles_area():
    g = nx.cartesian_product(nx.complete_graph(4), nx.complete_graph(4))  # the 4x4 Rook graph, nodes (r, c)
    pos = graph_positions(g, "grid")
    tris = [c for c in nx.enumerate_all_cliques(g) if len(c) == 3]
    def area(a, b, c):
        (x1, y1), (x2, y2) = np.subtract(pos[b], pos[a]), np.subtract(pos[c], pos[a])
        return abs(x1 * y2 - x2 * y1) / 2

    assert len(tris) == 32 and min(area(*t) for t in tris) > 0.15  # the old zigzag grid left 0.12 (spacing 1)
