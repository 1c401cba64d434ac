"""hoviz.topology: exact persistence (equal to plain full gudhi), lifts, Hodge Laplacians, clique complexes, 1-WL.

Tiny, seeded and CPU-only; the largest case is a T = 96 attention map against the full gudhi computation.
"""

from __future__ import annotations

import doctest
import importlib

import gudhi
import networkx as nx
import numpy as np
import pytest
import torch

import hoviz.topology as topo
from hoviz.errors import HovizError, TopologyError
from hoviz.topology import (
    attention_distance,
    barcode_statistics,
    betti_curves,
    betti_numbers,
    boundary_matrices,
    clique_complex,
    clique_complex_betti,
    complex_from_trace,
    hexagon,
    hodge_laplacians,
    lift,
    persistence_of_attention,
    persistence_of_points,
    persistence_summary,
    point_distance,
    rook_graph,
    shrikhande_graph,
    two_triangles,
    wl_colours,
    wl_indistinguishable,
)
from hoviz.topology.bench import checkpoint_heads, peaky_attention, run_benchmark


def causal_softmax(T: int, rng: np.random.Generator, scale: float = 4.0) -> np.ndarray:
    logits = np.where(np.tri(T, dtype=bool), scale * rng.standard_normal((T, T)), -np.inf)
    A = np.exp(logits - logits.max(axis=1, keepdims=True))
    return A / A.sum(axis=1, keepdims=True)


def plain_gudhi(D: np.ndarray, max_dim: int = 1) -> dict:
    """The plain, full gudhi Rips computation the fast path must reproduce exactly."""
    st = gudhi.RipsComplex(distance_matrix=D).create_simplex_tree(max_dimension=max_dim + 1)
    st.persistence()
    out = {}
    for k in range(max_dim + 1):
        d = np.asarray(st.persistence_intervals_in_dimension(k), dtype=np.float64).reshape(-1, 2)
        out[k] = d[np.lexsort((d[:, 1], d[:, 0]))]
    return out


def assert_same(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for k, w in want.items():
        assert got[k].shape == w.shape, (k, got[k].shape, w.shape)
        assert np.array_equal(got[k], w), k


# --- persistence -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [2, 3, 5, 17, 40, 96])
def test_attention_persistence_equals_full_gudhi(T):
    rng = np.random.default_rng(T)
    for scale in (4.0, 1.0):
        A = causal_softmax(T, rng, scale)
        assert_same(persistence_of_attention(A), plain_gudhi(attention_distance(A)))
    A = peaky_attention(T, rng)
    assert_same(persistence_of_attention(torch.tensor(A)), plain_gudhi(attention_distance(A)))
    A = np.round(causal_softmax(T, rng, 2.0), 2)  # ties and exact zeros
    assert_same(persistence_of_attention(A), plain_gudhi(attention_distance(A)))


@pytest.mark.parametrize("small", [0, 40])
def test_persistence_exact_with_ties_zeros_and_higher_dims(small, monkeypatch):
    monkeypatch.setattr("hoviz.topology.flag.SMALL", small)  # 0: the pruned complex even for tiny inputs
    rng = np.random.default_rng(1)
    for trial in range(60):
        T = int(rng.integers(2, 14))
        A = rng.random((T, T))
        if trial % 3 == 0:
            A = np.round(A, 1)  # many ties
        elif trial % 3 == 1:
            A = A * (rng.random((T, T)) < 0.3)  # weight 0: edges that only enter at the end, 1
        D = attention_distance(A)
        for max_dim in (0, 1, 2):
            assert_same(persistence_of_attention(A, max_dim), plain_gudhi(D, max_dim))


def test_h0_deaths_are_one_minus_maximum_spanning_tree():
    rng = np.random.default_rng(2)
    A = causal_softmax(30, rng)
    W = np.maximum(A, A.T)
    g = nx.Graph()
    g.add_weighted_edges_from((i, j, W[i, j]) for i in range(30) for j in range(i))
    weights = np.array([w for _, _, w in nx.maximum_spanning_tree(g).edges(data="weight")])
    h0 = persistence_of_attention(A)[0]
    assert np.isinf(h0[:, 1]).sum() == 1
    assert np.allclose(np.sort(h0[np.isfinite(h0[:, 1]), 1]), np.sort(1.0 - weights[weights < 1.0]))


def test_circle_has_one_long_h1_bar():
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 2 * np.pi, 60)
    X = np.c_[np.cos(t), np.sin(t)] + 0.03 * rng.standard_normal((60, 2))
    h1 = persistence_of_points(X)[1]
    length = np.sort(h1[:, 1] - h1[:, 0])
    assert length[-1] > 1.0 and (len(length) == 1 or length[-2] < 0.2)
    assert_same(persistence_of_points(X), plain_gudhi(point_distance(X)))
    assert_same(persistence_of_points(X, "cosine"), plain_gudhi(point_distance(X, "cosine")))


