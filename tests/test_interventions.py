"""Interventions: the intervened forward is the model's own when nothing is changed, the surrogate matches the explicit
(T, T, T) definition, zero and mean ablation do what they say, and the intervened model stays causal."""

import math
import threading

import numpy as np
import pytest
import torch

from hoviz.checkpoint import Checkpoint
from hoviz.config import GPTConfig
from hoviz.errors import EvidenceError
from hoviz.evidence import Evaluator, head_evidence, prompt_effect
from hoviz.heldout import Sample, score, text_sample
from hoviz.interventions import HeadMeans, Intervention, head_outputs, reference_means, run_intervened
from hoviz.mixers.simplicial import simplicial_mask
from hoviz.model import GPT
from hoviz.viz.tokens import surprisal

V, T = 13, 10
MODELS = {
    "dense": ["dense", "dense"],
    "simplicial2": ["dense", "simplicial2"],
    "leaky": ["simplicial2", "dense"],
    "conv": ["gated_triangle", "dense"],
    "mixed": ["simplicial2", "gated_triangle", "simplicial2"],
}


def tiny(kinds, seed=0, **kw) -> GPT:
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=V, block_size=16, n_layer=len(kinds), n_head=2, n_embd=16, mixers=kinds,
                    scn_radius=1.0, **kw)
    model = GPT(cfg).eval()
    with torch.no_grad():  # larger weights than the init, so that heads matter
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
    return model


def model_named(name):
    return tiny(MODELS[name], s2_mask="leaky" if name == "leaky" else "causal")


def interventions_for(model):
    """One of each kind that applies to each layer."""
    out = []
    for li, b in enumerate(model.blocks):
        out.append(Intervention(li, 0, "zero"))
        out.append(Intervention(li, None, "mean"))
        if b.kind == "simplicial2":
            out.append(Intervention(li, 1, "surrogate"))
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_no_intervention_is_the_model_itself(name):
    model = model_named(name)
    x = torch.randint(V, (3, T))
    torch.testing.assert_close(run_intervened(model, x).logits, model(x), rtol=0, atol=1e-6)


def explicit_surrogate_head(q, k1, k2, v1, v2, mask="causal"):
    """Surrogate output from the materialised (T, T, T) logits and their row/column means."""
    D = q.shape[-1]
    A = torch.einsum("id,jd,ld->ijl", q, k1, k2) / math.sqrt(D)  # (T, T, T)
    allowed = simplicial_mask(q.shape[0], mask=mask)
    Az = A.masked_fill(~allowed, 0.0)
    row = Az.sum(-1, keepdim=True) / allowed.sum(-1, keepdim=True).clamp_min(1)
    col = Az.sum(-2, keepdim=True) / allowed.sum(-2, keepdim=True).clamp_min(1)
    mu = Az.sum((-2, -1), keepdim=True) / allowed.sum((-2, -1), keepdim=True)
    S = (row + col - mu).masked_fill(~allowed, float("-inf")).flatten(-2).softmax(-1).view_as(A)
    return torch.einsum("ijl,jd,ld->id", S, v1, v2)


@pytest.mark.parametrize("mask", ["causal", "leaky"])
def test_surrogate_head_matches_the_explicit_cube(mask):
    model = tiny(["simplicial2"], s2_mask=mask).double()
    block = model.blocks[0]
    x = block.ln_1(model.embed(torch.randint(V, (2, T))))
    clean, qk = head_outputs(block, x)
    surr, _ = head_outputs(block, x, surrogate=[1])
    C, D = x.shape[-1], block.mixer.head_dim
    parts = block.mixer.qkv(x).split(C, dim=2)
    q, k1, k2, v1, v2 = (t.view(2, T, 2, D)[:, :, 1] for t in parts)  # head 1, (B, T, D)
    k2, v2 = k2 + 1.0 / D, v2 + 1.0  # the fallback bias the checkpointed configs use
    for b in range(2):
        torch.testing.assert_close(surr[b, 1], explicit_surrogate_head(q[b], k1[b], k2[b], v1[b], v2[b], mask))
    torch.testing.assert_close(surr[:, 0], clean[:, 0])  # the other head is untouched
    assert (surr[:, 1] - clean[:, 1]).abs().max() > 1e-3  # and a random head is not its own surrogate
    torch.testing.assert_close(qk[2, :, 1], k2)


