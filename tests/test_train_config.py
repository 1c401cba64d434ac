"""TrainConfig nests a GPTConfig; sidecars in the flat form written before the nesting keep loading (hoviz.training)."""

import json
from pathlib import Path

import pytest

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.training.config import MODEL_FIELDS, TrainConfig
from hoviz.training.presets import PRESETS, get_preset

CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"


def test_flat_and_nested_forms_build_the_same_config():
    for name in PRESETS:
        cfg = get_preset(name)
        nested = cfg.to_dict()
        assert set(nested["model"]) == set(MODEL_FIELDS) and not set(MODEL_FIELDS) & (set(nested) - {"model"})
        flat = cfg.flat()
        assert "model" not in flat and set(MODEL_FIELDS) <= set(flat)
        assert TrainConfig.from_dict(nested) == cfg == TrainConfig.from_dict(flat)
        assert json.loads(json.dumps(nested)) == nested  # what the sidecar stores


def test_shipped_flat_sidecars_read_as_nested():
    sidecars = sorted(p for p in CHECKPOINTS.glob("*.json") if ".resume" not in p.name)
    flat = [p for p in sidecars if "model" not in json.loads(p.read_text()).get("training", {}).get("config", {"model": 0})]
    if not flat:
        pytest.skip("no shipped sidecar in the flat form")
    for p in flat:
        meta = json.loads(p.read_text())
        old = meta["training"]["config"]
        cfg = TrainConfig.from_dict(old)
        assert cfg.model_config(meta["config"]["vocab_size"]) == GPTConfig.from_dict(meta["config"])
        assert {k: v for k, v in cfg.flat().items() if k in old} == old  # nothing lost or changed
        assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_task_data_sets_the_model_block_size_and_bad_forms_are_refused():
    cfg = TrainConfig.build(data="match3", task_N=9, n_layer=1, mixers=["dense"])
    assert cfg.model.block_size == 9 and cfg.model.n_layer == 1
    with pytest.raises(ConfigError, match="unknown GPTConfig"):
        TrainConfig.from_dict({"model": {"n_layers": 2}})
    with pytest.raises(ConfigError, match="both inside and beside"):
        TrainConfig.from_dict({"model": {"n_layer": 1, "mixers": ["dense"]}, "n_head": 2})
    with pytest.raises(ConfigError, match="unknown TrainConfig"):
        TrainConfig.from_dict({"n_layer": 1, "mixers": ["dense"], "stpes": 3})
