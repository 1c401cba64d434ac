"""Figure builders of the complex, compare and expressivity views, and the live memory measurement: tiny and seeded."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import torch

from hoviz import GPT, GPTConfig
from hoviz.memory import peak_forward_memory
from hoviz.viz import compare as vcmp
from hoviz.viz import complex as vc
from hoviz.viz import expressivity as vx
from hoviz.viz import layout as vl
from hoviz.viz import persistence as vp

SQUARE = {"num_vertices": 4, "edges": np.array([[0, 1], [1, 2], [2, 3], [0, 3], [0, 2]]),
          "triangles": np.array([[0, 1, 2], [0, 2, 3]]), "edge_weights": np.array([0.9, 0.8, 0.7, 0.6, 0.5]),
          "triangle_weights": np.array([0.3, 0.2])}
DIAGRAMS = {0: np.array([[0.0, 0.2], [0.0, 0.4], [0.0, np.inf]]), 1: np.array([[0.3, 0.6]])}


def spec(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


# ---- complex.py ------------------------------------------------------------------------------------------------

def test_complex_figure_one_trace_per_kind_and_labels():
    fig = vc.complex_figure(SQUARE, labels=["a", " ", "\n", "d"], seed=3)
    names = [t.name for t in fig.data]
    assert sum(n.startswith("edges") for n in names) == 1 and sum(n.startswith("triangles") for n in names) == 1
    tri = next(t for t in fig.data if t.name.startswith("triangles"))
    assert tri.fill == "toself" and np.isnan(np.asarray(tri.x, dtype=float)).sum() == 2  # two triangles, NaN-separated
    edges = next(t for t in fig.data if t.name.startswith("edges"))
    assert len(edges.x) == 3 * 5
    tokens = next(t for t in fig.data if t.name == "tokens")
    assert list(tokens.text) == ["a", "␣", "↵", "d"]
    weights = next(t for t in fig.data if t.name == "edge weight")
    assert np.allclose(weights.marker.color, SQUARE["edge_weights"])


def test_layout_is_stable_for_a_seed_and_float32_on_the_wire():
    a = vl.vertex_positions(6, [[0, 1], [1, 2], [3, 4]], "spring", seed=7)
    b = vl.vertex_positions(6, [[0, 1], [1, 2], [3, 4]], "spring", seed=7)
    assert np.array_equal(a, b)
    assert vl.vertex_positions(5, [], "circular").shape == (5, 2)
    assert vl.vertex_positions(5, [], "strip").shape == (5, 2)
    assert vl.vertex_positions(0, []).shape == (0, 2)
    with pytest.raises(ValueError, match="layout"):
        vl.vertex_positions(3, [], "hexagonal")
    edges = spec(vc.complex_figure(SQUARE))["data"][1]
    assert edges["x"]["dtype"] == "f4"  # typed arrays, not JSON lists of floats


def test_complex_figure_3d_and_empty_complex():
    fig = vc.complex_figure(SQUARE, three_d=True)
    assert any(isinstance(t, go.Mesh3d) for t in fig.data)
    empty = vc.complex_figure({"num_vertices": 3, "edges": np.zeros((0, 2)), "triangles": np.zeros((0, 3))})
    assert [t.name for t in empty.data] == ["tokens"]


def test_complex_payload_stays_small():
    rng = np.random.default_rng(0)
    n = 128
    edges = np.array([(j, i) for i in range(n) for j in range(max(0, i - 8), i)])
    tris = np.array([(i - 2, i - 1, i) for i in range(2, n)] * 4)
    cx = {"num_vertices": n, "edges": edges, "triangles": tris, "edge_filtration": rng.random(len(edges)),
          "triangle_filtration": rng.random(len(tris))}
    size = len(pio.to_json(vc.complex_figure(cx, value_name="filtration"), validate=False))
    assert size < 150_000, size


def test_persistence_diagram_and_barcode_mark_radius():
    fig = vp.persistence_diagram_figure(DIAGRAMS, radius=0.25)
    layout = spec(fig)["layout"]
    xs = [s.get("x0") for s in layout["shapes"]]
    assert 0.25 in xs  # the vertical radius line
    h0 = next(t for t in fig.data if (t.name or "").startswith("H0"))
    assert np.isfinite(np.asarray(h0.y, dtype=float)).all()  # infinite deaths drawn on the ∞ line
    bars = vp.barcode_figure(DIAGRAMS, radius=0.25)
    h0 = next(t for t in bars.data if t.name.startswith("H0"))
    assert len(h0.x) == 3 * 3
    assert any(s.get("x0") == 0.25 for s in spec(bars)["layout"]["shapes"])


def test_barcode_caps_bars_and_says_so():
    many = {0: np.column_stack([np.zeros(500), np.linspace(0.01, 1, 500)])}
    fig = vp.barcode_figure(many, max_bars=50)
    assert len(fig.data[0].x) == 150 and "450 shorter bars not drawn" in fig.layout.title.text


def test_betti_curves_from_diagrams_and_figure():
    radii = np.array([0.1, 0.3, 0.5, 0.7])
    curves = vp.betti_curves_from_diagrams(DIAGRAMS, radii)
    assert curves[0].tolist() == [3, 2, 1, 1] and curves[1].tolist() == [0, 1, 1, 0]
    fig = vp.betti_curves_figure(radii, curves, radius=0.3)
    assert "β0=2" in spec(fig)["layout"]["annotations"][0]["text"]


def test_circle_has_one_long_h1_bar_in_the_drawn_barcode():
    """Known topology: a circle's H1 bar is the longest one drawn (via gudhi directly, independent of topology/)."""
    gudhi = pytest.importorskip("gudhi")
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    pts = np.column_stack([np.cos(t), np.sin(t)])
    st = gudhi.RipsComplex(points=pts, max_edge_length=3.0).create_simplex_tree(max_dimension=2)
    st.compute_persistence()
    h1 = st.persistence_intervals_in_dimension(1)
    assert len(h1) == 1 and h1[0, 1] - h1[0, 0] > 1.0
    fig = vp.barcode_figure({0: st.persistence_intervals_in_dimension(0), 1: h1})
    assert next(t for t in fig.data if t.name.startswith("H1")).name == "H1 (1)"


