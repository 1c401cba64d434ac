"""The views' data-chosen defaults and automatic summaries: the most 3-way head by interaction KL, the Match3 head
with most weight on the matching pairs, and the one-line head summaries the pages show.
    .venv/bin/python -m pytest -q tests/test_views_defaults.py
"""

from __future__ import annotations

import numpy as np
import torch

import hoviz
from hoviz import views
from hoviz.threeway import interaction_kl
from hoviz.views import expressivity, threeway


def tiny_simplicial():
    torch.manual_seed(0)
    cfg = hoviz.GPTConfig(vocab_size=11, block_size=16, n_layer=1, n_head=3, n_embd=24, mixers=["simplicial2"])
    model = hoviz.GPT(cfg).eval()
    with torch.no_grad():  # large weights: a random model far from additive, so heads differ
        for p in model.parameters():
            p.normal_(0, 0.6)
    return model


def test_interaction_per_head_matches_the_library_and_picks_the_largest_mean():
    model = tiny_simplicial()
    _, tr = views.trace_prompt(model, tuple(range(10)))
    inter = threeway.interaction(tr, 0)  # (H, T)
    sh = tr.simplicial(0, 0, None)
    direct = interaction_kl(sh.q, sh.k1, sh.k2, w1=sh.w1, w2=sh.w2, mask=sh.mask).numpy()
    np.testing.assert_allclose(inter, direct, rtol=1e-6)
    assert inter.shape == (3, 10) and inter.max() > 0
    head = threeway.default_head(inter)
    assert inter[head].mean() == inter.mean(-1).max()
    assert threeway.default_head(np.zeros((3, 5))) == 0


def test_threeway_head_summary_states_rank_and_factorising_heads():
    inter = np.array([[0.0, 0.1, 0.3], [0.0, 2.0, 1.0], [0.0, 0.0, 0.001]])
    assert threeway.head_summary(inter, 1) == ("head 1: interaction KL 1.00 nats on average, 2.00 at query 1 "
                                               "(the largest of 3 heads)")
    assert "(the #2 of 3 heads)" in threeway.head_summary(inter, 0)
    assert threeway.head_summary(inter, 2).endswith("the pair factorises (no 3-way rule)")


def test_matching_weight_and_default_match_head():
    S = np.zeros((4, 4))
    S[0, 1] = S[1, 0] = 0.4
    S[2, 2] = 0.2
    pairs = np.array([[0, 1], [1, 0]])
    assert abs(expressivity.matching_weight(S, pairs) - 0.8) < 1e-12
    assert expressivity.matching_weight(S, np.zeros((0, 2))) == 0.0
    assert expressivity.default_match_head([0.05, 0.83, 0.2]) == 1
    assert expressivity.default_match_head([0.0, 0.0]) == 0
    assert expressivity.match_head_summary([0.049, 0.831], 1) == \
        "head 1: 83.1% of S[i] on the matching pairs (head 0 4.9%)"


def test_sample_stream_yields_what_generate_draws():
    from hoviz.views.prompt import sample_stream

    model = tiny_simplicial()
    ids = (1, 2, 3)
    want = model.generate(torch.tensor([ids]), 20, 0.8, 5, generator=torch.Generator().manual_seed(7))[0, 3:]
    got = list(sample_stream(model, ids, 20, 0.8, 5, seed=7))  # block 16: the context is cropped on the way
    assert got == want.tolist()


def test_cost_estimates_scale_one_timed_forward_by_flops(monkeypatch):
    from hoviz.flops import flops_per_token
    from hoviz.views import cost

    monkeypatch.delenv("HOVIZ_CONFIRM_S", raising=False)
    model = tiny_simplicial()
    timing = cost.time_forward(model, 12)
    assert timing.T == 12 and timing.seconds > 0
    fake = cost.ForwardTiming(T=12, seconds=0.01, flops=timing.flops)
    est = cost.audit_cost(model, 12, 2, fake)
    assert est.forwards == 2 * 5 * 12 and abs(est.seconds - 120 * 0.01) < 1e-9  # same T: forwards × timed seconds
    assert est.cubic_layers == (0,) and not est.expensive
    assert est.text().startswith("Estimated about 1.2 s for the audit (T = 12, 2 sequences): 120 sequence forwards")
    assert "grows as T³" in est.text()
    big = cost.audit_cost(model, 16, 4, fake)  # a longer T costs more per forward, by the FLOP ratio
    ratio = flops_per_token(model.config, 16, executed=True) * 16 / (flops_per_token(model.config, 12, executed=True) * 12)
    assert abs(big.seconds - 4 * 80 * 0.01 * ratio) < 1e-9
    s = cost.sample_cost(model, prompt_len=10, n_new=10, forward=fake)  # contexts 10..15, then 16 (the block) x4
    per_flop = 0.01 / fake.flops
    want = sum(flops_per_token(model.config, t, executed=True) * t for t in [10, 11, 12, 13, 14, 15, 16, 16, 16, 16])
    assert s.forwards == 10 and abs(s.seconds - want * per_flop) < 1e-9
    assert cost.audit_cost(model, 12, 1, cost.ForwardTiming(12, 1.0, timing.flops)).expensive  # 60 s > 10 s