def test_empty_and_single_token():
    for A in (np.zeros((0, 0)), torch.zeros(0, 0)):
        dgm = persistence_of_attention(A)
        assert sorted(dgm) == [0, 1] and all(d.shape == (0, 2) for d in dgm.values())
    one = persistence_of_attention([[1.0]])
    assert one[0].tolist() == [[0.0, np.inf]] and one[1].shape == (0, 2)
    assert persistence_of_points(np.zeros((0, 4)))[1].shape == (0, 2)
    assert lift(np.zeros((0, 0)), 0.5)["edges"].shape == (0, 2)
    assert betti_curves(np.zeros((0, 0)), [0.5]).tolist() == [[0, 0, 0]]
    assert betti_numbers(lift([[0.0]], 1.0)) == [1, 0, 0]
    assert barcode_statistics(persistence_of_attention(np.zeros((0, 0))))[1].count == 0


def test_barcode_statistics():
    s = persistence_summary(np.eye(4))
    assert s.stats[0].count == 4 and s.stats[0].infinite == 1 and s.stats[0].total == 3.0
    assert np.isclose(s.stats[0].entropy, np.log(3)) and s.stats[0].std == 0.0


# --- lifts, Betti numbers, Hodge Laplacians ----------------------------------------------------------------------

def random_distance(T: int, rng: np.random.Generator) -> np.ndarray:
    return attention_distance(np.round(rng.random((T, T)), 2))


def test_lift_cap_and_betti_curves_agree_with_gudhi():
    rng = np.random.default_rng(4)
    for trial in range(12):
        T = int(rng.integers(3, 14))
        D = random_distance(T, rng)
        cap = None if trial % 2 else int(rng.integers(1, 4))
        radii = np.linspace(0.0, 1.0, 9)
        for max_dim in (1, 2):
            curves = betti_curves(D, radii, max_dim=max_dim, max_per_vertex=cap)
            for r, row in zip(radii, curves):
                cx = lift(D, r, max_dim=max_dim, max_per_vertex=cap)
                assert betti_numbers(cx) == row.tolist()
                if cap is not None:
                    assert np.bincount(cx["edges"][:, 1], minlength=T).max() <= cap
        small, big = lift(D, 0.4, max_per_vertex=cap), lift(D, 0.8, max_per_vertex=cap)
        assert {tuple(e) for e in small["edges"]} <= {tuple(e) for e in big["edges"]}  # a filtration


def random_traced_complex(T: int, rng: np.random.Generator) -> dict:
    """A non-flag complex in the mixer's trace form: random triangles, their edges, and some extra edges."""
    tris = np.unique(np.sort(rng.choice(T, size=(int(rng.integers(0, 3 * T)), 3)), axis=1), axis=0)
    tris = tris[(np.diff(tris, axis=1) > 0).all(axis=1)]
    faces = np.concatenate([tris[:, [0, 1]], tris[:, [0, 2]], tris[:, [1, 2]], np.sort(rng.choice(T, (T, 2)), 1)])
    edges = np.unique(faces[faces[:, 0] < faces[:, 1]], axis=0)
    perm = rng.permutation(len(edges))
    return {"num_vertices": T, "edges": edges[perm], "edge_weights": rng.random(len(edges)),
            "triangles": tris, "triangle_weights": rng.random(len(tris))}


