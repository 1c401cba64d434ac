"""The Evidence page's view (hoviz.views.evidence) without Streamlit: stored held-out reports are used only for their
own weights, else the prompt is scored; interventions and comparisons read the right targets."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from hoviz.checkpoint import Checkpoint
from hoviz.config import GPTConfig
from hoviz.evidence import head_evidence
from hoviz.evidence_prompt import prompt_scores
from hoviz.heldout import text_sample
from hoviz.interventions import Intervention
from hoviz.model import GPT
from hoviz.tokenizer import CharTokenizer
from hoviz.views import evidence

TOK = CharTokenizer("abcdefghijk")
T = 12


def ckpt(name, mixers, seed=0):
    torch.manual_seed(seed)
    m = GPT(GPTConfig(vocab_size=len(TOK), block_size=16, n_layer=len(mixers), n_head=2, n_embd=16, mixers=mixers))
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
    return Checkpoint(name, m.eval(), TOK, {"weights_sha256": f"{seed:064d}"})


def test_heads_view_prefers_a_matching_stored_report(tmp_path):
    ck = ckpt("tiny-s2", ["dense", "simplicial2"])
    ids = tuple(torch.randint(len(TOK), (T,)).tolist())
    prompt_only = evidence.heads(ck, ids, tmp_path / "none.json")
    assert prompt_only.source == "prompt" and [h.name for h in prompt_only.heads] == ["L1h0", "L1h1"]
    ids_all = torch.randint(len(TOK), (300,))
    rep = head_evidence(ck, text_sample(ids_all, 4, T, 0, "ids"), text_sample(ids_all, 4, T, 1, "ids"))
    path = tmp_path / "ev.json"
    path.write_text(json.dumps({"command": "python -m hoviz interventions tiny-s2", "reports": [rep.to_dict()]}))
    stored = evidence.heads(ck, ids, path)
    assert stored.source == "held-out" and "python -m hoviz interventions tiny-s2" in stored.note
    assert set(stored.all_heads) == {"surrogate", "zero", "mean"} and not stored.is_match
    other = evidence.heads(ckpt("tiny-s2", ["dense", "simplicial2"], seed=1), ids, path)
    assert other.source == "prompt" and "other weights" in other.note
    eff = evidence.intervention_delta(ck, ids, Intervention(1, 0, "surrogate"))
    scores = prompt_scores(ck.model, ids, 1)
    figs = evidence.head_figures(stored, (1, 0), scores, TOK.tokens(ids))
    assert figs.effects is not None and len(figs.scatter.data) == 2 and len(figs.profile.data) == 2
    assert evidence.head_figures(prompt_only, (1, 0), scores, TOK.tokens(ids)).effects is None
    strip = evidence.delta_figure(eff, TOK.tokens(ids), "L1h0 surrogate")
    np.testing.assert_allclose(strip.data[0].z.ravel()[1:T], eff.delta[1:], atol=6e-4)  # the strip sends 3 decimals
    assert evidence.surrogate_heads(ck.model) == [(1, 0), (1, 1)]


def test_comparable_and_compare_prompt():
    a, b = ckpt("a", ["dense"]), ckpt("b", ["simplicial2"], 1)
    text = {"name": "shakespeare"}
    entries = {"a": SimpleNamespace(tokenizer=TOK, task=text), "b": SimpleNamespace(tokenizer=TOK, task=text),
               "c": SimpleNamespace(tokenizer=CharTokenizer("xyz"), task=text),
               "d": SimpleNamespace(tokenizer=None, task=None),
               "m3": SimpleNamespace(tokenizer=TOK, task={"name": "match3", "M": 9, "N": 8}),
               "m2": SimpleNamespace(tokenizer=TOK, task={"name": "match2", "M": 9, "N": 8}),
               "m3b": SimpleNamespace(tokenizer=TOK, task={"name": "match3", "M": 9, "N": 8})}
    assert evidence.comparable(entries, "a") == ["b"]
    assert evidence.comparable(entries, "d") == []
    assert evidence.comparable(entries, "m3") == ["m3b"]  # same vocabulary as match2, another task
    cmp = evidence.compare_prompt([a, b], tuple(range(8)))
    assert cmp.losses.shape == (2, 8) and np.isnan(cmp.losses[:, 0]).all()


def test_mean_reference_needs_a_training_record():
    from hoviz.errors import EvidenceError

    with pytest.raises(EvidenceError, match="training.config"):
        evidence.mean_reference(ckpt("a", ["dense"]))


def test_the_selected_position_and_head_are_marked_in_every_figure(tmp_path):
    from hoviz.evidence_prompt import prompt_scores
    from hoviz.viz.evidence import effects_figure

    ck = ckpt("tiny-s2", ["dense", "simplicial2"])
    torch.manual_seed(1)
    ids = tuple(torch.randint(len(TOK), (T,)).tolist())
    inter = prompt_scores(ck.model, ids, 1)[0]  # (H, T)
    for head in (0, 1):
        assert evidence.default_position(inter[head]) == int(np.argmax(inter[head]))
    hv = evidence.heads(ck, ids, tmp_path / "none.json")
    figs = evidence.head_figures(hv, (1, 1), prompt_scores(ck.model, ids, 1), TOK.tokens(ids), i=5)
    assert [s.x0 for s in figs.profile.layout.shapes] == [5]  # the dashed line at the selected query
    eff = evidence.intervention_delta(ck, ids, Intervention(1, 1, "surrogate"))
    rect = evidence.delta_figure(eff, TOK.tokens(ids), "L1h1 surrogate", i=5).layout.shapes
    assert len(rect) == 1 and (rect[0].x0, rect[0].x1, rect[0].y0) == (4.5, 5.5, -0.5)  # cell 5 of row 0 outlined
    assert not evidence.delta_figure(eff, TOK.tokens(ids), "L1h1 surrogate").layout.shapes
    heads = [h for h in hv.heads]
    heads = [type(h)(h.layer, h.head, h.kind, h.interaction, h.joint_spread, {"surrogate": eff_}) for h, eff_ in
             zip(heads, [SimpleNamespace(delta_loss=0.1), SimpleNamespace(delta_loss=-0.2)])]
    bars = effects_figure(heads, highlight="L1h1").data[0]
    assert list(bars.marker.line.color) == ["rgba(0,0,0,0)", "#ff7f0e"]  # only the chosen head's bar outlined