def test_attention_head_summary_names_the_simple_pattern():
    from hoviz.views import attention

    T = 6
    prev = np.zeros((T, T))
    prev[0, 0] = 1
    prev[np.arange(1, T), np.arange(T - 1)] = 1.0  # every query on the previous token
    first = np.zeros((T, T))
    first[:, 0] = 1.0
    uniform = np.tril(np.ones((T, T))) / np.arange(1, T + 1)[:, None]
    P = np.stack([prev, first, uniform])  # (3, T, T)
    assert attention.head_summary(P, 0) == "head 0: 100% on the previous token (mean over queries i ≥ 1)"
    assert attention.head_summary(P, 1) == "head 1: 100% on the first token (mean over queries i ≥ 1)"
    assert attention.head_summary(P, 2).startswith("head 2: no simple positional pattern (at most 29%")


def test_default_layer_is_the_one_with_the_most_3way_head():
    low, high = np.full((2, 4), 0.1), np.array([[0.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])
    assert threeway.default_layer({1: low, 3: high}) == 3
    assert threeway.default_layer({1: high, 3: low}) == 1
    assert threeway.default_layer({2: np.zeros((2, 4)), 5: np.zeros((2, 4))}) == 2


def test_audit_progress_counts_every_chunk_and_changes_nothing():
    from hoviz.audit import audit_model

    model = tiny_simplicial()
    calls = []
    with_progress = audit_model(model, T=12, n_samples=2, chunk=5, progress=lambda d, t: calls.append((d, t)))
    plain = audit_model(model, T=12, n_samples=2, chunk=5)
    assert calls == [(k, 12) for k in range(1, 13)]  # 2 samples × 2 tests × ceil(12 / 5) chunks
    np.testing.assert_array_equal(with_progress.influence, plain.influence)
    np.testing.assert_array_equal(with_progress.suffix_change, plain.suffix_change)


def test_audit_timing_batches_only_when_that_is_cheap():
    from hoviz.views import cost

    model = tiny_simplicial()
    assert cost.time_audit_forward(model, 12, budget_s=60.0).batch == cost.audit_batch(12) == 24
    assert cost.time_audit_forward(model, 12, budget_s=0.0).batch == 1


def test_default_key_follows_the_query_through_its_own_marginal():
    model = tiny_simplicial()
    _, tr = views.trace_prompt(model, tuple(range(10)))
    keys = {}
    for i in (4, 9):
        S, allowed, _ = threeway.query_slice(tr, 0, 1, i)  # (T, T) over (j, l)
        for axis, over in (("j", 1), ("l", 0)):
            key = threeway.default_key(S, axis)
            marginal = S.sum(axis=over)  # Σ_l S[i, j, l] per j, or Σ_j per l
            assert marginal[key] == marginal.max() > 0 and key <= i  # an allowed key of this query, its heaviest
            keys[i, axis] = key
        # the fixed-key slice is drawn at the S slice's size and key-l columns, its rows the queries from key j on
        K, k_allowed = threeway.key_slice(tr, 0, 1, "j", keys[i, "j"])
        figs = threeway.figures(S, allowed, [], K, k_allowed, np.zeros((3, 10)), list("abcdefghij"), i, 1, "j",
                                keys[i, "j"])
        assert tuple(figs.fixed_key.layout.xaxis.range) == tuple(figs.slice.layout.xaxis.range) == (-0.5, i + 0.5)
        start = min(keys[i, "j"], 10 - (i + 1))
        np.testing.assert_array_equal(figs.fixed_key.data[0].y, np.arange(start, start + i + 1))
        assert start <= i < start + i + 1  # the query on screen is one of its rows
        assert figs.fixed_key.data[0].z.shape == figs.slice.data[0].z.shape == (i + 1, i + 1)
        assert figs.fixed_key.layout.height == figs.slice.layout.height
    assert keys[4, "j"] != keys[9, "j"] or keys[4, "l"] != keys[9, "l"]  # it moved with the query
    assert threeway.default_key(np.zeros((3, 3)), "l") == 0
