"""Headless tests of the Streamlit app (pages 1-4 and the frame) with streamlit.testing.v1.AppTest on tiny models.

Every page runs for every mixer kind; the URL round-trips the view state; bad input (empty or unknown prompt, a
too-long prompt, no checkpoints, a broken checkpoint, nonsense URL parameters) gives a message, never a traceback.
    .venv/bin/python -m pytest -q tests/test_app.py
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from pages.glue.page_table import PAGE_FILES
from tests.streamlit_harness import open_link, texts

SHORT = "ROMEO:\nBut soft, what light"  # 27 characters: keeps T small
PAGES = {p: PAGE_FILES[p] for p in ("prompt", "attention", "threeway", "audit")}  # the others: test_app_topology


def run_app(query: dict | None = None, page: str = "prompt") -> AppTest:
    """Open a link: `page` with URL parameters `query` (the prompt defaults to SHORT), first render."""
    return open_link(PAGES[page], query or {}, SHORT)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ---------------------------------------------------------------- every page, every mixer kind
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("model", ["tiny-dense", "tiny-simplicial2", "tiny-scn", "tiny-simplicial2-leaky",
                                   "tiny-match3"])
def test_every_page_runs_for_every_model(tiny_zoo, page, model):
    query = {"model": model}
    if model == "tiny-match3":
        query["prompt"] = "1 2 3 4 5 6 0 1"
    at = run_app(query, page)
    assert_clean(at)
    assert not at.error or (page == "audit" and model.endswith("leaky")), texts(at.error)
    assert not at.warning, texts(at.warning)
    assert at.selectbox(key="model").value == model
    if not (page == "threeway" and "simplicial2" not in tiny_zoo.mixers[model]):
        assert len(at.get("plotly_chart")) >= 2
        assert len(at.get("download_button")) >= 2


def test_figures_export_png_or_svg_without_kaleido(tiny_zoo):
    at = run_app({"model": "tiny-dense", "img": "svg"}, "attention")
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        opts = json.loads(chart.proto.config)["toImageButtonOptions"]
        assert opts["format"] == "svg" and opts["filename"].startswith("tiny-dense")


def test_threeway_page_names_models_with_simplicial_layers(tiny_zoo):
    at = run_app({"model": "tiny-dense"}, "threeway")
    assert_clean(at)
    info = texts(at.info)
    assert "no 2-simplicial layer" in info
    for name in tiny_zoo.with_kind("simplicial2"):
        assert name in info


def test_threeway_mask_slice_shows_the_leak(tiny_zoo):
    at = run_app({"model": "tiny-simplicial2-leaky", "i": "5"}, "threeway")
    assert_clean(at)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [s["layout"].get("title", {}).get("text", "") for s in specs]
    assert any("reach the future (leak!)" in t for t in titles), titles
    at = run_app({"model": "tiny-simplicial2", "i": "5", "layer": "1"}, "threeway")
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    assert any("none after i" in t for t in titles), titles


def test_audit_verdicts_red_for_the_leaky_exhibit_green_for_the_rest(tiny_zoo):
    for name in tiny_zoo.names:
        at = run_app({"model": name, "audit_T": "8"}, "audit")
        assert_clean(at)
        if name.endswith("leaky"):
            assert "LEAK" in texts(at.error) and not at.success
        else:
            assert "Causal" in texts(at.success) and not at.error


def test_attention_page_explains_simplicial_layers(tiny_zoo):
    at = run_app({"model": "tiny-scn"}, "attention")
    assert "edge-affinity matrix" in texts(at.caption)
    at = run_app({"model": "tiny-simplicial2", "layer": "1", "marginal": "l"}, "attention")
    assert_clean(at)
    assert at.radio(key="marginal").value == "l"


def test_export_bytes():
    import io

    import numpy as np

    from pages.glue import exports as common

    data = json.loads(common.json_bytes({"s": np.array([np.nan, 1.5]), "n": np.int64(3), "t": (1, 2)}))
    assert data == {"s": [None, 1.5], "n": 3, "t": [1, 2]}
    arrays = np.load(io.BytesIO(common.npz_bytes({"a/b": np.eye(2), "tokens": np.array(["x", "↵"])})))
    assert np.array_equal(arrays["a/b"], np.eye(2)) and arrays["tokens"].tolist() == ["x", "↵"]


# ---------------------------------------------------------------- the URL holds the view state
def test_url_round_trip_attention(tiny_zoo):
    at = run_app({"model": "tiny-simplicial2", "layer": "1", "head": "1", "thr": "0.25", "layout": "spring",
                  "img": "svg"}, "attention")
    assert_clean(at)
    assert at.selectbox(key="layer").value == 1 and at.selectbox(key="head").value == 1
    assert at.slider(key="thr").value == pytest.approx(0.25)
    assert at.selectbox(key="layout").value == "spring" and at.radio(key="img").value == "svg"
    at.slider(key="thr").set_value(0.5).run()
    at.selectbox(key="head").select(0).run()
    assert at.query_params["thr"] == "0.5" and at.query_params["head"] == "0"
    assert at.query_params["model"] == "tiny-simplicial2" and at.query_params["prompt"] == SHORT


def test_url_round_trip_threeway(tiny_zoo):
    at = run_app({"model": "tiny-simplicial2", "i": "7", "axis": "l", "key": "3", "triples": "4"}, "threeway")
    assert_clean(at)
    assert (at.slider(key="i").value, at.radio(key="axis").value, at.slider(key="key").value) == (7, "l", 3)
    assert at.slider(key="triples").value == 4
    at.slider(key="i").set_value(9).run()
    assert at.query_params["i"] == "9"


def test_url_round_trip_prompt_page(tiny_zoo):
    at = run_app({"model": "tiny-dense", "pos": "4", "k": "5", "with": ["tiny-scn", "tiny-simplicial2"]})
    assert_clean(at)
    assert at.slider(key="pos").value == 4 and at.slider(key="k").value == 5
    assert at.multiselect(key="with").value == ["tiny-scn", "tiny-simplicial2"]
    assert len(at.get("plotly_chart")) == 6  # strip + top-k per model
    at.multiselect(key="with").unselect("tiny-scn").run()
    assert at.query_params["with"] == "tiny-simplicial2"
    at.toggle(key="sample").set_value(True).run()
    at.slider(key="n_new").set_value(10).run()
    assert_clean(at)
    assert at.query_params["sample"] == "1" and at.query_params["n_new"] == "10"
    assert len(at.code) == 1


def test_changing_model_swaps_in_its_default_prompt(tiny_zoo):
    at = run_app({"model": "tiny-dense"})
    at.query_params.pop("prompt", None)
    at.selectbox(key="model").select("tiny-match3").run()
    assert_clean(at)
    assert not at.error
    assert all(w.isdigit() for w in at.text_area(key="prompt").value.split())


# ---------------------------------------------------------------- bad input: a message, never a traceback
@pytest.mark.parametrize("page", list(PAGES))
def test_empty_prompt(tiny_zoo, page):
    at = run_app({"model": "tiny-simplicial2", "prompt": "   "}, page)
    assert_clean(at)
    if page == "audit":  # the audit reads random sequences, not the prompt
        assert not at.error
    else:
        assert "prompt is empty" in texts(at.error)


def test_unknown_characters(tiny_zoo):
    at = run_app({"model": "tiny-dense", "prompt": "Juliet ✓ is the sun"}, "attention")
    assert_clean(at)
    assert "not in the model's vocabulary" in texts(at.error) and "✓" in texts(at.error)
    assert at.selectbox(key="model").options  # the sidebar still works


def test_prompt_longer_than_block_size_is_truncated(tiny_zoo):
    at = run_app({"model": "tiny-simplicial2", "prompt": "ab" * 70, "layer": "1"}, "threeway")
    assert_clean(at)
    assert "truncated to the last 128 characters (12 dropped" in texts(at.warning)
    assert at.slider(key="i").max == 127


def test_word_model_in_a_side_by_side_column(tiny_zoo):
    at = run_app({"model": "tiny-dense", "with": "tiny-match3"})
    assert_clean(at)
    assert "tiny-match3 cannot read this prompt" in texts(at.warning)
    assert len(at.get("plotly_chart")) == 2  # the dense model still renders


@pytest.mark.parametrize("page", list(PAGES))
def test_no_checkpoints_installed(empty_zoo, page):
    at = run_app({}, page)
    assert_clean(at)
    assert "make zoo" in texts(at.error) and str(empty_zoo) in texts(at.error)


def test_checkpoint_that_fails_to_load(broken_zoo):
    at = run_app({"model": "tiny-broken"}, "attention")
    assert_clean(at)
    error = texts(at.error)
    assert "tiny-broken" in error and "failed to load" in error and "tiny-dense" in error
    options = at.selectbox(key="model").options  # the picker still lists every model, with its kinds
    assert [o.split()[0] for o in options] == ["tiny-broken", "tiny-dense"] and "dense" in options[1]
    at.selectbox(key="model").select("tiny-dense").run()
    assert_clean(at)
    assert not at.error and at.get("plotly_chart")


@pytest.mark.parametrize("query, needle", [
    ({"model": "no-such-model"}, "`model='no-such-model'`"),
    ({"layer": "7"}, "`layer='7'`: not one of the choices"),
    ({"head": "x"}, "`head='x'`"),
    ({"thr": "5"}, "`thr='5'`: out of range"),
    ({"thr": "nan"}, "`thr='nan'`: out of range"),
    ({"layout": "zigzag"}, "`layout='zigzag'`"),
    ({"img": "gif"}, "`img='gif'`"),
])
def test_nonsense_url_parameters_warn_and_fall_back(tiny_zoo, query, needle):
    at = run_app({"model": "tiny-dense", **query}, "attention")
    assert_clean(at)
    warning = texts(at.warning)
    assert needle in warning and "Using the default" in warning
    assert at.get("plotly_chart")


@pytest.mark.parametrize("query, page, needle", [
    ({"pos": "abc"}, "prompt", "`pos='abc'`: not an integer"),
    ({"pos": "-4"}, "prompt", "`pos='-4'`: out of range"),
    ({"with": ["tiny-scn", "bogus"]}, "prompt", "`with="),
    ({"seed": "1e99", "sample": "1"}, "prompt", "`seed='1e99'`"),
    ({"sample": "maybe"}, "prompt", "`sample='maybe'`: expected 1 or 0"),
    ({"i": "999"}, "threeway", "`i='999'`: out of range"),
    ({"axis": "k"}, "threeway", "`axis='k'`"),
    ({"audit_T": "100000"}, "audit", "`audit_T='100000'`"),
])
def test_nonsense_url_parameters_on_other_pages(tiny_zoo, query, page, needle):
    at = run_app({"model": "tiny-simplicial2", "layer": "1", **query}, page)
    assert_clean(at)
    assert needle in texts(at.warning)


# ---------------------------------------------------------------- Streamlit's two ways of running a page
@pytest.fixture
def steady_state_navigation(monkeypatch):
    """Run AppTest the way a warm server runs: st.navigation decides (no legacy `pages/` folder mode)."""
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def v2_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", v2_init)


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_run_under_the_frame_in_steady_state(tiny_zoo, steady_state_navigation, page):
    at = run_app({"model": "tiny-simplicial2", "layer": "1"}, page)
    assert_clean(at)
    assert not at.error and at.selectbox(key="model").value == "tiny-simplicial2"
    assert len(at.get("plotly_chart")) >= 2


def _default_head_and_query(name: str, prompt: str, layer: int) -> tuple[int, int]:
    """The head with the largest interaction KL and the peak of its joint-spread profile, computed without the app."""
    import hoviz
    from hoviz import views
    from hoviz.views import threeway

    ckpt = hoviz.load_checkpoint(name)
    _, tr = views.trace_prompt(ckpt.model, ckpt.tokenizer.encode(prompt))
    head = threeway.default_head(threeway.interaction(tr, layer))
    return head, threeway.default_query(threeway.scores(tr, layer), head)


def _default_query(name: str, prompt: str, layer: int) -> int:
    return _default_head_and_query(name, prompt, layer)[1]


def test_threeway_page_opens_on_the_most_threeway_query(tiny_zoo):
    at = run_app({"model": "tiny-simplicial2", "layer": "1"}, "threeway")
    assert_clean(at)
    head, i = _default_head_and_query("tiny-simplicial2", SHORT, layer=1)
    assert at.selectbox(key="head").value == head
    assert at.slider(key="i").value == i != len(SHORT) - 1
    assert f"head {head}: interaction KL" in texts(at.info)


def test_url_keeps_only_what_is_on_screen(tiny_zoo, steady_state_navigation):
    at = run_app({"model": "tiny-simplicial2", "layer": "1", "pos": "3"})
    at.switch_page(PAGES["threeway"]).run()
    assert_clean(at)
    i = str(_default_query("tiny-simplicial2", SHORT, layer=1))  # the page opens on the most 3-way query
    assert "pos" not in at.query_params and at.query_params["i"] == i  # dropped what this page does not use
    at.switch_page(PAGES["prompt"]).run()
    assert "i" not in at.query_params and at.query_params["pos"] == "3"  # but remembered for the session


def test_the_attention_pages_query_is_not_carried_to_the_threeway_page(tiny_zoo, steady_state_navigation):
    """The attention page's selected query (qi, opens on T - 1) is its own: the 3-way page still opens on its
    data-chosen query (the head is shared between pages, so it is set to the 3-way default here)."""
    head, i = _default_head_and_query("tiny-simplicial2", SHORT, layer=1)
    at = run_app({"model": "tiny-simplicial2", "layer": "1", "head": str(head)}, "attention")
    assert_clean(at)
    assert at.slider(key="qi").value == len(SHORT) - 1
    at.switch_page(PAGES["threeway"]).run()
    assert_clean(at)
    assert at.slider(key="i").value == i != len(SHORT) - 1


def test_zoo_is_read_once_per_run(tiny_zoo, monkeypatch):
    from pages.glue import zoo as glue

    calls = []
    real = glue.list_refs
    monkeypatch.setattr(glue, "list_refs", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = run_app({"model": "tiny-simplicial2"}, "prompt")
    assert_clean(at)
    first = len(calls)
    at.run()
    assert first == 1 and len(calls) == 2, (first, len(calls))  # one listing per run, however many pickers ask


def test_app_opens_on_the_featured_model(tiny_zoo, tmp_path, monkeypatch):
    import shutil

    for f in tiny_zoo.path.iterdir():
        shutil.copy(f, tmp_path / f.name)
    side = tmp_path / "tiny-simplicial2.json"
    side.write_text(json.dumps({**json.loads(side.read_text()), "featured": True}))
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(tmp_path))
    at = open_link(PAGES["threeway"], {}, SHORT)
    assert_clean(at)
    assert at.selectbox(key="model").value == "tiny-simplicial2" != min(tiny_zoo.names)
