"""Unit tests of the figure builders in hoviz.viz (tokens, attention, threeway, audit): values, shapes, trace counts,
and that no figure ships more than the (T, T) slice on screen (never a T³ payload)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from hoviz.audit import AuditReport
from hoviz.threeway import SimplicialHead
from hoviz.viz import as_f32, display_tokens, pool_max, token_ticks
from hoviz.viz.attention import (
    affinity_matrix,
    attention_graph,
    entropy_bar,
    graph_edges,
    head_entropy,
    head_heatmap,
    heads_grid,
    masked,
    uniform_entropy,
)
from hoviz.viz.audit import influence_figure, suffix_figure, verdict
from hoviz.viz.threeway import (
    mask_categories,
    mask_slice_figure,
    slice_heatmap,
    threeway_bar,
    threeway_profile,
    triangles_figure,
)
from hoviz.viz.tokens import surprisal, token_strip, top_k, topk_bar


def causal_pattern(T: int, H: int = 1, seed: int = 0) -> np.ndarray:
    """(H, T, T) random row-stochastic causal attention."""
    rng = np.random.default_rng(seed)
    a = np.where(np.tril(np.ones((T, T), bool)), rng.random((H, T, T)) ** 4 + 1e-3, 0.0)
    return a / a.sum(-1, keepdims=True)


def n_values(fig: go.Figure) -> int:
    """Numbers a figure sends for its data arrays (z of heatmaps, x/y of scatters and bars)."""
    total = 0
    for tr in fig.data:
        for name in ("z", "x", "y"):
            v = getattr(tr, name, None)
            if v is not None:
                total += np.asarray(v, dtype=object).size
    return total


def test_helpers():
    assert display_tokens(["a", " ", "\n", "\t"]) == ["a", "␣", "↵", "⇥"]
    assert as_f32([0.123456, np.nan]).dtype == np.float32 and np.isnan(as_f32([np.nan])[0])
    pooled, f = pool_max(np.arange(128 * 128, dtype=float).reshape(128, 128), 64)
    assert pooled.shape == (64, 64) and f == 2 and pooled[0, 0] == 129.0
    nan_block = np.full((4, 4), np.nan)
    nan_block[0, 0] = 1.0
    assert np.isnan(pool_max(nan_block, 2)[0][1, 1]) and pool_max(nan_block, 2)[0][0, 0] == 1.0
    assert len(token_ticks(list("x" * 200))["tickvals"]) <= 16
    assert token_ticks(list("abc"), start=5)["tickvals"] == [5, 6, 7]


def test_surprisal_and_token_strip():
    T, V = 10, 4
    s = surprisal(np.zeros((T, V)), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
    assert np.isnan(s[0]) and np.allclose(s[1:], np.log(V))
    fig = token_strip(list("abcdefghij"), s, wrap=4, highlight=5)
    assert len(fig.data) == 1 and np.asarray(fig.data[0].z).shape == (3, 4)
    assert len(fig.layout.shapes) == 1


def test_topk_bar():
    probs = np.array([0.1, 0.5, 0.05, 0.35])
    idx, p = top_k(probs, 3)
    assert idx.tolist() == [1, 3, 0] and np.allclose(p, [0.5, 0.35, 0.1])
    fig = topk_bar(probs, list("abcd"), 3, actual=3)
    assert list(fig.data[0].y) == ["b ", "d ", "a "] and fig.data[0].marker.color[1] == "#ff7f0e"


def test_heads_grid_masks_the_future_and_pools_large_maps():
    P = causal_pattern(128, H=4)
    fig = heads_grid(P)
    assert len(fig.data) == 4
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (64, 64) and np.isnan(z[0, -1]) and not np.isnan(z[-1, 0])
    assert n_values(fig) <= 4 * 3 * 64 * 64
    small = heads_grid(causal_pattern(8, H=2))
    assert np.asarray(small.data[1].z).shape == (8, 8)


def test_head_heatmap_and_entropy():
    P = causal_pattern(16)[0]
    fig = head_heatmap(P, list("abcdefghijklmnop"))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (16, 16) and np.isnan(z[np.triu_indices(16, 1)]).all()
    uniform = np.tril(np.ones((16, 16))) / np.arange(1, 17)[:, None]
    assert head_entropy(uniform[None])[0] == pytest.approx(uniform_entropy(16))
    assert head_entropy(np.eye(16)[None])[0] == pytest.approx(0.0)
    assert len(entropy_bar([1.0, 2.0], T=16).data) == 1


def test_attention_graph_draws_edges_in_few_traces():
    P = causal_pattern(64, seed=1)[0]
    edges = graph_edges(P, threshold=0.0, max_edges=10_000)
    assert all(j < i for j, i, _ in edges) and len(edges) == 64 * 63 // 2
    assert [w for *_, w in edges] == sorted((w for *_, w in edges), reverse=True)
    assert len(graph_edges(P, threshold=0.0, max_edges=50)) == 50
    strong = graph_edges(P, threshold=0.3)
    assert all(w >= 0.3 for *_, w in strong)
    fig = attention_graph(P, ["t"] * 64, threshold=0.0, max_edges=1500)
    assert len(fig.data) <= 4 + 2  # width bins + arrowheads + nodes, however many edges
    drawn = sum(int(np.sum(~np.isnan(np.asarray(tr.x, float)))) // 2 for tr in fig.data if tr.mode == "lines")
    assert drawn == 1500
    spring = attention_graph(P, ["t"] * 64, threshold=0.2, layout="spring")
    assert spring.data[-1].name == "tokens" and len(spring.data[-1].x) == 64


def test_affinity_matrix_of_a_complex():
    from hoviz.records import TracedComplex

    cx = TracedComplex(4, np.array([[0, 1], [1, 3]]), np.array([0.5, 0.25]), np.zeros((0, 3), int), np.zeros(0))
    m = affinity_matrix(cx)
    assert m[1, 0] == 0.5 and m[3, 1] == 0.25 and m.sum() == 0.75


@pytest.fixture
def head():
    g = torch.Generator().manual_seed(0)
    q, k1, k2 = (torch.randn(12, 4, generator=g) for _ in range(3))
    return SimplicialHead(q, k1, k2), SimplicialHead(q, k1, k2, mask="leaky")


def test_slice_heatmap_crops_to_what_the_mask_allows(head):
    causal, leaky = head
    i = 5
    fig = slice_heatmap(causal.query_slice(i).numpy(), list("abcdefghijkl"), allowed=causal.mask_slice(i).numpy())
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (i + 1, i + 1) and np.nansum(z) == pytest.approx(1.0, abs=1e-3)
    fig = slice_heatmap(leaky.query_slice(i).numpy(), list("abcdefghijkl"), allowed=leaky.mask_slice(i).numpy())
    assert np.asarray(fig.data[0].z).shape == (i + 1, 12)  # the leak: second keys after i
    assert n_values(fig) <= 12 * 12 + 2 * 12


def test_mask_slice_categories_show_the_leak(head):
    causal, leaky = head
    assert (mask_categories(causal.mask_slice(4).numpy(), 4) == 2).sum() == 0
    cats = mask_categories(leaky.mask_slice(4).numpy(), 4)
    assert (cats == 2).sum() == 5 * 7 and (cats == 1).sum() == 25
    assert "leak" in mask_slice_figure(leaky.mask_slice(4).numpy(), 4, list("abcdefghijkl")).layout.title.text
    assert "none after i" in mask_slice_figure(causal.mask_slice(4).numpy(), 4, list("abcdefghijkl")).layout.title.text


def test_triangles_and_threeway_scores(head):
    causal, _ = head
    triples = causal.top_triples(7, 5)
    fig = triangles_figure(list("abcdefghijkl"), 7, triples)
    assert len(fig.data) == len(triples) + 2
    assert all(tr.fill == "toself" for tr in fig.data[: len(triples)])
    scores = np.stack([causal.joint_spread().numpy()] * 3)  # (H, T)
    assert len(threeway_bar(scores.mean(1), highlight=1).data[0].y) == 3
    assert len(threeway_profile(scores[0], list("abcdefghijkl"), i=7).data[0].y) == 12


def test_audit_figures_and_verdict():
    T = 6
    influence = np.tril(np.ones((T, T)))
    ok = AuditReport("m", T, np.zeros(T), np.zeros(T), influence)
    good, text = verdict(ok)
    assert good and text.startswith("Causal")
    leaky_influence = influence.copy()
    leaky_influence[1, 4] = 0.3
    bad = AuditReport("m", T, np.r_[0, 0.2, np.zeros(T - 2)], np.r_[0, 0.3, np.zeros(T - 2)], leaky_influence)
    good, text = verdict(bad)
    assert not good and "first at cut t = 1" in text
    assert "1 cells above tolerance" in influence_figure(bad.influence, bad.tolerance).layout.title.text
    assert "all zero" in influence_figure(ok.influence, ok.tolerance).layout.title.text
    fig = suffix_figure(bad.suffix_change, bad.future_grad, bad.tolerance)
    assert len(fig.data) == 2 and list(fig.data[0].marker.color).count("#d62728") == 1


def test_masked_uses_the_causal_mask_by_default():
    m = masked(np.ones((3, 3)))
    assert np.isnan(m[0, 1]) and m[1, 0] == 1.0