def test_surrogate_of_an_additive_head_changes_nothing():
    """k2 constant (its weights zeroed, its bias constant): the logits are additive, so the surrogate is exact."""
    model = tiny(["dense", "simplicial2"])
    C = 16
    with torch.no_grad():
        model.blocks[1].mixer.qkv.weight[2 * C:3 * C] = 0.0
        model.blocks[1].mixer.qkv.bias[2 * C:3 * C] = 0.4
    x = torch.randint(V, (2, T))
    after = run_intervened(model, x, [Intervention(1, None, "surrogate")]).logits
    torch.testing.assert_close(after, model(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["dense", "simplicial2", "conv"])
def test_zero_ablation_equals_zeroing_the_values(name):
    """A head's output is zero exactly when its values are: dense v, 2-simplicial v1, the whole SCN output."""
    model = model_named(name)
    layer = 1 if name == "simplicial2" else 0
    x = torch.randint(V, (2, T))
    ablated = run_intervened(model, x, [Intervention(layer, 0, "zero")]).logits
    mixer, C, D = model.blocks[layer].mixer, 16, 8
    with torch.no_grad():
        if name == "conv":
            mixer.proj.weight.zero_()
            mixer.proj.bias.zero_()
        else:
            v = 2 * C if name == "dense" else 3 * C  # the rows of v (dense) or v1 (2-simplicial) in qkv
            mixer.qkv.weight[v:v + D] = 0.0
            mixer.qkv.bias[v:v + D] = 0.0
    torch.testing.assert_close(ablated, model(x), rtol=0, atol=1e-5)


def test_mean_ablation_semantics():
    model = model_named("mixed")
    x = torch.randint(V, (4, T))
    means = reference_means(model, x)
    assert means.means[0].shape == (2, T, 8) and means.means[1].shape == (1, T, 16) and means.n_prompts == 4
    heads = run_intervened(model, x, keep=("heads",)).heads
    torch.testing.assert_close(means.means[2], heads[2].mean(0))  # per position, over the reference prompts
    # The mean of one prompt is that prompt's own output: ablating with it changes nothing.
    one = reference_means(model, x[:1])
    torch.testing.assert_close(run_intervened(model, x[:1], [Intervention(0, None, "mean")], one).logits,
                               model(x[:1]), rtol=0, atol=1e-6)
    # Means of zero are zero ablation; shorter prompts read the first positions of the reference.
    zeros = HeadMeans({li: torch.zeros_like(m) for li, m in means.means.items()}, 1)
    for iv in (Intervention(2, 1, "mean"), Intervention(1, 0, "mean")):
        zero = Intervention(iv.layer, iv.head, "zero")
        torch.testing.assert_close(run_intervened(model, x[:, :6], [iv], zeros).logits,
                                   run_intervened(model, x[:, :6], [zero]).logits)
    with pytest.raises(EvidenceError, match="only 10"):
        run_intervened(model, torch.randint(V, (1, 12)), [Intervention(0, 0, "mean")], means)


@pytest.mark.parametrize("name", ["simplicial2", "conv", "mixed"])
def test_intervened_model_is_causal(name):
    model = model_named(name)
    torch.manual_seed(5)
    ref = torch.randint(V, (3, T))
    means = reference_means(model, ref)
    x = torch.randint(V, (1, T))
    plan = interventions_for(model)
    base = run_intervened(model, x, plan, means).logits
    assert (base - model(x)).abs().max() > 1e-4  # the interventions do change the model
    for t in range(T - 1):
        y = x.clone()
        y[0, t + 1:] = torch.randint(V, (T - t - 1,))
        torch.testing.assert_close(run_intervened(model, y, plan, means).logits[0, :t + 1], base[0, :t + 1],
                                   rtol=0, atol=1e-6)


def test_bad_interventions_raise_evidence_error():
    model = model_named("simplicial2")
    x = torch.randint(V, (1, T))
    with pytest.raises(EvidenceError, match="no pairwise surrogate"):
        run_intervened(model, x, [Intervention(0, 0, "surrogate")])
    with pytest.raises(EvidenceError, match="heads 0..1"):
        run_intervened(model, x, [Intervention(1, 2, "zero")])
    with pytest.raises(EvidenceError, match="layers 0..1"):
        run_intervened(model, x, [Intervention(2, 0, "zero")])
    with pytest.raises(EvidenceError, match="unknown intervention kind"):
        run_intervened(model, x, [Intervention(1, 0, "noise")])
    with pytest.raises(EvidenceError, match="reference means"):
        run_intervened(model, x, [Intervention(1, 0, "mean")])


def test_threads_sharing_one_model_see_only_their_own_interventions():
    model = model_named("mixed")
    x = torch.randint(V, (2, T))
    plans = [[], [Intervention(0, None, "surrogate")], [Intervention(1, 0, "zero")], [Intervention(2, 1, "surrogate")]]
    want = [run_intervened(model, x, p).logits for p in plans]
    got = [None] * (4 * len(plans))

    def work(k):
        for _ in range(3):
            got[k] = run_intervened(model, x, plans[k % len(plans)]).logits

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(got))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for k, g in enumerate(got):
        torch.testing.assert_close(g, want[k % len(plans)], rtol=0, atol=0)


