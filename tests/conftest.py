"""Shared test fixtures: a zoo of tiny random-init checkpoints, one per mixer kind, and broken / empty zoos.

`tiny_zoo` writes the checkpoints once per session into a temporary folder and points $HOVIZ_CHECKPOINTS at it
(hoviz.checkpoint reads the variable on every call), so the library and the Streamlit app see only these models.
Weights are re-drawn with a large std so that random models are not near-uniform (a leaky mask must show).
"""

from __future__ import annotations

import os
import shutil

if shutil.which("nvidia-smi") is None:  # no GPU: Triton kernels run in its interpreter, which must be chosen before
    os.environ.setdefault("TRITON_INTERPRET", "1")  # any test module imports triton (tests/test_triton_kernel.py)

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

import hoviz
from hoviz import GPT, GPTConfig
from hoviz.tasks import LABEL_NAMES, TaskSpec
from hoviz.tokenizer import CharTokenizer, WordTokenizer

# nanoGPT's Tiny Shakespeare alphabet: every character of the app's default prompt is in it.
SHAKESPEARE_VOCAB = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MATCH3 = TaskSpec("match3", M=7, N=8)

# name -> (mixers per layer, extra GPTConfig fields, char (True) or Match3 word tokenizer (False))
TINY_SPECS: dict[str, tuple[list[str], dict, bool]] = {
    "tiny-dense": (["dense", "dense"], {}, True),
    "tiny-simplicial2": (["dense", "simplicial2"], {}, True),
    "tiny-scn": (["scn", "dense"], {"scn_radius": 1.0}, True),
    "tiny-simplicial2-leaky": (["simplicial2", "dense"], {"s2_mask": "leaky"}, True),
    "tiny-match3": (["dense", "simplicial2"], {"block_size": MATCH3.N}, False),
}


@dataclass
class TinyZoo:
    """A folder of checkpoints and what is in it."""

    path: Path
    names: list[str] = field(default_factory=list)
    mixers: dict[str, list[str]] = field(default_factory=dict)  # name -> mixer per layer

    def with_kind(self, kind: str) -> list[str]:
        """Names of the models with at least one layer of mixer `kind`."""
        return [n for n in self.names if kind in self.mixers[n]]


def make_checkpoint(directory: Path, name: str, mixers: list[str], char: bool = True, seed: int = 0,
                    std: float = 0.3, **config) -> Path:
    """Write a tiny random-init checkpoint `directory/name.{safetensors,json}`; returns its stem.

    Defaults: 2 heads, 16 channels, block 128, one layer per entry of `mixers`.
    """
    torch.manual_seed(seed)
    if char:
        tok = CharTokenizer(SHAKESPEARE_VOCAB)
        meta = {"task": {"name": "shakespeare"}, "metrics": {"val_loss": 4.1 + 0.01 * seed}}
    else:
        tok = WordTokenizer([str(r) for r in range(MATCH3.M)] + list(LABEL_NAMES))
        meta = {"task": MATCH3.to_dict(), "metrics": {"balanced_accuracy": 0.5}}
    cfg = GPTConfig(**{"vocab_size": len(tok), "block_size": 128, "n_layer": len(mixers), "n_head": 2,
                       "n_embd": 16, "mixers": mixers, **config})
    model = GPT(cfg)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, std)
    if cfg.s2_mask == "leaky":  # as hoviz.training.train writes it
        meta["exhibit"] = {"leak": True, "why": "leaky 2-simplicial mask (only j <= i): fails the audit on purpose"}
    meta["curve"] = [[0, 4.2], [10, 4.1]]
    meta["training"] = {"steps": 0, "note": "tiny random-init test fixture"}
    hoviz.save_checkpoint(directory / name, model, tok, meta=meta)
    return directory / name


@pytest.fixture(scope="session")
def tiny_zoo_dir(tmp_path_factory) -> TinyZoo:
    """The tiny zoo on disk (session-scoped; use `tiny_zoo` to also point $HOVIZ_CHECKPOINTS at it)."""
    d = tmp_path_factory.mktemp("tiny_zoo")
    zoo = TinyZoo(path=d)
    for seed, (name, (mixers, extra, char)) in enumerate(TINY_SPECS.items()):
        make_checkpoint(d, name, mixers, char=char, seed=seed, **extra)
        zoo.names.append(name)
        zoo.mixers[name] = mixers
    return zoo


@pytest.fixture
def tiny_zoo(tiny_zoo_dir, monkeypatch) -> TinyZoo:
    """Tiny checkpoints of every mixer kind (dense, simplicial2, scn, leaky simplicial2, Match3),
    installed as the zoo for this test through $HOVIZ_CHECKPOINTS. No job asks for a confirmation
    ($HOVIZ_CONFIRM_S: timings on a busy machine vary), unless a test sets it lower."""
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(tiny_zoo_dir.path))
    monkeypatch.setenv("HOVIZ_CONFIRM_S", "inf")
    return tiny_zoo_dir


@pytest.fixture
def empty_zoo(tmp_path, monkeypatch) -> Path:
    """No checkpoints installed: $HOVIZ_CHECKPOINTS points at an empty folder."""
    d = tmp_path / "empty_zoo"
    d.mkdir()
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(d))
    return d


@pytest.fixture
def broken_zoo(tmp_path, monkeypatch) -> TinyZoo:
    """One good checkpoint (`tiny-dense`) and one whose weights are truncated (`tiny-broken`)."""
    d = tmp_path / "broken_zoo"
    make_checkpoint(d, "tiny-dense", ["dense"])
    stem = make_checkpoint(d, "tiny-broken", ["dense"], seed=1)
    weights = stem.with_suffix(".safetensors")
    weights.write_bytes(weights.read_bytes()[:100])
    monkeypatch.setenv("HOVIZ_CHECKPOINTS", str(d))
    return TinyZoo(path=d, names=["tiny-broken", "tiny-dense"],
                   mixers={"tiny-broken": ["dense"], "tiny-dense": ["dense"]})
