"""Prompt-level evidence for the app, and stored held-out reports read back only for the weights they were made on."""

import json

import numpy as np
import pytest
import torch

from hoviz.checkpoint import Checkpoint
from hoviz.config import GPTConfig
from hoviz.evidence import head_evidence
from hoviz.evidence_prompt import (
    prompt_head_evidence,
    prompt_scores,
    prompt_targets,
    report_from_dict,
    stored_report,
)
from hoviz.heldout import text_sample
from hoviz.interventions import Intervention, run_intervened
from hoviz.model import GPT
from hoviz.threeway import pattern_scores

V, T = 11, 12


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=V, block_size=16, n_layer=2, n_head=2, n_embd=16, mixers=["dense", "simplicial2"]))
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
    return m.eval()


def test_prompt_head_evidence(model):
    ids = torch.randint(V, (T,)).tolist()
    heads = prompt_head_evidence(model, ids)
    assert [h.name for h in heads] == ["L1h0", "L1h1"]
    qk = run_intervened(model, torch.tensor([ids]), keep=("qk",)).qk[1]
    s = pattern_scores(*qk[:, 0])
    assert heads[1].interaction == pytest.approx(float(s.interaction[1].mean()))
    inter, spread = prompt_scores(model, ids, 1)
    np.testing.assert_allclose(inter, s.interaction.numpy())
    np.testing.assert_allclose(spread, s.joint_spread.numpy())
    x = torch.tensor([ids])
    tgt = torch.tensor([ids[1:] + [-1]])
    def loss(lg):
        return float(torch.nn.functional.cross_entropy(lg[0, :-1], tgt[0, :-1]))
    with torch.no_grad():
        want = loss(run_intervened(model, x, [Intervention(1, 0, "surrogate")]).logits) - loss(model(x))
    assert heads[0].effects["surrogate"].delta_loss == pytest.approx(want, abs=1e-5)


def test_stored_report_round_trip_and_sha_check(model, tmp_path):
    ids = torch.randint(V, (300,))
    rep = head_evidence(Checkpoint("tiny", model, None, {"weights_sha256": "ab" * 32}),
                        text_sample(ids, 4, T, 0, "ids"), text_sample(ids, 4, T, 1, "ids"))
    path = tmp_path / "ev.json"
    path.write_text(json.dumps({"command": "python -m hoviz interventions tiny", "reports": [rep.to_dict()]}))
    back, cmd = stored_report("tiny", "ab" * 32, path)
    assert cmd == "python -m hoviz interventions tiny" and back == report_from_dict(rep.to_dict())
    assert back.heads[1].effects["mean"].delta_loss == rep.heads[1].effects["mean"].delta_loss
    assert back.all_heads["zero"].score == rep.all_heads["zero"].score
    none, why = stored_report("tiny", "cd" * 32, path)
    assert none is None and "other weights" in why and "python -m hoviz interventions tiny" in why
    assert stored_report("other", "ab" * 32, path)[0] is None
    assert "missing" in stored_report("tiny", "ab" * 32, tmp_path / "nope.json")[1]


def test_prompt_targets():
    from hoviz.tasks import TaskSpec

    spec = TaskSpec("match3-repeats", M=7, N=8)
    assert prompt_targets({"task": {"name": "shakespeare"}}, [1, 2]) is None
    t = prompt_targets({"task": {**spec.to_dict(), "name": "match3-repeats"}}, [1, 2, 4, 0])
    assert t == [7, 7, 8, 8]  # 1+2+4 = 7 ≡ 0 at i=2; 0+0+0 at i=3
    strict = TaskSpec("match3", M=7, N=8)
    assert prompt_targets({"task": strict.to_dict()}, [1, 2, 4, 3])[:2] == [-1, -1]  # not scored before i = 2
