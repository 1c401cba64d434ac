"""The scaling family and its driver `python -m hoviz scaling`, at a tiny size on the CPU (seconds).

    python -m pytest -q tests/test_scaling_run.py
"""

from __future__ import annotations

import json

import pytest
import torch

from hoviz.cli import main as cli_main
from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.flops import flops_per_token
from hoviz.model import GPT
from hoviz.training.presets import get_preset
from hoviz.training.scaling_family import DEFAULT_SIZES, SIZES, FamilyRecipe, family_config, mixers_for
from hoviz.training.scaling_run import plan

TINY = ["--sizes", "tiny", "--tokens", "192", "--batch-size", "4", "--block-size", "16", "--eval-windows", "4",
        "--device", "cpu", "--threads", "1"]
NAMES = ("scaling-simplicial2-tiny", "scaling-dense-tiny")


def test_family_members_are_the_presets_recipe_at_three_growing_sizes():
    counts = {}
    for name in DEFAULT_SIZES:
        for kind in ("dense", "simplicial2"):
            cfg = family_config(SIZES[name], kind, tokens=8_192_000)
            assert cfg.steps == 1000 and cfg.model.block_size == 128 and cfg.model.head_dim == 64
            assert cfg.model.s2_window1 is None and cfg.model.s2_window2 is None  # full causal
            counts[name, kind] = GPT(cfg.model_config(84)).num_params()
    assert family_config(SIZES["3M"], "simplicial2").model.mixers == ["dense", "simplicial2"] * 2
    for kind in ("dense", "simplicial2"):
        one, three, ten = (counts[s, kind] for s in DEFAULT_SIZES)
        assert 0.7e6 < one < 1.3e6 and 2.5e6 < three < 4e6 and 8e6 < ten < 13e6
    assert all(counts[s, "simplicial2"] > counts[s, "dense"] for s in DEFAULT_SIZES)  # 5 projections, not 3


def test_the_3m_members_are_the_shipped_shakespeare_presets():
    for kind, preset in (("dense", "shakespeare-dense"), ("simplicial2", "shakespeare-simplicial2")):
        ours, theirs = family_config(SIZES["3M"], kind).to_dict(), get_preset(preset).to_dict()
        assert ours.pop("resume_every") == ours["steps"] and theirs.pop("resume_every") == 500
        assert ours == theirs


def test_bad_family_inputs_are_refused():
    with pytest.raises(ConfigError, match="valid kinds"):
        mixers_for("triangle", 2)
    with pytest.raises(ConfigError, match="valid sizes"):
        plan(["2M"], ["dense"])
    with pytest.raises(ConfigError, match="raise --tokens"):
        FamilyRecipe(tokens=10).steps()


def test_plan_runs_the_largest_first():
    names = [m.name for m in plan(["1M", "10M", "3M"], ["dense", "simplicial2"])]
    assert names[:2] == ["scaling-simplicial2-10M", "scaling-dense-10M"] and names[-1] == "scaling-dense-1M"


def test_driver_writes_sidecars_with_the_scaling_record_and_drops_weights(tmp_path, capsys):
    assert cli_main(["scaling", "--out", str(tmp_path), *TINY]) == 0
    for name in NAMES:
        meta = json.loads((tmp_path / f"{name}.json").read_text())
        s = meta["scaling"]
        assert not (tmp_path / f"{name}.safetensors").exists()
        assert s["params"] == meta["params"] and s["tokens"] == 3 * 4 * 16 == meta["training"]["tokens_seen"]
        assert s["val_loss"] == meta["metrics"]["val_loss"] and 0 < s["val_loss"] < 10
        cfg = GPTConfig.from_dict(meta["config"])
        assert s["training_flops"] == pytest.approx(3 * flops_per_token(cfg, 16) * s["tokens"])
        assert s["tokens_per_s"] > 0 and s["device"] == "cpu" and not meta["audit"]["leaks"]
    assert "2 member(s)" in capsys.readouterr().out


def test_parallel_processes_reproduce_the_in_process_run(tmp_path):
    serial, par = tmp_path / "serial", tmp_path / "parallel"
    assert cli_main(["scaling", "--out", str(serial), "--kinds", "simplicial2", *TINY]) == 0
    assert cli_main(["scaling", "--out", str(par), "--parallel", "2", "--keep-weights", *TINY]) == 0
    for name in NAMES:
        assert (par / f"{name}.safetensors").is_file() and (par / f"{name}.log").is_file()
    a = json.loads((serial / f"{NAMES[0]}.json").read_text())["scaling"]
    b = json.loads((par / f"{NAMES[0]}.json").read_text())["scaling"]
    assert a["val_loss"] == b["val_loss"]  # same seed, same batches: a separate process changes nothing


def test_driver_reports_bad_arguments_as_one_line(tmp_path, capsys):
    assert cli_main(["scaling", "--out", str(tmp_path), "--sizes", "2M"]) == 2
    assert "valid sizes" in capsys.readouterr().err
    assert cli_main(["scaling", *TINY]) == 2
    assert "--out DIR" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA to make the members fail")
def test_a_failed_parallel_member_fails_the_run_with_its_log(tmp_path, capsys):
    argv = ["scaling", "--out", str(tmp_path), "--parallel", "2", *TINY[:-4], "--device", "cuda"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert "FAILED (exit 2)" in err and "sees no CUDA device" in err and "failed; see their logs" in err
    assert not list(tmp_path.glob("*.json"))
