"""Foundation properties over every mixer: shapes, causality (suffix and gradient), trace invariance, round trip."""

import pytest
import torch

import hoviz
from hoviz.audit import audit_model
from hoviz.config import GPTConfig
from hoviz.model import GPT
from hoviz.tokenizer import CharTokenizer

KINDS = ["dense", "simplicial2", "gated_triangle", "scn"]
V, T = 13, 10


def tiny(kinds, **kw) -> GPT:
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=V, block_size=16, n_layer=len(kinds), n_head=2, n_embd=16, mixers=kinds,
                    scn_radius=1.0, **kw)
    return GPT(cfg).eval()


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_any_length(kind):
    model = tiny([kind, kind])
    for t in (1, 2, 7, 16):
        assert model(torch.randint(V, (3, t))).shape == (3, t, V)


@pytest.mark.parametrize("kinds", [[k] for k in KINDS] + [["dense", "simplicial2", "gated_triangle", "scn"]])
def test_audit_passes_every_causal_mixer(kinds):
    rep = audit_model(tiny(kinds), T=T, n_samples=2)
    assert not rep.leaks, rep.worst
    assert rep.worst == 0.0
    assert rep.influence.shape == (T, T)
    assert (rep.influence[torch.arange(T), torch.arange(T)] > 0).all()  # a token does influence itself


def test_audit_catches_the_leaky_mask():
    rep = audit_model(tiny(["simplicial2"], s2_mask="leaky"), T=T)
    assert rep.leaks and rep.worst > 1e-3
    assert rep.first_leak == 0  # position 0 already reads (0, l) for every l
    assert rep.future_grad.max() > 1e-3 and rep.suffix_change.max() > 1e-3  # both tests see it


def test_manual_suffix_change_matches_audit_claim():
    """Independent of the audit code: changing tokens after t leaves logits at <= t untouched."""
    for kind in KINDS:
        model = tiny([kind])
        x = torch.randint(V, (1, T))
        for t in range(T - 1):
            y = x.clone()
            y[0, t + 1:] = (y[0, t + 1:] + 1) % V
            with torch.no_grad():
                assert torch.equal(model(x)[0, : t + 1], model(y)[0, : t + 1]), (kind, t)


@pytest.mark.parametrize("kind", KINDS)
def test_trace_leaves_logits_unchanged_and_removes_hooks(kind):
    model = tiny([kind, "dense"])
    x = torch.randint(V, (2, T))
    with torch.no_grad():
        plain = model(x)
    logits, trace = hoviz.run_with_trace(model, x)
    torch.testing.assert_close(logits, plain, rtol=1e-5, atol=1e-6)  # dense traces via the explicit softmax
    assert all(not m._forward_hooks for m in model.modules())
    assert trace.resid(0).shape == (2, T, 16) and trace.resid(2).shape == (2, T, 16)
    p = trace.pattern(1)  # dense layer
    assert p.shape == (2, 2, T, T)
    torch.testing.assert_close(p.sum(-1), torch.ones(2, 2, T))
    assert torch.all(p.triu(1) == 0)


def test_trace_captures_only_what_is_asked():
    model = tiny(["dense", "simplicial2", "gated_triangle"])
    x = torch.randint(V, (1, T))
    _, trace = hoviz.run_with_trace(model, x, layers=[1], what=("qk",))
    assert trace.names() == ["blocks.1.mixer.hook_qk"]
    _, trace = hoviz.run_with_trace(model, x, layers=[2], what=("complex",))
    assert trace.names() == ["blocks.2.mixer.hook_complex"]
    with pytest.raises(ValueError, match="out of range"):
        hoviz.run_with_trace(model, x, layers=[5])


def test_hooks_removed_even_when_forward_fails():
    model = tiny(["dense"])
    with pytest.raises(ValueError):
        hoviz.run_with_trace(model, torch.randint(V, (1, 40)))  # longer than block_size
    assert all(not m._forward_hooks for m in model.modules())


