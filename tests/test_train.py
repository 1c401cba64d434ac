"""Training CLI, presets, resume and eval reproduction (hoviz.training, hoviz.cli).

Tiny, seeded, CPU-only: the `test` preset on a text file in tmp_path or a small Match3; no network.
"""

import dataclasses
import itertools
import json
import math
import random

import pytest
import torch

from hoviz import cli
from hoviz.checkpoint import load_checkpoint
from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.tasks import TaskSpec
from hoviz.training import train
from hoviz.training.config import TrainConfig
from hoviz.training.presets import PRESETS, apply_overrides, field_types, get_preset
from hoviz.training.resume import resume_paths


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models run fastest on one thread, and do not stall when the CPU is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    rng = random.Random(0)
    words = ["to", "be", "or", "not", "that", "is", "the", "question", "whether", "tis", "nobler", "in", "mind"]
    path = tmp_path_factory.mktemp("data") / "tiny.txt"
    path.write_text(" ".join(rng.choice(words) for _ in range(700)) + "\n")
    return path


def run(args, out, data) -> int:
    return cli.train_main(["--preset", "test", "--data", str(data), "--out", str(out), *args])


def curve_losses(out):
    return [c["train_loss"] for c in json.loads(out.with_suffix(".json").read_text())["curve"]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, text_file):
    """One finished test run on the text file, shared by the checks that only read it."""
    out = tmp_path_factory.mktemp("ckpt") / "text"
    assert run(["--steps", "6", "--eval_every", "1"], out, text_file) == 0
    return out


def test_text_run_writes_loadable_checkpoint_with_full_sidecar(trained):
    ckpt = load_checkpoint(trained)
    meta = ckpt.meta
    assert ckpt.model.config.mixers == ["dense", "simplicial2"]
    assert meta["task"]["name"] == "text" and meta["task"]["val_chars"] > 0
    t = meta["training"]
    for key in ("preset", "config", "steps", "tokens_seen", "wall_time_s", "device", "peak_memory_bytes",
                "git_commit", "world_size", "tokens_per_s"):
        assert key in t, key
    assert t["preset"] == "test" and t["steps"] == 6 and t["world_size"] == 1
    assert t["tokens_seen"] == 6 * 4 * 16 and t["peak_memory_bytes"] > 0
    assert [c["step"] for c in meta["curve"]] == [1, 2, 3, 4, 5, 6]
    assert {"step", "train_loss", "val_loss", "tokens_seen", "wall_time_s"} <= set(meta["curve"][-1])
    assert meta["metrics"]["val_loss"] == meta["curve"][-1]["val_loss"]
    assert meta["audit"]["leaks"] is False
    assert meta["flops_per_token_measured"] > 0
    assert "exhibit" not in meta
    assert not any(p.exists() for p in resume_paths(trained))  # dropped once the run completed


def test_match3_run_scores_balanced_accuracy(tmp_path):
    out = tmp_path / "m3"
    assert cli.train_main(["--preset", "test", "--data", "match3", "--out", str(out)]) == 0
    meta = load_checkpoint(out).meta
    assert meta["task"] == {"name": "match3", "M": 7, "N": 6, "label_tokens": [7, 8], "rule": TaskSpec("match3").rule}
    assert meta["config"]["vocab_size"] == 9 and meta["config"]["block_size"] == 6
    assert 0.0 <= meta["metrics"]["balanced_accuracy"] <= 1.0
    assert 0.0 <= meta["baselines"]["pairwise_oracle"]["balanced_accuracy"] <= 1.0


def test_same_seed_same_losses_and_resume_continues_exactly(tmp_path, text_file, trained):
    again, split = tmp_path / "again", tmp_path / "split"
    assert run(["--steps", "6", "--eval_every", "1"], again, text_file) == 0
    assert curve_losses(again) == curve_losses(trained)

    assert run(["--steps", "6", "--eval_every", "1", "--stop_at", "3"], split, text_file) == 0
    weights, sidecar = resume_paths(split)
    assert weights.is_file() and not split.with_suffix(".json").exists()
    assert json.loads(sidecar.read_text())["step"] == 3
    assert cli.train_main(["--resume", "--out", str(split)]) == 0
    meta = load_checkpoint(split).meta
    assert meta["training"]["resumed_at"] == [3]
    assert curve_losses(split) == curve_losses(trained)
    assert split.with_suffix(".safetensors").read_bytes() == trained.with_suffix(".safetensors").read_bytes()


def test_resume_refuses_data_outside_the_vocabulary(tmp_path, text_file, capsys):
    out = tmp_path / "r"
    assert run(["--stop_at", "2"], out, text_file) == 0
    other = tmp_path / "other.txt"
    other.write_text("ZEBRA QUIZ § " * 40)
    assert cli.train_main(["--resume", "--out", str(out), "--data", str(other)]) == 2
    err = capsys.readouterr().err
    assert "outside the model's vocabulary" in err and "Traceback" not in err


