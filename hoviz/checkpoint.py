"""Checkpoints: `NAME.safetensors` (weights) + `NAME.json` (config, tokenizer, task, training record, metrics).

Nothing is ever unpickled. Saving is atomic (temporary files, then rename) and the sidecar records the weights'
SHA-256, so a pair whose save was interrupted is detected on load instead of producing a silently wrong model.
    >>> ckpt = load_checkpoint("shakespeare-dense")   # or a path to either file of the pair
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from hoviz.config import GPTConfig
from hoviz.errors import CheckpointError, ConfigError
from hoviz.model import GPT
from hoviz.tokenizer import tokenizer_from_dict

FORMAT = "hoviz-checkpoint/1"
SUFFIXES = (".safetensors", ".json")
RESUME_TAG = ".resume"  # NAME.resume.{safetensors,json}: a run's resumable state, not a checkpoint
CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"


def checkpoint_dir() -> Path:
    """Where named checkpoints live: $HOVIZ_CHECKPOINTS, else the repository's checkpoints/."""
    return Path(os.environ.get("HOVIZ_CHECKPOINTS", CHECKPOINT_DIR))


def list_checkpoints(directory: str | Path | None = None) -> list[str]:
    """Names of the complete pairs (weights + sidecar) in `directory`, sorted."""
    d = Path(directory) if directory else checkpoint_dir()
    if not d.is_dir():
        return []
    return sorted(n for n in (p.name[:-len(".safetensors")] for p in d.glob("*.safetensors"))
                  if not n.endswith(RESUME_TAG) and checkpoint_files(d / n)[1].is_file())


def checkpoint_stem(name_or_path: str | Path) -> Path:
    """The path stem of a checkpoint pair. A bare name (no folder, no file suffix) lives in `checkpoint_dir()`;
    only a trailing .safetensors or .json is a suffix, so a name's own dots are kept ("run-lr1.5")."""
    p = Path(name_or_path)
    if p.suffix in SUFFIXES:
        return p.with_name(p.name[:-len(p.suffix)])
    return p if p.parent != Path(".") else checkpoint_dir() / p.name


def checkpoint_files(stem: Path) -> tuple[Path, Path]:
    """(weights, sidecar) of a stem: the suffixes are appended, never substituted for the name's last dot."""
    return stem.with_name(stem.name + ".safetensors"), stem.with_name(stem.name + ".json")


@dataclass
class Checkpoint:
    name: str
    model: GPT  # eval mode
    tokenizer: object  # CharTokenizer | WordTokenizer
    meta: dict  # the sidecar JSON


def resolve(name_or_path: str | Path) -> tuple[Path, Path]:
    """(weights, sidecar) paths for a checkpoint name or a path to either file."""
    weights, sidecar = checkpoint_files(checkpoint_stem(name_or_path))
    if not weights.is_file() or not sidecar.is_file():
        missing = [str(x) for x in (weights, sidecar) if not x.is_file()]
        known = ", ".join(list_checkpoints()) or "none installed"
        raise CheckpointError(f"checkpoint {str(name_or_path)!r} is incomplete or missing: no {missing}. "
                              f"Known checkpoints: {known}. Train one with `python -m hoviz train`.")
    return weights, sidecar


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_safetensors_header(path: Path) -> None:
    """Refuse pickles and zip archives renamed to .safetensors before any parser touches them."""
    with open(path, "rb") as f:
        head = f.read(9)
    valid = len(head) == 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= path.stat().st_size
    if not valid and (head[:2] == b"PK" or head[:1] == b"\x80"):  # a header length of 0x..80 also starts with 0x80
        raise CheckpointError(f"{path} is a pickle/torch.save archive, not safetensors; hoviz never unpickles. "
                              "Convert it with safetensors.torch.save_file in a trusted environment.")
    if not valid:
        raise CheckpointError(f"{path} is not a valid safetensors file (truncated or corrupt); "
                              "re-download or retrain it")


def read_sidecar(path: str | Path) -> dict:
    """A checkpoint's sidecar JSON (the one reader: loading, the zoo listing, the app and the bench use it);
    CheckpointError when it is unreadable or not a hoviz sidecar."""
    try:
        meta = json.loads(Path(path).read_text())
    except OSError as e:
        raise CheckpointError(f"sidecar {path} cannot be read ({e}); restore it from git or retrain") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"sidecar {path} is not valid JSON ({e}); restore it from git or retrain") from e
    if not isinstance(meta, dict) or "config" not in meta or "tokenizer" not in meta:
        raise CheckpointError(f"sidecar {path} lacks 'config' or 'tokenizer'; it is not a hoviz checkpoint")
    return meta


def load_checkpoint(name_or_path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint pair; every failure is a CheckpointError that says what to do."""
    weights, sidecar = resolve(name_or_path)
    meta = read_sidecar(sidecar)
    _check_safetensors_header(weights)
    expected = meta.get("weights_sha256")
    if expected and sha256_file(weights) != expected:
        raise CheckpointError(f"{weights} does not match its sidecar's SHA-256 (interrupted save or a stray copy); "
                              "restore both files together")
    try:
        model = GPT(GPTConfig.from_dict(meta["config"])).to(device)
    except ConfigError as e:
        raise CheckpointError(f"sidecar {sidecar} has a config this hoviz cannot build: {e}") from e
    tokenizer = tokenizer_from_dict(meta["tokenizer"])
    try:
        state = load_file(str(weights), device=str(device))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"cannot read {weights}: {e}; the file is corrupt or truncated") from e
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"weights in {weights} do not match the sidecar's config: "
                              f"{str(e).splitlines()[0]} ... Retrain or restore the matching pair.") from e
    model.eval()
    return Checkpoint(name=weights.name[:-len(".safetensors")], model=model, tokenizer=tokenizer, meta=meta)


def save_checkpoint(path: str | Path, model: GPT, tokenizer, meta: dict | None = None) -> tuple[Path, Path]:
    """Write `path`.safetensors and `path`.json atomically. `meta` adds task, training record, metrics, ..."""
    stem = checkpoint_stem(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    weights, sidecar = checkpoint_files(stem)
    tmp_w, tmp_j = weights.with_name(weights.name + ".tmp"), sidecar.with_name(sidecar.name + ".tmp")
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp_w))
    record = {"format": FORMAT, **(meta or {}), "name": stem.name, "config": model.config.to_dict(),
              "tokenizer": tokenizer.to_dict(), "params": model.num_params(), "weights_sha256": sha256_file(tmp_w)}
    tmp_j.write_text(json.dumps(record, indent=1))
    os.replace(tmp_w, weights)
    os.replace(tmp_j, sidecar)
    return weights, sidecar