def test_evaluator_shortcut_and_report():
    model = model_named("mixed")
    ids = torch.randint(V, (400,))
    sample, ref = text_sample(ids, 6, T, 0, "random ids"), text_sample(ids, 5, T, 1, "random ids")
    means = reference_means(model, ref.x)
    ev = Evaluator(model, sample, means, batch=4)
    assert ev.base == score(model(sample.x), sample)
    plan = [Intervention(2, 0, "surrogate")]
    eff = ev.effect(plan)  # starts at layer 2 from the clean run's residual
    assert eff.score == score(run_intervened(model, sample.x, plan).logits, sample)
    assert math.isclose(eff.delta_loss, eff.score.loss - ev.base.loss)
    late = run_intervened(model, sample.x[:4], start=2, resid=ev.resid[0][2], keep=("resid",))
    assert late.resid[:2] == [None, None] and late.resid[2] is ev.resid[0][2]
    ckpt = Checkpoint("tiny", model, None, {"weights_sha256": "ab" * 32})
    rep = head_evidence(ckpt, sample, ref)
    assert [h.name for h in rep.heads] == ["L0h0", "L0h1", "L2h0", "L2h1"]
    assert set(rep.heads[0].effects) == {"surrogate", "zero", "mean"} and rep.heads[0].interaction > 0
    assert set(rep.all_heads) == {"surrogate", "zero", "mean"} and rep.to_dict()["model"] == "tiny"
    every = head_evidence(ckpt, sample, ref, kinds=("zero",), every_mixer=True)
    assert [h.name for h in every.heads] == ["L0h0", "L0h1", "L1h0", "L2h0", "L2h1"]
    assert every.heads[2].interaction is None and set(every.heads[2].effects) == {"zero"}


def test_prompt_effect_is_aligned_with_surprisal():
    model = model_named("simplicial2")
    ids = torch.randint(V, (T,)).tolist()
    eff = prompt_effect(model, ids, [Intervention(1, 0, "surrogate")])
    np.testing.assert_allclose(eff.base, surprisal(model(torch.tensor([ids]))[0].detach().numpy(), ids), atol=1e-5)
    assert np.isnan(eff.delta[0]) and np.isfinite(eff.delta[1:]).all() and np.abs(eff.delta[1:]).max() > 0


def test_sample_without_labels_scores_loss_only():
    x = torch.zeros(1, 3, dtype=torch.long)
    s = Sample(x, torch.tensor([[1, -1, 0]]), "two scored tokens")
    logits = torch.zeros(1, 3, 4)
    assert score(logits, s).balanced_accuracy is None and math.isclose(score(logits, s).loss, math.log(4), rel_tol=1e-6)


def test_cli_on_a_match_checkpoint(tmp_path, capsys):
    """`python -m hoviz interventions` end to end on a tiny Match3 checkpoint whose sidecar records its training."""
    import json

    import hoviz
    from hoviz.__main__ import main as hoviz_main
    from hoviz.tasks import TaskSpec
    from hoviz.tokenizer import WordTokenizer
    from hoviz.training.config import TrainConfig
    from hoviz.training.data import task_vocab

    spec = TaskSpec("match3", M=7, N=8)
    cfg = TrainConfig.build(n_layer=1, n_head=2, n_embd=16, mixers=["simplicial2"], data="match3", task_M=7, task_N=8,
                            steps=1, warmup=0, eval_samples=64, eval_seed=3)
    torch.manual_seed(0)
    model = GPT(cfg.model_config(spec.vocab_size)).eval()
    hoviz.save_checkpoint(tmp_path / "m3", model, WordTokenizer(task_vocab(spec)),
                          meta={"task": spec.to_dict(), "training": {"config": cfg.to_dict()}})
    out = tmp_path / "ev.json"
    assert hoviz_main(["interventions", str(tmp_path / "m3"), "--kinds", "surrogate", "zero", "--buckets",
                       "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "64 match3 sequences (M=7, N=8) drawn from seed 3" in text and "L0h1 simplicial2" in text
    rep = json.loads(out.read_text())["reports"][0]
    assert [h["head"] for h in rep["heads"]] == [0, 1] and set(rep["all_heads"]) == {"surrogate", "zero"}
    assert rep["base"]["balanced_accuracy"] is not None and rep["surrogate_by_bucket"]["by_window_position"]
    zero = rep["all_heads"]["zero"]
    assert zero["delta_loss"] == pytest.approx(zero["score"]["loss"] - rep["base"]["loss"])
    assert hoviz_main(["interventions", str(tmp_path / "missing")]) == 2


def test_rank_correlation_and_intervened_checkpoint():
    from hoviz.evidence import EvidenceReport, HeadEvidence, HeldOutEffect, intervened_checkpoint, surrogate_all
    from hoviz.heldout import Score

    heads = [HeadEvidence(0, h, "simplicial2", s, m, {"surrogate": HeldOutEffect("", Score(0.0), d)})
             for h, (s, m, d) in enumerate([(0.1, 0.3, 0.01), (0.5, 0.2, 0.02), (0.9, 0.1, 0.05)])]
    rep = EvidenceReport("m", "", "", "", Score(0.0), heads, {})
    assert rep.rank_correlation("interaction") == pytest.approx(1.0)
    assert rep.rank_correlation("joint_spread") == pytest.approx(-1.0)
    assert np.isnan(EvidenceReport("m", "", "", "", Score(0.0), heads[:2], {}).rank_correlation())
    model = model_named("mixed")
    x = torch.randint(V, (2, T))
    ck = intervened_checkpoint(Checkpoint("mixed", model, None, {}), surrogate_all(model))
    assert ck.name == "mixed [L0 surrogate, L2 surrogate]"
    torch.testing.assert_close(ck.model(x), run_intervened(model, x, surrogate_all(model)).logits)