def test_hodge_kernels_are_betti_numbers():
    rng = np.random.default_rng(5)
    for trial in range(24):
        T = int(rng.integers(1, 11))
        if trial % 2:
            cx = complex_from_trace(random_traced_complex(T, rng))
        else:
            cx = lift(random_distance(T, rng), float(rng.uniform(0.3, 1.0)))
        B1, B2 = boundary_matrices(cx)
        assert not np.any(B1 @ B2)
        Ls = hodge_laplacians(cx)
        kernels = [int(np.sum(np.linalg.eigvalsh(L) < 1e-8)) if len(L) else 0 for L in Ls]
        assert kernels == betti_numbers(cx)
        for dense, sparse in zip(Ls, hodge_laplacians(cx, sparse=True)):
            assert np.array_equal(dense, sparse.to_dense().numpy())


def test_hodge_orientation():
    cx = {"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": [[0, 1, 2]]}
    B1, B2 = boundary_matrices(cx)
    assert B1[:, 0].tolist() == [-1, 1, 0]  # ∂[0,1] = 1 - 0
    assert B2[:, 0].tolist() == [1, -1, 1]  # ∂[0,1,2] = [1,2] - [0,2] + [0,1]


def test_complex_from_trace_of_the_simplicial_mixer():
    from hoviz.config import GPTConfig
    from hoviz.model import GPT
    from hoviz.trace import run_with_trace

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=16, n_layer=1, n_head=2, n_embd=16, mixers=["scn"],
                          scn_radius=1.0))
    _, trace = run_with_trace(model, torch.randint(0, 11, (1, 16)), what=("complex",))
    raw = trace.complex(0)
    cx = complex_from_trace(raw)
    assert len(cx["edges"]) == len(raw.edges) and len(cx["triangles"]) == len(raw.triangles)
    assert sorted(map(tuple, cx["edges"].tolist())) == sorted(map(tuple, raw.edges.tolist()))
    B1, B2 = boundary_matrices(cx)
    assert not np.any(B1 @ B2) and len(betti_numbers(cx)) == 3


# --- graphs and 1-WL ---------------------------------------------------------------------------------------------

def test_two_triangles_vs_hexagon():
    g, h = two_triangles(), hexagon()
    assert wl_indistinguishable(g, h) and not nx.is_isomorphic(g, h)
    assert clique_complex_betti(g)[:2] == [2, 0] and clique_complex_betti(h)[:2] == [1, 1]
    assert not wl_indistinguishable(h, nx.path_graph(6))


def test_rook_vs_shrikhande():
    rook, shri = rook_graph(), shrikhande_graph()
    for g in (rook, shri):  # both strongly regular (16, 6, 2, 2)
        assert g.number_of_nodes() == 16 and {d for _, d in g.degree()} == {6}
        assert {len(list(nx.common_neighbors(g, u, v))) for u, v in g.edges} == {2}
    assert wl_indistinguishable(rook, shri) and not nx.is_isomorphic(rook, shri)
    assert clique_complex_betti(rook) == [1, 9, 8] and clique_complex_betti(shri) == [1, 2, 1]
    cx = clique_complex(shri)
    assert betti_numbers(cx) == [1, 2, 1] and len(cx["triangles"]) == 32


def test_wl_colours_refine_to_stability():
    rounds = wl_colours(nx.path_graph(5))
    assert [len(set(r.values())) for r in rounds] == [1, 2, 3, 3]
    a, b = wl_colours(two_triangles(), iterations=3), wl_colours(hexagon(), iterations=3)
    assert len(a) == 4 and all(set(x.values()) == set(y.values()) for x, y in zip(a, b))