# ---- compare.py ------------------------------------------------------------------------------------------------

def test_normalise_curve_accepts_dicts_and_rows():
    rows = vcmp.normalise_curve([[0, 4.2], [10, 4.1, 4.3]])
    assert rows["train_loss"].tolist() == [4.2, 4.1] and np.isnan(rows["val_loss"][0]) and rows["val_loss"][1] == 4.3
    dicts = vcmp.normalise_curve([{"step": 5, "train_loss": 2.0, "val_loss": 2.5, "tokens": 640}])
    assert dicts["tokens"].tolist() == [640.0] and np.isnan(dicts["wall_time"][0])
    trained = vcmp.normalise_curve([{"step": 50, "train_loss": 2.0, "balanced_accuracy": 0.7, "tokens_seen": 9,
                                     "wall_time_s": 1.5, "lr": 1e-3}])  # as hoviz.training.train writes it
    assert trained["tokens"].tolist() == [9.0] and trained["wall_time"].tolist() == [1.5]
    assert trained["balanced_accuracy"].tolist() == [0.7]
    assert vcmp.normalise_curve(None)["step"].shape == (0,)


def test_training_curves_one_chart_all_models():
    curves = {"a": [{"step": 0, "train_loss": 3.0, "val_loss": 3.1}, {"step": 1, "train_loss": 2.0, "val_loss": 2.2}],
              "b": [[0, 4.0], [1, 3.5]], "c": []}
    fig = vcmp.training_curves_figure(curves, kinds={"a": "dense", "b": "simplicial2"})
    assert sorted(t.name for t in fig.data) == ["a · dense train", "a · dense val", "b · simplicial2 train"]
    acc = vcmp.training_curves_figure({"m": [{"step": 0, "balanced_accuracy": 0.6}]}, metric="balanced_accuracy")
    assert len(acc.data) == 1