@pytest.mark.parametrize("text, message", [("", "empty"), ("too short", "needs at least")])
def test_empty_or_short_corpus_is_a_clear_error(tmp_path, capsys, text, message):
    path = tmp_path / "short.txt"
    path.write_text(text)
    assert run([], tmp_path / "x", path) == 2
    assert message in capsys.readouterr().err


def test_unknown_preset_or_key_lists_the_valid_ones(tmp_path, text_file, capsys):
    assert cli.train_main(["--preset", "nope"]) == 2
    assert "valid presets" in capsys.readouterr().err
    assert run(["--stepz", "3"], tmp_path / "x", text_file) == 2
    err = capsys.readouterr().err
    assert "valid keys" in err and "--steps" in err
    assert cli.train_main(["--preset", "test", "--steps", "many"]) == 2
    assert cli.train_main(["--resume", "--out", str(tmp_path / "never")]) == 2
    with pytest.raises(ConfigError, match="valid presets"):
        get_preset("shakespeare-sparse")


def test_eval_cli_reproduces_the_sidecar_metric(trained, capsys):
    assert cli.eval_main([str(trained)]) == 0
    assert "ok" in capsys.readouterr().out


def test_eval_cli_flags_a_wrong_sidecar_metric(tmp_path, trained, capsys):
    from hoviz.checkpoint import save_checkpoint
    ckpt = load_checkpoint(trained)
    save_checkpoint(tmp_path / "bad", ckpt.model, ckpt.tokenizer, {**ckpt.meta, "metrics": {"val_loss": 0.1}})
    assert cli.eval_main([str(tmp_path / "bad")]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_lr_schedule_warms_up_then_decays_by_cosine():
    cfg = apply_overrides(get_preset("test"), {"steps": "100", "warmup": "10", "lr": "1.0", "min_lr": "0.1"})
    lrs = [train.lr_at(s, cfg) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a < b for a, b in itertools.pairwise(lrs[:10]))
    assert all(a >= b for a, b in itertools.pairwise(lrs[9:]))
    assert lrs[55] == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.5)))
    assert lrs[-1] == pytest.approx(0.1, abs=1e-3)


def test_cli_values_are_parsed_from_the_field_types():
    cfg = apply_overrides(get_preset("test"), {"mixers": "dense, dense", "s2_window1": "none", "s2_window2": "4",
                                               "s2_fallback_bias": "false", "lr": "3e-4"})
    assert cfg.model.mixers == ["dense", "dense"] and cfg.model.s2_window1 is None and cfg.model.s2_window2 == 4
    assert cfg.model.s2_fallback_bias is False and cfg.lr == 3e-4
    with pytest.raises(ConfigError, match="n_layer"):
        apply_overrides(get_preset("test"), {"mixers": "dense"})  # two layers, one mixer


def test_train_config_carries_every_model_field_and_all_presets_build():
    model_fields = {f.name for f in dataclasses.fields(GPTConfig)} - {"vocab_size"}
    assert model_fields <= set(field_types())  # every model field is a --key, beside the run's
    for name in PRESETS:
        cfg = get_preset(name)
        assert TrainConfig.from_dict(cfg.to_dict()) == cfg
        cfg.model_config(vocab_size=39)
    assert get_preset("shakespeare-simplicial2-leaky").model.s2_mask == "leaky"


ZOO = ["shakespeare-dense", "shakespeare-simplicial2", "shakespeare-scn", "shakespeare-gated-triangle",
       "shakespeare-simplicial2-leaky", "match3-dense", "match3-dense2", "match3-simplicial2", "match2-dense"]


def test_shipped_zoo_loads_within_size_limits_and_records_its_training():
    from hoviz.checkpoint import CHECKPOINT_DIR, list_checkpoints
    shipped = [n for n in ZOO if n in list_checkpoints(CHECKPOINT_DIR)]
    if not shipped:
        pytest.skip("no zoo checkpoints in checkpoints/")
    assert shipped == ZOO
    sizes = [(CHECKPOINT_DIR / f"{n}.safetensors").stat().st_size for n in ZOO]
    assert max(sizes) <= 25e6 and sum(sizes) <= 100e6
    for name in ZOO:
        ckpt = load_checkpoint(CHECKPOINT_DIR / name)  # match*-dense's header length starts with byte 0x80
        meta = ckpt.meta
        assert meta["training"]["preset"] == name and meta["curve"] and meta["metrics"]
        assert TrainConfig.from_dict(meta["training"]["config"]).model_config(len(ckpt.tokenizer)) == ckpt.model.config
        leaky = name.endswith("-leaky")
        assert meta["audit"]["leaks"] is leaky and ("exhibit" in meta) is leaky


def test_sidecar_names_the_two_simplicial_kernel_only_when_there_is_one():
    import torch

    from hoviz.training.train import _simplicial_kernel
    assert _simplicial_kernel(torch.device("cpu"), ["dense", "dense"]) is None
    assert _simplicial_kernel(torch.device("cpu"), ["dense", "simplicial2"]) == "pytorch"  # no CUDA here