def test_simplicial2_trace_matches_the_full_pattern():
    model = tiny(["simplicial2"])
    x = torch.randint(V, (1, T))
    _, trace = hoviz.run_with_trace(model, x, names=["blocks.0.mixer.hook_qk", "blocks.0.mixer.hook_pattern"])
    full = trace.cache["blocks.0.mixer.hook_pattern"]  # (B, H, T, T, T) only because it was named
    assert full.shape == (1, 2, T, T, T)
    for h in range(2):
        head = trace.simplicial(0, 0, h)
        torch.testing.assert_close(head.full().float(), full[0, h], rtol=1e-5, atol=1e-6)
        for i in (0, 3, T - 1):
            torch.testing.assert_close(head.query_slice(i).float(), full[0, h, i], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(head.key_slice("j", 2).float(), full[0, h, :, 2, :], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(head.key_slice("l", 4).float(), full[0, h, :, :, 4], rtol=1e-5, atol=1e-6)
        mj, ml = head.marginals()
        torch.testing.assert_close(mj.float(), full[0, h].sum(2), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ml.float(), full[0, h].sum(1), rtol=1e-5, atol=1e-6)
        assert head.joint_spread().shape == (T,) and (head.joint_spread() >= 0).all()
        assert head.joint_spread()[0] == 0  # one allowed pair: nothing to be 3-way about
        kl = (full[0, h] * (full[0, h].clamp_min(1e-30).log()
                            - (full[0, h].sum(2)[:, :, None] * full[0, h].sum(1)[:, None, :]).clamp_min(1e-30).log()))
        torch.testing.assert_close(head.joint_spread().float(), kl.sum((1, 2)), rtol=1e-4, atol=1e-5)
    layer = trace.simplicial(0, 0, None)  # all heads at once give the same numbers as one at a time
    torch.testing.assert_close(layer.joint_spread(), torch.stack([trace.simplicial(0, 0, h).joint_spread()
                                                                    for h in range(2)]))
    torch.testing.assert_close(layer.key_slice("l", 3), torch.stack([trace.simplicial(0, 0, h).key_slice("l", 3)
                                                                     for h in range(2)]))
    # The default trace carries the marginals and row entropies from the forward pass itself.
    _, trace = hoviz.run_with_trace(model, x)
    stats = trace.simplicial_stats(0)
    torch.testing.assert_close(trace.pattern(0), full.sum(-1), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(stats.marginal_l, full.sum(-2), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(trace.joint_spread(0)[0], layer.joint_spread(), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(trace.simplicial(0, 0, 1).lse(), trace.simplicial(0, 0, 1)._logits(0, T).flatten(1)
                               .logsumexp(-1))


def test_threeway_score_zero_for_a_product_pattern():
    """k1 = 0 makes logits independent of j: the joint is uniform-in-j ⊗ softmax-in-l, so KL = 0."""
    torch.manual_seed(1)
    from hoviz.threeway import SimplicialHead

    head = SimplicialHead(torch.randn(6, 4), torch.zeros(6, 4), torch.randn(6, 4))
    assert head.joint_spread().abs().max() < 1e-12
    eye = torch.eye(6) * 5  # logits 25·[j == l]: the joint sits on the diagonal, its marginals are uniform
    kl = SimplicialHead(torch.ones(6, 6), eye, eye).joint_spread()
    assert kl[1:].min() > 0.5 and abs(kl[5] - torch.log(torch.tensor(6.0))) < 0.01


def test_leaky_trace_statistics_match_its_pattern():
    model = tiny(["simplicial2"], s2_mask="leaky")
    x = torch.randint(V, (1, T))
    _, trace = hoviz.run_with_trace(model, x, names=["blocks.0.mixer.hook_stats", "blocks.0.mixer.hook_pattern",
                                                     "blocks.0.mixer.hook_qk"])
    full = trace.cache["blocks.0.mixer.hook_pattern"]
    torch.testing.assert_close(trace.pattern(0), full.sum(-1))
    torch.testing.assert_close(trace.joint_spread(0)[0], trace.simplicial(0, 0, None).joint_spread(), rtol=1e-4, atol=1e-5)


def test_leaky_mask_slice_shows_the_leak():
    from hoviz.threeway import SimplicialHead

    q = torch.randn(5, 4)
    causal = SimplicialHead(q, q, q).mask_slice(1)
    leaky = SimplicialHead(q, q, q, mask="leaky").mask_slice(1)
    assert causal.sum() == 4 and leaky.sum() == 10  # (j, l) in {0,1}² vs j <= 1, any l
    assert leaky[:, 2:].any() and not causal[:, 2:].any()


@pytest.mark.parametrize("kind", ["gated_triangle", "scn"])
def test_complex_mixers_report_their_complex(kind):
    model = tiny([kind], scn_max_edges=3, scn_max_triangles=2)
    x = torch.randint(V, (2, T))
    _, trace = hoviz.run_with_trace(model, x, what=("complex",))
    c = trace.complex(0, batch=1)
    assert c.num_vertices == T
    e, tri = c.edges, c.triangles
    assert e.shape[1] == 2 and (e[:, 0] < e[:, 1]).all()
    assert len(e) <= 3 * T and len(tri) <= 2 * T
    assert ((c.edge_weights > 0) & (c.edge_weights <= 1)).all()
    edges = {tuple(x) for x in e.tolist()}
    for j, k, i in tri.tolist():  # every triangle's three edges exist
        assert j < k < i and {(j, k), (j, i), (k, i)} <= edges


@pytest.mark.parametrize("kind", ["gated_triangle", "scn"])
def test_complex_mixers_radius_zero_build_nothing(kind):
    model = tiny([kind])
    model.blocks[0].mixer.radius = 0.0
    _, trace = hoviz.run_with_trace(model, torch.randint(V, (1, T)), what=("complex",))
    assert len(trace.complex(0).edges) == 0


@pytest.mark.parametrize("kinds", [["dense"], ["simplicial2"], ["gated_triangle"], ["scn"], ["dense", "simplicial2"]])
def test_save_load_round_trip(tmp_path, kinds):
    model = tiny(kinds, s2_window1=4)
    tok = CharTokenizer("abcdefghijklm")
    hoviz.save_checkpoint(tmp_path / "m", model, tok, {"metrics": {"val_loss": 1.0}})
    ck = hoviz.load_checkpoint(tmp_path / "m.safetensors")
    x = torch.randint(V, (2, T))
    with torch.no_grad():
        assert torch.equal(ck.model(x), model(x))
    assert not ck.model.training
    assert ck.meta["config"]["mixers"] == kinds and ck.meta["metrics"]["val_loss"] == 1.0
    assert ck.tokenizer.decode(ck.tokenizer.encode("abc")) == "abc"
    assert hoviz.list_checkpoints(tmp_path) == ["m"]


def test_generate_extends_and_respects_block():
    model = tiny(["dense"])
    out = model.generate(torch.zeros(1, 14, dtype=torch.long), 5, top_k=3, generator=torch.Generator().manual_seed(0))
    assert out.shape == (1, 19)
