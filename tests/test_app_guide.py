"""Headless tests of the app's guidance: the defaults a fresh link opens on (3-way head and query, Match3 head,
the complex page's SCN layer), the first page's "start here" buttons, the one-click model switch, the estimate
and confirmation before a slow audit, the streamed sample, and the pages that say they ignore the sidebar.
    .venv/bin/python -m pytest -q tests/test_app_guide.py
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st
import torch

import hoviz
from hoviz import views
from hoviz.tasks import TaskSpec
from hoviz.views import expressivity, threeway
from hoviz.viz.expressivity import matching_pairs
from pages.glue.page_table import PAGE_FILES
from tests.conftest import make_checkpoint
from tests.streamlit_harness import open_link, texts

SHORT = "ROMEO:\nBut soft, what light"


def run_app(page: str, query: dict | None = None):
    return open_link(PAGE_FILES[page], query or {}, SHORT)


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def headers(at) -> str:
    return texts(at.header)


def test_start_here_buttons_come_from_the_sidecars_and_open_their_page(tiny_zoo):
    at = run_app("prompt", {"model": "tiny-dense"})
    assert_clean(at)
    labels = [b.label for b in at.button if b.key and b.key.startswith("start-")]
    assert labels == ["The 3-way finding: tiny-simplicial2", "The leak exhibit: tiny-simplicial2-leaky",
                      "The Match3 solver: tiny-match3"]
    at.button(key="start-audit").click().run()
    assert_clean(at)
    assert at.selectbox(key="model").value == "tiny-simplicial2-leaky"
    assert "Causality audit" in headers(at) and "Prompt" not in headers(at)
    at = run_app("prompt", {"model": "tiny-dense"})
    at.button(key="start-threeway").click().run()
    assert_clean(at)
    assert at.selectbox(key="model").value == "tiny-simplicial2" and "3-way interactions" in headers(at)


def test_threeway_page_offers_a_model_switch_when_it_has_nothing_to_show(tiny_zoo):
    at = run_app("threeway", {"model": "tiny-dense"})
    assert_clean(at)
    assert not at.get("plotly_chart")
    switch = [b for b in at.button if b.key and b.key.startswith("switch-")]
    assert {b.label for b in switch} == {f"Switch to {n}" for n in tiny_zoo.with_kind("simplicial2")}
    at.button(key="switch-tiny-simplicial2").click().run()
    assert_clean(at)
    assert at.selectbox(key="model").value == "tiny-simplicial2" and len(at.get("plotly_chart")) >= 4


def test_complex_page_opens_on_the_scn_layer(tiny_zoo, tmp_path, monkeypatch):
    make_checkpoint(tmp_path, "tiny-dense-scn", ["dense", "scn"], scn_radius=1.0)
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(tmp_path))
    at = run_app("complex", {"model": "tiny-dense-scn"})
    assert_clean(at)
    assert at.selectbox(key="layer").value == 1  # not L0 (dense)
    assert "the mixer's complex" in " ".join(json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "")
                                             for c in at.get("plotly_chart"))
    at.selectbox(key="layer").select(0).run()  # one layer picker: the mixer's complex follows it
    assert_clean(at)
    assert "pick it in the sidebar's layer picker" in texts(at.info)


def test_expressivity_opens_on_the_head_with_most_weight_on_matching_pairs(tiny_zoo):
    at = run_app("expressivity")
    assert_clean(at)
    spec = TaskSpec("match3", M=7, N=8)
    x = spec.sample(1, torch.Generator().manual_seed(0))[0][0].tolist()
    y = expressivity.true_labels(x, spec)
    i = int(np.flatnonzero(y)[-1])
    ckpt = hoviz.load_checkpoint(tiny_zoo.path / "tiny-match3")
    _, tr = views.trace_prompt(ckpt.model, ckpt.tokenizer.encode(" ".join(map(str, x))))
    pairs = matching_pairs(x, i, spec.M)
    weights = [expressivity.matching_weight(threeway.query_slice(tr, 1, h, i)[0], pairs) for h in range(2)]
    head = expressivity.default_match_head(weights)
    assert at.slider(key="m3i").value == i and at.selectbox(key="m3head").value == head
    assert expressivity.match_head_summary(weights, head) in texts(at.info)
    assert "This page ignores the model and prompt above" in texts(at.sidebar.caption)


def test_audit_shows_its_estimate_and_asks_before_an_expensive_run(tiny_zoo, monkeypatch):

    st.cache_resource.clear()  # the audit store is per server: start from nothing paid for
    at = run_app("audit", {"model": "tiny-dense", "audit_T": "16"})
    assert_clean(at)
    assert "Estimated about" in texts(at.caption) and "for the audit (T = 16, 1 sequence)" in texts(at.caption)
    assert len(at.get("plotly_chart")) == 2  # cheap: ran at once
    monkeypatch.setenv("HOVIZ_CONFIRM_S", "0")
    at = run_app("audit", {"model": "tiny-simplicial2", "audit_T": "16"})
    assert_clean(at)
    assert "2-simplicial, so the cost grows as T³" in texts(at.caption)
    assert not at.get("plotly_chart") and "press the button to run it" in texts(at.info)
    at.button(key="go-audit-tiny-simplicial2-16-1").click().run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2
    at.run()  # paid for: no estimate and no button again
    assert "Estimated" not in texts(at.caption) and not [b for b in at.button if b.key.startswith("go-")]


def test_sample_is_streamed_and_matches_generate(tiny_zoo):
    st.cache_resource.clear()
    at = run_app("prompt", {"model": "tiny-dense", "sample": "1", "n_new": "10", "seed": "3"})
    assert_clean(at)
    assert "Estimated about" in texts(at.caption) and "for sampling 10 tokens" in texts(at.caption)
    ckpt = hoviz.load_checkpoint(tiny_zoo.path / "tiny-dense")
    ids = ckpt.tokenizer.encode(SHORT)
    top_k = min(20, len(ckpt.tokenizer))
    want = ckpt.model.generate(torch.tensor([ids]), 10, 0.8, top_k, generator=torch.Generator().manual_seed(3))
    text = ckpt.tokenizer.decode(want[0, len(ids):].tolist())
    assert any(c.value.endswith("▌" + text) for c in at.code)


def test_threeway_fresh_link_opens_on_the_most_3way_layer_head_and_query(tiny_zoo, tmp_path, monkeypatch):
    make_checkpoint(tmp_path, "tiny-two-s2", ["simplicial2", "simplicial2"], std=0.6)
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(tmp_path))
    ckpt = hoviz.load_checkpoint(tmp_path / "tiny-two-s2")
    _, tr = views.trace_prompt(ckpt.model, ckpt.tokenizer.encode(SHORT))
    inters = {n: threeway.interaction(tr, n) for n in (0, 1)}
    layer = threeway.default_layer(inters)
    head = threeway.default_head(inters[layer])
    i = threeway.default_query(threeway.scores(tr, layer), head)
    at = run_app("threeway", {"model": "tiny-two-s2"})
    assert_clean(at)
    assert (at.selectbox(key="layer").value, at.selectbox(key="head").value, at.slider(key="i").value) == \
        (layer, head, i)


def test_compare_and_expressivity_show_the_sidebar_model_and_prompt_disabled(tiny_zoo):
    for page in ("compare", "expressivity"):
        at = run_app(page, {"model": "tiny-dense"})
        assert_clean(at)
        assert at.selectbox(key="model").disabled and at.text_area(key="prompt").disabled, page
        assert at.selectbox(key="model").value == "tiny-dense"  # still kept in the URL for the next page
    at = run_app("prompt", {"model": "tiny-dense"})
    assert not at.selectbox(key="model").disabled and not at.text_area(key="prompt").disabled


def test_evidence_page_offers_a_model_switch_for_a_model_without_2simplicial_heads(tiny_zoo):
    at = open_link(PAGE_FILES["evidence"], {"model": "tiny-dense"}, SHORT)
    assert_clean(at)
    at.button(key="switch-tiny-simplicial2").click().run()
    assert_clean(at)
    assert at.selectbox(key="model").value == "tiny-simplicial2" and "no 2-simplicial layer" not in texts(at.info)


def test_audit_all_models_asks_once_for_the_total(tiny_zoo, monkeypatch):

    st.cache_resource.clear()
    monkeypatch.setenv("HOVIZ_CONFIRM_S", "0")
    at = run_app("audit", {"model": "tiny-dense", "audit_T": "8", "audit_all": "1"})
    assert_clean(at)
    at.button(key="go-audit-tiny-dense-8-1").click().run()  # the page's own audit first
    assert_clean(at)
    def per_model(at):
        return [e.value for e in [*at.success, *at.error] if str(e.value).startswith("**")]

    assert any("more model(s)" in c.value for c in at.caption) and not per_model(at)
    go_all = [b for b in at.button if b.key.startswith("go-audit-all-8-1-")]
    assert len(go_all) == 1
    go_all[0].click().run()
    assert_clean(at)
    assert len(per_model(at)) == len(tiny_zoo.names)  # a verdict per model
