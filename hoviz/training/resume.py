"""Resumable training state: `NAME.resume.safetensors` (weights + AdamW moments) and `NAME.resume.json` (the rest).

The optimizer's per-parameter tensors are flattened into safetensors keys `optim.<param index>.<name>`; the step,
config, tokenizer, curve and param groups go to JSON. Nothing is pickled. Writing is atomic (temporary files, then
rename; the JSON, renamed last, records the weights' SHA-256), so an interrupted save leaves the previous state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from hoviz.checkpoint import RESUME_TAG, checkpoint_files, read_sidecar, sha256_file
from hoviz.errors import CheckpointError

FORMAT = "hoviz-resume/1"


def resume_paths(stem: Path) -> tuple[Path, Path]:
    stem = Path(stem)
    return checkpoint_files(stem.with_name(stem.name + RESUME_TAG))


def save_resume(stem: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    """Write the resumable pair for `stem`; `state` is JSON-able (step, config, tokenizer, curve, ...)."""
    weights, sidecar = resume_paths(stem)
    weights.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for idx, per_param in opt["state"].items():
        for key, value in per_param.items():
            tensors[f"optim.{idx}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    tmp_w, tmp_j = weights.with_name(weights.name + ".tmp"), sidecar.with_name(sidecar.name + ".tmp")
    save_file(tensors, str(tmp_w))
    record = {"format": FORMAT, **state, "param_groups": opt["param_groups"], "weights_sha256": sha256_file(tmp_w)}
    tmp_j.write_text(json.dumps(record, indent=1))
    os.replace(tmp_w, weights)
    os.replace(tmp_j, sidecar)


def read_resume_meta(stem: Path) -> dict:
    """The JSON state of the resumable pair for `stem`, checked against its weights."""
    weights, sidecar = resume_paths(stem)
    if not weights.is_file() or not sidecar.is_file():
        raise CheckpointError(f"no resumable checkpoint at {weights} + {sidecar.name}; start without --resume "
                              "(it is written every resume_every steps and removed when a run completes)")
    meta = read_sidecar(sidecar)  # the one sidecar reader: valid JSON with a config and a tokenizer
    if meta.get("format") != FORMAT or sha256_file(weights) != meta.get("weights_sha256"):
        raise CheckpointError(f"{weights} and {sidecar.name} do not belong together (interrupted save?); "
                              "delete the pair and start again")
    return meta


def load_resume(stem: Path) -> tuple[dict, dict, dict]:
    """(model state_dict, optimizer state_dict, JSON state) of the resumable pair for `stem`."""
    meta = read_resume_meta(stem)
    tensors = load_file(str(resume_paths(stem)[0]))
    model_state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    per_param: dict[int, dict] = {}
    for k, v in tensors.items():
        if k.startswith("optim."):
            _, idx, key = k.split(".", 2)
            per_param.setdefault(int(idx), {})[key] = v
    return model_state, {"state": per_param, "param_groups": meta["param_groups"]}, meta


def remove_resume(stem: Path) -> None:
    for p in resume_paths(stem):
        p.unlink(missing_ok=True)
