"""Headless tests of pages 5-7 (simplicial complex & persistence, compare, expressivity lab) with AppTest on tiny models.

Every page runs for every mixer kind; the URL round-trips their view state (radius, cap, source, T, pair, sequence,
query position ...); bad input (nonsense URL values, an unreadable sequence, no or broken checkpoints, a corrupt
bench file) gives a message, never a traceback.
    .venv/bin/python -m pytest -q tests/test_app_topology.py
"""

from __future__ import annotations

import json

import pytest
import torch
from streamlit.testing.v1 import AppTest

from hoviz.tasks import labels
from hoviz.viz.expressivity import matching_pairs
from pages.glue.page_table import PAGE_FILES
from tests.streamlit_harness import open_link, texts

SHORT = "ROMEO:\nBut soft, what light through"  # 35 characters: keeps T small
PAGES = {p: PAGE_FILES[p] for p in ("complex", "compare", "expressivity")}  # the others: test_app
MODELS = ["tiny-dense", "tiny-simplicial2", "tiny-scn", "tiny-simplicial2-leaky", "tiny-match3"]


def run_app(page: str, query: dict | None = None) -> AppTest:
    """Open a link to `page` with URL parameters `query` (the prompt defaults to SHORT): the first render."""
    return open_link(PAGES[page], query or {}, SHORT)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [(s["layout"].get("title") or {}).get("text", "") for s in specs(at)]


def assert_clean(at: AppTest, errors_ok: bool = False) -> None:
    assert not at.exception, [e.value for e in at.exception]
    if not errors_ok:
        assert not at.error, texts(at.error)


def param(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) and len(value) == 1 else value


# ---------------------------------------------------------------- page 5: simplicial complex & persistence
@pytest.mark.parametrize("model", MODELS)
def test_complex_page_runs_for_every_model(tiny_zoo, model):
    query = {"model": model}
    if model == "tiny-match3":
        query["prompt"] = "1 2 3 4 5 6 0 1"
    at = run_app("complex", query)
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    assert len(at.get("plotly_chart")) >= 4  # complex, diagram, barcode, Betti curves
    assert len(at.get("download_button")) == 2
    metrics = {m.label: m.value for m in at.metric}
    assert {"β0 (components)", "β1 (loops)", "β2 (voids)", "edges", "triangles"} <= set(metrics)
    assert any(t.startswith("Vietoris–Rips complex") for t in titles(at))
    if "scn" in tiny_zoo.mixers[model]:  # + the prefix complex K_i, its responses and its Hodge spectra
        assert len(at.get("plotly_chart")) == 8
        assert "the mixer's complex" in " ".join(titles(at))
        assert "Betti numbers (β0, β1, β2)" in texts(at.markdown)
        assert "zero eigenvalues of L0, L1, L2" in texts(at.markdown)
        assert any(t.startswith("L0: the prefix complex K_") for t in titles(at))


def test_scn_prefix_slider_round_trips(tiny_zoo):
    at = run_app("complex", {"model": "tiny-scn", "scn_i": "3"})
    assert_clean(at)
    assert at.slider(key="scn_i").value == 3 and param(at, "scn_i") == "3"
    assert any(t.startswith("L0: the prefix complex K_3 ") for t in titles(at))
    at.slider(key="scn_i").set_value(5).run()
    assert param(at, "scn_i") == "5" and any("K_5 " in t for t in titles(at))


def test_complex_radius_zero_is_all_components(tiny_zoo):
    at = run_app("complex", {"model": "tiny-dense", "r": "0"})
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["β0 (components)"] == str(len(SHORT)) and metrics["edges"] == "0"


def test_complex_url_round_trip(tiny_zoo):
    query = {"model": "tiny-simplicial2", "layer": "1", "src": "residual", "dist": "euclidean", "r": "0.45",
             "cap": "3", "cx_layout": "circular", "seed": "7", "cx3d": "1"}
    at = run_app("complex", query)
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    assert at.slider(key="r").value == pytest.approx(0.45)
    assert at.number_input(key="cap").value == 3 and at.selectbox(key="src").value == "residual"
    for k, v in query.items():
        assert param(at, k) == v, k
    assert "residual (euclidean)" in titles(at)[0] and "≤ 3 per token" in titles(at)[0]
    assert any(t["type"] == "mesh3d" for s in specs(at) for t in s["data"])  # the 3-D toggle
    at.slider(key="r").set_value(0.6).run()
    assert_clean(at)
    assert param(at, "r") == "0.6"
    assert any(sh.get("x0") == 0.6 for s in specs(at) for sh in s["layout"].get("shapes", []))
    # the link reproduces the view: a fresh session opened with the new URL shows the same thing
    again = run_app("complex", {k: param(at, k) for k in query})
    assert again.slider(key="r").value == pytest.approx(0.6)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


@pytest.mark.parametrize("bad", [{"r": "7"}, {"r": "abc"}, {"cap": "-3"}, {"src": "bogus"}, {"head": "9"},
                                 {"cx_layout": "hexagonal"}, {"cx3d": "maybe"}])
