"""Bad input gets one specific hoviz exception with a message a person can act on, and nothing is lost."""

import json
import os
import pickle

import pytest
import torch

import hoviz
from hoviz.config import GPTConfig
from hoviz.errors import AttentionInputError, CheckpointError, ConfigError, HovizError, PromptError
from hoviz.mixers.simplicial import two_simplicial_attention
from hoviz.model import GPT
from hoviz.tokenizer import CharTokenizer, WordTokenizer, encode_prompt


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=1, n_embd=8, mixers=["dense"]))
    hoviz.save_checkpoint(tmp_path / "m", model, CharTokenizer("abcde"))
    return tmp_path / "m"


def test_prompt_errors_name_the_problem():
    tok = CharTokenizer("abc ")
    with pytest.raises(PromptError, match="empty"):
        encode_prompt(tok, "", 8)
    with pytest.raises(PromptError, match="empty"):
        encode_prompt(tok, "   ", 8)
    with pytest.raises(PromptError, match=r"\['x', 'z'\]"):
        encode_prompt(tok, "abzx", 8)
    p = encode_prompt(tok, "abcabcabca", 4)
    assert p.ids == tok.encode("abca")[-4:] and p.dropped == 6
    assert encode_prompt(tok, "ab", 4).dropped == 0
    with pytest.raises(PromptError, match="'99'"):
        WordTokenizer(["0", "1"]).encode("0 99")


def test_config_errors():
    with pytest.raises(ConfigError, match="unknown GPTConfig key"):
        GPTConfig.from_dict({"n_layers": 3})
    with pytest.raises(ConfigError, match="one per layer"):
        GPTConfig(n_layer=2, mixers=["dense"])
    with pytest.raises(ConfigError, match="unknown mixer"):
        GPT(GPTConfig(n_layer=1, mixers=["nope"]))
    with pytest.raises(ConfigError, match="s2_mask"):
        GPTConfig(n_layer=1, mixers=["dense"], s2_mask="sideways")
    with pytest.raises(ConfigError, match="scn_radius"):
        GPTConfig(n_layer=1, mixers=["dense"], scn_radius=2.0)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="missing"):
        hoviz.load_checkpoint(tmp_path / "nothing")


def test_truncated_weights(saved):
    w = saved.with_suffix(".safetensors")
    data = w.read_bytes()
    w.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="SHA-256|truncated|corrupt"):
        hoviz.load_checkpoint(saved)
    meta = json.loads(saved.with_suffix(".json").read_text())
    del meta["weights_sha256"]  # even without the hash, the parser's failure becomes a CheckpointError
    saved.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="truncated|corrupt"):
        hoviz.load_checkpoint(saved)


def test_pickle_renamed_to_safetensors_is_refused_unread(saved):
    w = saved.with_suffix(".safetensors")
    w.write_bytes(pickle.dumps({"boom": 1}))
    with pytest.raises(CheckpointError, match="pickle"):
        hoviz.load_checkpoint(saved)
    torch.save({"x": torch.zeros(1)}, w)  # a torch zip archive
    with pytest.raises(CheckpointError, match="pickle"):
        hoviz.load_checkpoint(saved)


def test_sidecar_shapes_disagree_with_weights(saved):
    j = saved.with_suffix(".json")
    meta = json.loads(j.read_text())
    meta["config"]["n_embd"] = 16
    j.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="do not match"):
        hoviz.load_checkpoint(saved)


def test_unknown_mixer_in_checkpoint(saved):
    j = saved.with_suffix(".json")
    meta = json.loads(j.read_text())
    meta["config"]["mixers"] = ["hyperbolic"]
    j.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="unknown mixer"):
        hoviz.load_checkpoint(saved)


def test_corrupt_sidecar(saved):
    saved.with_suffix(".json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        hoviz.load_checkpoint(saved)


def test_interrupted_save_leaves_the_old_pair_intact(saved, monkeypatch):
    before = {p: p.read_bytes() for p in (saved.with_suffix(".safetensors"), saved.with_suffix(".json"))}
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=1, n_embd=8, mixers=["dense"]))

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        hoviz.save_checkpoint(saved, model, CharTokenizer("abcde"))
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in before} == before
    assert hoviz.load_checkpoint(saved).model is not None


def test_every_error_is_a_hoviz_error():
    for cls in (AttentionInputError, CheckpointError, ConfigError, PromptError):
        assert issubclass(cls, HovizError)


@pytest.mark.parametrize("bad, match", [
    ({"k1": torch.zeros(1, 1, 4, 3)}, "shape"),
    ({"v2": torch.zeros(1, 1, 4, 2, dtype=torch.float64)}, "float64|dtype"),
    ({"q": torch.zeros(1, 1, 0, 2)}, "empty"),
    ({"q": torch.zeros(4, 2)}, r"\(B, H, T, D\)"),
    ({"w1": 0}, "w1"),
    ({"w2": -3}, "w2"),
])
def test_two_simplicial_bad_inputs(bad, match):
    args = {n: torch.zeros(1, 1, 4, 2) for n in ("q", "k1", "k2", "v1", "v2")}
    kw = {k: bad.pop(k) for k in ("w1", "w2") if k in bad}
    args.update(bad)
    with pytest.raises(AttentionInputError, match=match):
        two_simplicial_attention(*args.values(), **kw)
