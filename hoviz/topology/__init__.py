"""Topology of attention: persistence of attention maps and point clouds, Vietoris-Rips lifts, Hodge Laplacians,
clique complexes and the Weisfeiler-Leman ladder for the expressivity lab (docs/theory.md §4-§5). numpy / torch in,
numpy out; no Streamlit.

Bad input raises `hoviz.errors.TopologyError`. Benchmark: python -m hoviz.topology.bench
    >>> from hoviz.topology import persistence_of_attention, lift, attention_distance
"""

from hoviz.topology.barcode import BarcodeStats, PersistenceSummary, barcode_statistics, persistence_summary
from hoviz.topology.distance import attention_distance, point_distance
from hoviz.topology.graphs import (
    clique_complex,
    clique_complex_betti,
    hexagon,
    rook_graph,
    shrikhande_graph,
    two_triangles,
)
from hoviz.topology.hodge import boundary_matrices, hodge_laplacians
from hoviz.topology.lift import betti_curves, betti_numbers, lift, lift_filtration
from hoviz.topology.persistence import (
    persistence_of_attention,
    persistence_of_points,
    reference_rips_persistence,
    rips_persistence,
)
from hoviz.topology.traced import complex_from_trace
from hoviz.topology.wl import (
    WLResult,
    smallest_separating_k,
    wl_colours,
    wl_indistinguishable,
    wl_ladder,
    wl_test,
)

__all__ = [
    "BarcodeStats", "PersistenceSummary", "WLResult", "attention_distance", "barcode_statistics", "betti_curves",
    "betti_numbers", "boundary_matrices", "clique_complex", "clique_complex_betti", "complex_from_trace",
    "hexagon", "hodge_laplacians", "lift", "lift_filtration", "persistence_of_attention", "persistence_of_points",
    "persistence_summary", "point_distance", "reference_rips_persistence", "rips_persistence", "rook_graph",
    "shrikhande_graph", "smallest_separating_k", "two_triangles", "wl_colours", "wl_indistinguishable",
    "wl_ladder", "wl_test",
]
