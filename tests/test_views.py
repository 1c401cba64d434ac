"""The app's computations without Streamlit (hoviz.views), the zoo's typed records (hoviz.zoo.ModelRef: a sidecar
edit changes the cache key), the featured default model, and that every preset a page or the README names exists.
    .venv/bin/python -m pytest -q tests/test_views.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import hoviz
from hoviz import views
from hoviz.errors import TaskError
from hoviz.mixers import COMPLEX_MIXERS
from hoviz.records import SimplicialStats
from hoviz.tasks import TaskSpec
from hoviz.training.presets import PRESETS
from hoviz.views import attention, compare, expressivity, threeway
from hoviz.zoo import default_model, list_zoo, model_ref
from tests.conftest import make_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def tiny(mixers, **kw):
    torch.manual_seed(0)
    cfg = hoviz.GPTConfig(vocab_size=11, block_size=16, n_layer=len(mixers), n_head=2, n_embd=16, mixers=mixers, **kw)
    return hoviz.GPT(cfg).eval()


@pytest.mark.parametrize("mixers", [["dense"], ["simplicial2"], ["gated_triangle"], ["scn"]])
def test_pairwise_view_and_mask_for_every_kind(mixers):
    model = tiny(mixers, **({"scn_radius": 1.0} if mixers[0] in COMPLEX_MIXERS else {}))
    ids = tuple(range(9))
    logits, tr = views.trace_prompt(model, ids)
    assert logits.shape == (9, 11)
    P = attention.pairwise(tr, 0)
    A = attention.allowed(model, 0, 9)
    assert P.shape[-2:] == (9, 9) and A.shape == (9, 9) and A.dtype == bool
    assert not P[:, ~A].any()  # nothing outside the mask
    if mixers[0] not in COMPLEX_MIXERS:
        np.testing.assert_allclose(P.sum(-1), 1.0, atol=1e-5)  # rows are distributions
    figs = attention.figures(P, A, [str(t) for t in ids], 0, kind=mixers[0])
    assert len(figs.entropies) == P.shape[0] and figs.grid.data


def test_threeway_view_and_default_query():
    model = tiny(["simplicial2"])
    _, tr = views.trace_prompt(model, tuple(range(10)))
    assert isinstance(tr.simplicial_stats(0), SimplicialStats)
    scores = threeway.scores(tr, 0)  # (H, T)
    i = threeway.default_query(scores, 1)
    assert scores.shape == (2, 10) and scores[1, i] == scores[1].max() > 0
    assert threeway.default_query(np.zeros((1, 9))) == 4  # no 3-way structure: the middle
    S, allowed, triples = threeway.query_slice(tr, 0, 1, i, k=3)
    assert S.shape == allowed.shape == (10, 10) and abs(S.sum() - 1) < 1e-5 and len(triples) == 3
    K, k_allowed = threeway.key_slice(tr, 0, 1, "l", 2)
    assert not K[~k_allowed].any()


def test_kernel_theory_rows():
    rows = compare.kernel_theory_rows([{"impl": "naive", "T": 4, "B": 2, "H": 3}, {"impl": "explicit", "T": 4},
                                       {"impl": "blockwise", "T": 4}])
    assert [r["bytes"] for r in rows] == [4.0 * 2 * 3 * 64, 4.0 * 16]


def test_cost_row():
    model = tiny(["dense"])
    row = compare.cost_row("m", "dense", model, 8, 2**20, {"metrics": {"val_loss": 2.5}, "exhibit": {"why": "x"}})
    assert row["params"] == model.num_params() and row["peak_MiB"] == 1.0 and row["val_loss"] == 2.5
    assert row["flops_per_token"] > 0 and row["exhibit"] and row["balanced_accuracy"] is None


def test_parse_sequence_and_labels():
    spec = TaskSpec("match3", M=7, N=8)
    assert expressivity.parse_sequence("1, 2 3", spec) == [1, 2, 3]
    for bad in ("", "1 x", "9", " ".join(["1"] * 9)):
        with pytest.raises(TaskError):
            expressivity.parse_sequence(bad, spec)
    assert expressivity.true_labels([1, 2, 4], spec).tolist() == [0, 0, 1]  # 1 + 2 + 4 = 7
    assert expressivity.wl_pair("k3c6").same


def test_model_ref_sees_sidecar_edits(tmp_path):
    make_checkpoint(tmp_path, "m", ["dense"])
    before = model_ref("m", tmp_path)
    assert model_ref("m", tmp_path) == before  # stable while nothing changes
    side = tmp_path / "m.json"
    meta = json.loads(side.read_text())
    meta["metrics"]["val_loss"] = 1.25
    side.write_text(json.dumps(meta, indent=1))
    after = model_ref("m", tmp_path)
    assert after != before and after.name == before.name and after.path == before.path
    entry = {e.name: e for e in list_zoo(tmp_path)}["m"]
    assert entry.ref == after and entry.metric == "val loss 1.250"  # read afresh under the new key


def test_app_model_cache_sees_sidecar_edits(tmp_path, monkeypatch):
    from pages.glue import zoo as glue

    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(tmp_path))
    make_checkpoint(tmp_path, "m", ["dense"])
    first = glue.load_model("m")
    side = tmp_path / "m.json"
    side.write_text(side.read_text().replace('"steps": 0', '"steps": 7'))
    second = glue.load_model("m")
    assert first.ref != second.ref and second.meta["training"]["steps"] == 7 != first.meta["training"]["steps"]


def test_featured_sidecar_is_the_default_model(tmp_path):
    make_checkpoint(tmp_path, "a-first", ["dense"])
    make_checkpoint(tmp_path, "b-featured", ["simplicial2"])
    assert default_model(list_zoo(tmp_path)) == "a-first"
    side = tmp_path / "b-featured.json"
    side.write_text(json.dumps({**json.loads(side.read_text()), "featured": True}))
    assert default_model(list_zoo(tmp_path)) == "b-featured"
    shipped = [e.name for e in list_zoo(ROOT / "checkpoints") if e.featured]
    assert shipped == ["shakespeare-simplicial2"]


PRESET_LIKE = r"\b(?:cpu|match[23]|shakespeare)-[a-z0-9-]*[a-z0-9]\b"


def preset_names(text: str, whole: bool) -> set[str]:
    """Preset-like names in `text`: after `--preset` or inside backticks (and anywhere when `whole`)."""
    spans = [text] if whole else re.findall(r"`[^`\n]+`", text) + re.findall(r"--preset[ =]+\S+", text)
    return {m for span in spans for m in re.findall(PRESET_LIKE, span)}


def test_every_preset_the_pages_or_readme_name_exists():
    named = preset_names((ROOT / "README.md").read_text(), whole=True)
    for f in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        named |= preset_names(f.read_text(), whole=False)
    assert {"match3-dense", "match3-simplicial2", "cpu-dense"} <= named, "the pattern is stale"
    assert named <= set(PRESETS), sorted(named - set(PRESETS))
    assert preset_names("train `match3-dense1` too", whole=False) == {"match3-dense1"}  # the page's old typo
