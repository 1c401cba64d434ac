"""Checkpoint names keep their dots: `run-lr1.5` is its own pair, not `run-lr1`, and its resume files agree."""

from __future__ import annotations

from hoviz.checkpoint import checkpoint_files, checkpoint_stem, list_checkpoints, load_checkpoint, save_checkpoint
from hoviz.training.resume import resume_paths
from tests.conftest import make_checkpoint


def test_dotted_names_keep_their_dots(tmp_path):
    make_checkpoint(tmp_path, "run-lr1.5", ["dense"])
    make_checkpoint(tmp_path, "run-lr1.25", ["dense"], seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "run-lr1.25.json", "run-lr1.25.safetensors", "run-lr1.5.json", "run-lr1.5.safetensors"]
    assert list_checkpoints(tmp_path) == ["run-lr1.25", "run-lr1.5"]
    a, b = load_checkpoint(tmp_path / "run-lr1.5"), load_checkpoint(tmp_path / "run-lr1.25.json")
    assert (a.name, b.name) == ("run-lr1.5", "run-lr1.25")
    assert a.meta["metrics"] != b.meta["metrics"]  # two runs, two files: neither overwrote the other


def test_stem_and_files_agree_with_resume_files(tmp_path):
    stem = checkpoint_stem(tmp_path / "run-lr1.5.safetensors")
    assert stem.name == "run-lr1.5"
    assert [p.name for p in checkpoint_files(stem)] == ["run-lr1.5.safetensors", "run-lr1.5.json"]
    assert [p.name for p in resume_paths(stem)] == ["run-lr1.5.resume.safetensors", "run-lr1.5.resume.json"]


def test_resume_files_are_not_listed_as_checkpoints(tmp_path):
    make_checkpoint(tmp_path, "run", ["dense"])
    ckpt = load_checkpoint(tmp_path / "run")
    save_checkpoint(tmp_path / "run.resume", ckpt.model, ckpt.tokenizer)
    assert list_checkpoints(tmp_path) == ["run"]
