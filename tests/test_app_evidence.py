"""Headless tests of the Evidence page (pages/8_evidence.py) on the tiny zoo: it runs for every model, shows the
per-head scatter, the Δ strip and the model comparison, round-trips its URL state, and turns what the tiny
checkpoints cannot do (no training record: no mean-ablation reference, no held-out text) into messages."""

from __future__ import annotations

import pytest

from pages.glue.page_table import PAGE_FILES
from tests.streamlit_harness import open_link, texts

SHORT = "ROMEO:\nBut soft, what light"
PAGE = PAGE_FILES["evidence"]


def run(query: dict):
    return open_link(PAGE, query, SHORT)


@pytest.mark.parametrize("model", ["tiny-dense", "tiny-simplicial2", "tiny-scn", "tiny-simplicial2-leaky",
                                   "tiny-match3"])
def test_evidence_page_runs_for_every_model(tiny_zoo, model):
    query = {"model": model}
    if model == "tiny-match3":
        query["prompt"] = "1 2 3 4 5 6 0 1"
    at = run(query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    charts = len(at.get("plotly_chart"))
    has_s2 = "simplicial2" in tiny_zoo.mixers[model]
    has_peer = model != "tiny-match3"  # the only word-level model has nobody to compare with
    assert charts == (3 if has_s2 else 0) + (1 if has_peer else 0), charts  # scatter, profile, Δ strip; comparison
    if has_s2:
        first = f"L{tiny_zoo.mixers[model].index('simplicial2')}h0"
        assert at.selectbox(key="evhead").value == first
        assert any("this prompt only" in c.value for c in at.caption)
    if not has_s2:
        assert any("no 2-simplicial layer" in i.value for i in at.info)


def test_evidence_page_url_state_and_messages(tiny_zoo):
    at = run({"model": "tiny-simplicial2", "evhead": "L1h1", "evkind": "zero", "vs": "tiny-scn"})
    assert not at.exception and not at.error, texts(at.error)
    assert at.selectbox(key="evhead").value == "L1h1" and at.radio(key="evkind").value == "zero"
    assert at.selectbox(key="vs").value == "tiny-scn" and at.query_params["evkind"] == "zero"
    at = run({"model": "tiny-simplicial2", "evkind": "mean", "evheld": "1"})
    assert not at.exception
    errors = texts(at.error)  # the tiny sidecars have no training record: both sections say so, the page goes on
    assert "L1h0 mean" in errors and "Held-out comparison" in errors and "training.config" in errors
    assert len(at.get("plotly_chart")) == 3  # scatter and profile before the failure, the comparison after it


def test_the_selected_position_is_marked_in_the_profile_and_both_token_strips(tiny_zoo):
    import json

    at = run({"model": "tiny-simplicial2", "evi": "6"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="evi").value == 6 and at.query_params["evi"] == "6"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    strips = [s for s in specs if any(t.get("texttemplate") for t in s["data"] if t["type"] == "heatmap")]
    assert len(strips) == 2  # the intervention's Δ strip and the model comparison
    for s in strips:
        (rect,) = s["layout"]["shapes"]
        assert (rect["x0"], rect["x1"], rect["y0"]) == (5.5, 6.5, -0.5), rect  # cell 6 of the first row
        assert any(t.get("name") == "click targets" for t in s["data"])  # a click on a token selects it
    profile = next(s for s in specs if s["layout"].get("title", {}).get("text", "").startswith("Per query"))
    assert [sh["x0"] for sh in profile["layout"]["shapes"]] == [6]
    at.slider(key="evi").set_value(2).run()
    assert at.query_params["evi"] == "2"