def test_complex_bad_url_values_warn_and_fall_back(tiny_zoo, bad):
    at = run_app("complex", {"model": "tiny-dense", **bad})
    assert_clean(at)
    key = next(iter(bad))
    assert f"Ignored URL parameter `{key}=" in texts(at.warning)
    assert len(at.get("plotly_chart")) >= 4


def test_complex_unreadable_prompt_is_an_error_not_a_traceback(tiny_zoo):
    at = run_app("complex", {"model": "tiny-dense", "prompt": "ROMEO ~ ∂ {}"})
    assert_clean(at, errors_ok=True)
    assert "Cannot read the prompt" in texts(at.error)
    assert not at.get("plotly_chart")


def test_complex_without_checkpoints(empty_zoo):
    at = run_app("complex")
    assert_clean(at, errors_ok=True)
    assert "No checkpoints are installed" in texts(at.error)


# ---------------------------------------------------------------- page 6: compare
BENCH = {"machine": {"memory_method": "test method"}, "cuda": {"available": False},
         "simplicial2": [{"impl": "naive", "pass": "forward", "T": t, "B": 1, "H": 2, "D": 8, "peak_mb": t**3 / 1e5}
                         for t in (16, 32)] + [{"impl": "hoviz", "pass": "forward", "T": 16, "peak_mb": None}],
         "windowed": [], "dense": [{"impl": "explicit", "pass": "forward", "T": 16, "B": 1, "H": 2, "peak_mb": 0.1}],
         "models": [{"model": "tiny-dense", "mixers": ["dense", "dense"], "T": 128, "B": 4, "params": 10,
                     "infer_peak_mb": 0.5}], "pipeline": []}


def test_compare_page(tiny_zoo, tmp_path, monkeypatch):
    (tmp_path / "bench-cpu.json").write_text(json.dumps(BENCH))
    (tmp_path / "bench-broken.json").write_text("{ not json")
    monkeypatch.setenv("HOVIZ_BENCHMARKS", str(tmp_path))
    at = run_app("compare")
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    t = titles(at)
    assert any(x.startswith("Language models: loss") for x in t) and any(x.startswith("Task models") for x in t)
    assert any(x.startswith("Memory–expressivity") for x in t)
    assert any(x.startswith("Peak memory against context length") for x in t)
    assert any(x.startswith("Attention kernels") and "test method" in x for x in t)
    table = at.dataframe[0].value
    assert set(table["name"]) == set(tiny_zoo.names) and (table["peak_bytes"] > 0).all()
    assert len(at.get("download_button")) == 2
    cost = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("Memory–expressivity"))
    labels = {tr["text"][0] for tr in cost["data"]}
    assert "tiny-dense" in labels and not any("leaky" in x for x in labels)  # the leaky exhibit is off by default
    at.toggle(key="exhibits").set_value(True).run()
    cost = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("Memory–expressivity"))
    assert "tiny-simplicial2-leaky (exhibit)" in {tr["text"][0] for tr in cost["data"]}


def test_compare_url_round_trip_and_bad_values(tiny_zoo, tmp_path, monkeypatch):
    monkeypatch.setenv("HOVIZ_SCALING_DIR", str(tmp_path))  # no scaling sidecars: the committed ones would warn
    query = {"x": "tokens", "metric": "balanced_accuracy", "T": "64", "traced": "1", "mem": "tiny-scn"}
    at = run_app("compare", query)
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    for k, v in query.items():
        assert param(at, k) == v, k
    assert any("balanced accuracy" in x for x in titles(at))
    assert "No `bench-*.json`" in texts(at.info) or any(x.startswith("Attention kernels") for x in titles(at))
    at.selectbox(key="T").set_value(32).run()
    assert param(at, "T") == "32" and at.dataframe[0].value["T"].max() == 32
    bad = run_app("compare", {"T": "999", "metric": "accuracy", "mem": "no-such-model"})
    assert_clean(bad)
    assert texts(bad.warning).count("Ignored URL parameter") == 3


def test_compare_broken_and_empty_zoo(broken_zoo, tmp_path, monkeypatch):
    monkeypatch.setenv("HOVIZ_BENCHMARKS", str(tmp_path))
    at = run_app("compare")
    assert_clean(at)
    assert "Left out of the comparison: tiny-broken" in texts(at.warning)
    assert list(at.dataframe[0].value["name"]) == ["tiny-dense"]


def test_compare_without_checkpoints(empty_zoo):
    at = run_app("compare")
    assert_clean(at, errors_ok=True)
    assert "No checkpoints are installed" in texts(at.error)


