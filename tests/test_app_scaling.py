"""The compare page's Scaling section with AppTest: a folder of fake scaling sidecars written here
($HOVIZ_SCALING_DIR), an empty one (the section says how to make them) and a broken one.

    python -m pytest -q tests/test_app_scaling.py
"""

from __future__ import annotations

import json

import pytest

from tests.streamlit_harness import texts
from tests.test_app_topology import assert_clean, run_app, specs, titles

SLOPES = {"dense": -0.05, "simplicial2": -0.07}


def write_family(folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, slope in SLOPES.items():
        for size, params in (("1M", 1e6), ("3M", 3e6), ("10M", 1e7)):
            rec = {"kind": kind, "size": size, "params": int(params), "tokens": 12_288_000,
                   "training_flops": 3 * 6 * params * 12_288_000, "val_loss": 4.0 * params ** slope,
                   "tokens_per_s": 1e5, "device_name": "test"}
            (folder / f"scaling-{kind}-{size}.json").write_text(json.dumps({"scaling": rec}))


def test_scaling_section_draws_the_fits_and_warns(tiny_zoo, tmp_path, monkeypatch):
    write_family(tmp_path / "scaling")
    monkeypatch.setenv("HOVIZ_SCALING_DIR", str(tmp_path / "scaling"))
    at = run_app("compare")
    assert_clean(at)
    assert "Scaling" in [h.value for h in at.subheader]
    fig = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("Scaling"))
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"
    names = [tr["name"] for tr in fig["data"]]
    assert any(n.startswith("dense fit vs parameters: slope -0.050 ± 0.000 (1 dof)") for n in names), names
    assert any(n.startswith("simplicial2 fit vs training FLOPs: slope -0.070") for n in names), names
    assert "Three points make a weak fit" in texts(at.warning)
    fits = next(d.value for d in at.dataframe if "slope" in d.value.columns)
    assert len(fits) == 4 and set(fits["dof"]) == {1}
    got = {(r.kind, r.against): r.slope for r in fits.itertuples()}
    assert got["dense", "params"] == pytest.approx(-0.05) and got["simplicial2", "training_flops"] == pytest.approx(-0.07)


def test_scaling_section_without_sidecars_gives_the_command(tiny_zoo, tmp_path, monkeypatch):
    monkeypatch.setenv("HOVIZ_SCALING_DIR", str(tmp_path / "nothing-here"))
    at = run_app("compare")
    assert_clean(at)
    assert "python -m hoviz scaling --out benchmarks/scaling --parallel 3" in texts(at.info)
    assert not any(t.startswith("Scaling") for t in titles(at)) and "weak fit" not in texts(at.warning)


def test_scaling_section_with_a_broken_sidecar_says_so(tiny_zoo, tmp_path, monkeypatch):
    write_family(tmp_path)
    (tmp_path / "scaling-dense-3M.json").write_text(json.dumps({"scaling": {"kind": "dense"}}))
    monkeypatch.setenv("HOVIZ_SCALING_DIR", str(tmp_path))
    at = run_app("compare")
    assert_clean(at, errors_ok=True)
    assert "Cannot read the scaling sidecars" in texts(at.error) and "rerun python -m hoviz scaling" in texts(at.error)