def test_theory_bytes_orders():
    dense = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["dense"])
    s2 = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["simplicial2"])
    win = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["simplicial2"], s2_window1=8, s2_window2=4)
    gt = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["gated_triangle"])
    scn = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["scn"])  # K = 2, 8 edges, 8 triangles
    T = np.array([16, 32])
    assert (vcmp.theory_bytes(dense, T) == 2 * T**2 * 4).all()
    assert (vcmp.theory_bytes(s2, T) == 2 * T**3 * 4).all()
    assert (vcmp.theory_bytes(win, T) == 2 * T * 8 * 4 * 4).all()
    assert (vcmp.theory_bytes(gt, T) == 8 * T * 17 * 4).all()
    assert (vcmp.theory_bytes(scn, T) == (2 * T**2 + 2 * 64 * T**2 + 3 * 64 * T**2) * 4).all()
    assert vcmp.model_kind(["dense", "dense"]) == "dense" and vcmp.model_kind(["dense", "simplicial2"]) == "simplicial2"


def test_memory_expressivity_and_scaling_figures():
    models = [{"name": "d", "kind": "dense", "params": 1e5, "flops_per_token": 2e5, "peak_bytes": 3e5, "val_loss": 1.6},
              {"name": "s", "kind": "simplicial2", "params": 1.2e5, "flops_per_token": 5e5, "peak_bytes": None,
               "val_loss": 1.5}]
    fig = vcmp.memory_expressivity_figure(models, T=128)
    assert len(fig.data) == 5  # s has no measured memory: not drawn in the third panel
    cfg = GPTConfig(vocab_size=10, n_layer=1, n_head=2, n_embd=8, mixers=["dense"])
    rows = [{"name": "d", "kind": "dense", "T": 16, "bytes": 1e4}, {"name": "d", "kind": "dense", "T": 32, "bytes": 3e4}]
    theory = vcmp.theory_rows("d", cfg, [16, 32, 64])
    assert [r["bytes"] for r in theory] == [2 * 16**2 * 4, 2 * 32**2 * 4, 2 * 64**2 * 4]
    fig = vcmp.memory_scaling_figure(rows, theory, method="how")
    assert [t.name for t in fig.data] == ["d", "d (theory)"] and "how" in fig.layout.title.text
    assert fig.data[1].line.dash == "dash"


BENCH = {"machine": {"memory_method": "hwm, VmHWM"}, "cuda": {"available": False},
         "simplicial2": [{"impl": "naive", "pass": "forward", "T": 64, "B": 1, "H": 4, "D": 32, "peak_mb": 2.0},
                         {"impl": "naive", "pass": "forward", "T": 128, "peak_mb": None, "note": "skipped"},
                         {"impl": "hoviz", "pass": "forward+backward", "T": 64, "peak_mb": 1.0}, "junk"],
         "windowed": [{"T": 512, "w1": 8, "w2": 8, "peak_mb": 1.0}],
         "dense": [{"impl": "sdpa", "pass": "forward", "T": 64, "peak_mb": 0.5}],
         "models": [{"model": "m", "mixers": ["dense", "simplicial2"], "T": 128, "B": 4, "infer_peak_mb": 3.0},
                    {"model": "broken", "note": "cannot load"}],
         "pipeline": [], "targets": []}


def test_bench_rows_are_found_defensively(tmp_path):
    rows = vcmp.bench_memory_rows(BENCH)
    assert [(r["group"], r["T"], r["bytes"]) for r in rows] == [("kernel", 64, 2 * 2**20), ("kernel", 64, 0.5 * 2**20),
                                                                ("model", 128, 3 * 2**20)]
    assert rows[2]["name"] == "m" and rows[2]["kind"] == "simplicial2"
    assert len(vcmp.bench_memory_rows(BENCH, passes=("forward", "forward+backward"))) == 4
    assert vcmp.bench_memory_rows({}) == [] and vcmp.bench_memory_rows({"models": "x", "dense": {}}) == []
    assert vcmp.bench_memory_rows([1, 2]) == []
    assert vcmp.bench_method(BENCH) == "hwm, VmHWM" and "not recorded" in vcmp.bench_method({})
    (tmp_path / "bench-cpu.json").write_text(json.dumps(BENCH))
    (tmp_path / "bench-bad.json").write_text("{not json")
    assert [b["file"] for b in vcmp.load_bench_files(tmp_path)] == ["bench-cpu.json"]