# ---------------------------------------------------------------- page 7: expressivity lab
def test_expressivity_page_default(tiny_zoo):
    at = run_app("expressivity")
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    t = titles(at)
    assert t[0].startswith("2×K3 vs C6: 1-WL colour histograms identical")
    annotations = " ".join(a["text"] for a in specs(at)[0]["layout"]["annotations"])
    assert "Betti (2, 0, 0)" in annotations and "Betti (1, 1, 0)" in annotations
    assert t[1].startswith("The Weisfeiler-Leman ladder")  # then the Match3 scores beside the oracle, per position
    assert t[2].startswith("Match3 balanced accuracy") and "j < l < i" in t[2]
    assert t[4].startswith("Match3 labels per position") and "tiny-match3 (simplicial2)" in t[4]
    assert t[5].startswith("S[")
    notes = " ".join(a["text"] for a in specs(at)[2]["layout"]["annotations"])
    assert "chance 0.5" in notes and "(not recorded)" in texts(at.caption)  # the tiny sidecar records no oracle
    assert len(at.get("download_button")) == 3


def test_expressivity_slice_marks_the_true_matching_pairs(tiny_zoo):
    at = run_app("expressivity", {"pair": "rook", "m3seed": "5", "m3i": "6"})
    assert_clean(at)
    s = specs(at)
    annotations = " ".join(a["text"] for a in s[0]["layout"]["annotations"])
    assert "Betti (1, 9, 8)" in annotations and "Betti (1, 2, 1)" in annotations
    assert "identical" in s[0]["layout"]["title"]["text"]
    from hoviz.tasks import TaskSpec

    spec = TaskSpec("match3", M=7, N=8)
    x = spec.sample(1, torch.Generator().manual_seed(5))[0][0].tolist()
    pairs = matching_pairs(x, 6, spec.M)
    assert "S[6, j, l]" in s[5]["layout"]["title"]["text"]
    assert f"{len(pairs)} matching pairs" in s[5]["layout"]["title"]["text"]
    marks = [tr for tr in s[5]["data"] if tr.get("name") == "true matching pairs"]
    assert (len(marks[0]["x"]) if marks else 0) == len(pairs)
    y = labels(torch.tensor([x]), "match3", spec.M)[0].tolist()
    assert f"true label {'yes' if y[6] else 'no'}" in texts(at.caption)


def test_expressivity_typed_sequence_round_trip(tiny_zoo):
    query = {"m3mode": "typed", "m3seq": "1 2 4 0 3", "m3i": "2", "wl_layout": "spring"}
    at = run_app("expressivity", query)
    assert_clean(at)
    assert not at.warning, texts(at.warning)
    for k, v in query.items():
        assert param(at, k) == v, k
    assert "(0, 1)" in texts(at.caption) or "2 matching pair(s)" in texts(at.caption)  # 4 + 1 + 2 ≡ 0 (mod 7)
    at.slider(key="m3i").set_value(4).run()
    assert param(at, "m3i") == "4" and "S[4, j, l]" in titles(at)[5]


@pytest.mark.parametrize("seq, message", [("1 2 x", "not integers"), ("1 2 9", "must lie in 0..6"),
                                          ("1 2 3 4 5 6 0 1 2", "at most N = 8"), ("   ", "empty")])
def test_expressivity_bad_sequences(tiny_zoo, seq, message):
    at = run_app("expressivity", {"m3mode": "typed", "m3seq": seq})
    assert_clean(at, errors_ok=True)
    assert "Cannot use this sequence" in texts(at.error) and message in texts(at.error)
    assert len(at.get("plotly_chart")) == 4  # the WL pair, the ladder and the Match3 scores still show


def test_expressivity_bad_url_values(tiny_zoo):
    at = run_app("expressivity", {"pair": "petersen", "m3mode": "psychic", "m3i": "99"})
    assert_clean(at)
    assert texts(at.warning).count("Ignored URL parameter") == 3
    assert len(at.get("plotly_chart")) == 6


def test_expressivity_without_match3_models(broken_zoo):
    at = run_app("expressivity")
    assert_clean(at)
    assert "No Match3 models are installed" in texts(at.info)
    assert len(at.get("plotly_chart")) == 2


def test_the_selected_token_is_ringed_in_every_complex(tiny_zoo):
    at = run_app("complex", {"model": "tiny-scn", "cx_i": "4", "scn_i": "6"})
    assert_clean(at)
    assert at.slider(key="cx_i").value == 4 and param(at, "cx_i") == "4"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    complexes = [s for s in specs if any(t.get("name") == "tokens" for t in s["data"])]
    assert len(complexes) == 3  # the Rips complex, the mixer's complex, the prefix complex K_6
    for s in complexes:
        nodes = next(t for t in s["data"] if t.get("name") == "tokens")
        (ring,) = [t for t in s["data"] if t.get("name") == "selected token"]
        assert ring["hovertext"] == [f"selected: {nodes['hovertext'][4]}"] and nodes["hovertext"][4].startswith("token 4 '")
    at.slider(key="cx_i").set_value(8).run()  # past the prefix K_6: ringed in the two full complexes only
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    rings = [s for s in specs if any(t.get("name") == "selected token" for t in s["data"])]
    assert len(rings) == 2 and param(at, "cx_i") == "8"