# --- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("A", [
    np.zeros((2, 3)), np.zeros((2, 2, 2)), [[0.5, np.nan], [0.1, 0.2]], [[0.5, -0.1], [0.1, 0.2]],
    [[1.5, 0.0], [0.0, 1.0]], [["a", "b"], ["c", "d"]], np.array([[1j, 0], [0, 1]]), [[np.inf, 0], [0, 1]],
])
def test_bad_attention_maps(A):
    with pytest.raises(TopologyError):
        persistence_of_attention(A)
    with pytest.raises(TopologyError):
        attention_distance(A)


def test_bad_arguments():
    D = attention_distance(np.eye(4))
    bad_calls = [
        lambda: lift(D, -0.1), lambda: lift(D, 1.5), lambda: lift(D, float("nan")), lambda: lift(D, True),
        lambda: lift(D, 0.5, max_per_vertex=0), lambda: lift(D, 0.5, max_per_vertex=-2),
        lambda: lift(D, 0.5, max_per_vertex=1.5), lambda: lift(D, 0.5, max_dim=3),
        lambda: lift(np.ones((3, 3)), 0.5), lambda: lift([[0, 0.1], [0.2, 0]], 0.5), lambda: lift(2 * D, 0.5),
        lambda: betti_curves(D, [0.2, 1.2]), lambda: persistence_of_attention(np.eye(3), max_dim=5),
        lambda: persistence_of_points(np.zeros(3)), lambda: persistence_of_points(np.zeros((3, 2)), "cosine"),
        lambda: persistence_of_points(np.ones((3, 2)), metric="manhattan"),
        lambda: clique_complex_betti(nx.DiGraph([(0, 1)])), lambda: clique_complex_betti(nx.Graph([(0, 0)])),
        lambda: clique_complex_betti(nx.MultiGraph([(0, 1)])),
        lambda: wl_indistinguishable(nx.Graph([(1, 1)]), hexagon()),
        lambda: wl_colours([(0, 1)]), lambda: wl_indistinguishable(hexagon(), hexagon(), iterations=0),
        lambda: complex_from_trace({"num_vertices": 3}),
        lambda: complex_from_trace({"num_vertices": 3, "edges": [[2, 1]], "edge_weights": [0.5], "triangles": [],
                                    "triangle_weights": []}),
        lambda: complex_from_trace({"num_vertices": 3, "edges": [[0, 1]], "edge_weights": [0.5],
                                    "triangles": [[0, 1, 2]], "triangle_weights": [0.1]}),
        lambda: hodge_laplacians({"num_vertices": 2, "edges": [[0, 5]], "triangles": []}),
        lambda: persistence_of_attention(np.eye(1100)), lambda: betti_curves(np.zeros((1100, 1100)), [0.5]),
    ]
    for call in bad_calls:
        with pytest.raises(TopologyError) as err:
            call()
        assert isinstance(err.value, HovizError) and isinstance(err.value, ValueError)


# --- docs and benchmark ------------------------------------------------------------------------------------------

def test_docstring_examples_run():
    globs = {"np": np, "nx": nx, **{name: getattr(topo, name) for name in topo.__all__}}
    for name in ("barcode", "distance", "flag", "graphs", "hodge", "lift", "persistence", "pruning", "traced", "wl"):
        module = importlib.import_module(f"hoviz.topology.{name}")
        result = doctest.testmod(module, extraglobs=globs, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name


def test_benchmark_runs_and_checks_identity():
    result = run_benchmark(sizes=(12, 20), repeats=1, warmup=0)
    assert [r["T"] for r in result["rows"]] == [12, 20] and all(r["identical"] for r in result["rows"])
    given = run_benchmark(maps=[np.eye(5)], repeats=1, warmup=0)
    assert given["rows"][0]["identical"] and given["source"] == "given maps"


def test_benchmark_on_a_checkpoints_heads(tiny_zoo):
    heads = checkpoint_heads("tiny-dense")  # 2 dense layers x 2 heads, block 128
    assert len(heads) == 4 and heads[0].shape == (128, 128) and np.allclose(heads[0].sum(axis=1), 1.0)
    assert run_benchmark(maps=heads[:1], repeats=1, warmup=0)["rows"][0]["identical"]