def test_peak_forward_memory_grows_with_T_and_sees_the_pattern():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=64, n_layer=1, n_head=2, n_embd=16, mixers=["dense"])).eval()
    small, big = peak_forward_memory(model, 16, traced=True), peak_forward_memory(model, 64, traced=True)
    assert 0 < small.peak_bytes < big.peak_bytes
    assert big.peak_bytes >= 2 * 64 * 64 * 4  # the traced (H, T, T) pattern is live at some point
    assert big.weight_bytes == sum(p.numel() * 4 for p in model.parameters()) and "TorchDispatchMode" in big.method
    with pytest.raises(ValueError, match="block size"):
        peak_forward_memory(model, 65)


# ---- expressivity.py -------------------------------------------------------------------------------------------

def test_wl_pair_figure_identical_histograms():
    two_k3 = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    c6 = nx.cycle_graph(6)
    colours = {v: 0 for v in range(6)}  # 2-regular graphs: refinement is stable at one colour
    fig = vx.wl_pair_figure(two_k3, c6, colours, dict(colours), names=("2×K3", "C6"), betti1=(2, 0), betti2=(1, 1))
    assert "identical" in fig.layout.title.text
    titles = [a.text for a in fig.layout.annotations]
    assert "Betti (2, 0)" in titles[0] and "Betti (1, 1)" in titles[1] and "2 triangles" in titles[0]
    fills = [t for t in fig.data if t.fill == "toself"]
    assert len(fills) == 1  # only 2×K3 has triangles
    differ = vx.wl_pair_figure(nx.path_graph(3), nx.complete_graph(3), {0: 0, 1: 1, 2: 0}, {0: 2, 1: 2, 2: 2})
    assert "differ" in differ.layout.title.text


def test_matching_pairs_and_match3_figures():
    x = np.array([1, 2, 4, 3, 0])
    pairs = vx.matching_pairs(x, 2, 7)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (1, 0)]
    for j, l in vx.matching_pairs(x, 4, 7):
        assert (x[4] + x[j] + x[l]) % 7 == 0 and j <= 4 and l <= 4
    s = np.zeros((5, 5))
    s[0, 1] = 1.0
    fig = vx.match3_slice_figure(s, [str(v) for v in x], x, 2, 7)
    assert "100.0% of the weight" in fig.layout.title.text and "top pair (0, 1) matches" in fig.layout.title.text
    assert np.asarray(fig.data[0].z).shape == (3, 3)
    lab = vx.match3_labels_figure(["1", "2", "4"], [0, 0, 1], {"dense": [0, 1, 1], "s2": [0, 0, 1]})
    assert lab.data[0].z.shape == (3, 3) and len(lab.data[1].x) == 1  # one wrong prediction marked
    assert "dense: 67% right" in lab.layout.title.text


@pytest.mark.parametrize("three_d", [False, True])
def test_ring_vertex_rings_the_selected_token_only_when_it_is_drawn(three_d):
    cx = {"num_vertices": 4, "edges": [[0, 1], [1, 2], [0, 2], [2, 3]], "triangles": [[0, 1, 2]]}
    fig = vc.complex_figure(cx, list("ab c"), seed=0, three_d=three_d)
    ringed = vc.ring_vertex(fig, 2)
    ring = ringed.data[-1]
    nodes = next(t for t in fig.data if t.name == "tokens")
    assert ring.name == "selected token" and len(ringed.data) == len(fig.data) + 1
    assert (ring.x[0], ring.y[0]) == (nodes.x[2], nodes.y[2]) and ring.marker.line.color == "#ff7f0e"
    assert ring.hovertext[0] == "selected: token 2 '␣'" and nodes.hovertext[2] == "token 2 '␣'"
    for v in (None, 4, -1):  # nothing selected, or past the vertices a (prefix) complex has
        assert len(vc.ring_vertex(fig, v).data) == len(fig.data)
