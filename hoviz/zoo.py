"""The model zoo from its sidecars alone: `ModelRef` (a checkpoint's name, path and the fingerprint of BOTH its
files, the key every cache uses), `read_sidecar` (the one sidecar reader) and `list_zoo` (what a model picker
shows, no weights read). A sidecar may mark its model `"featured": true`: the app opens on it.

    >>> refs = {e.name: e for e in list_zoo()}; default_model(list_zoo())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hoviz.checkpoint import checkpoint_dir, checkpoint_files, list_checkpoints, read_sidecar
from hoviz.errors import HovizError
from hoviz.tokenizer import tokenizer_from_dict


@dataclass(frozen=True)
class ModelRef:
    """One checkpoint pair on disk. `fingerprint` changes when the weights or the sidecar change (size and mtime_ns
    of both), so a cache keyed on the ref never serves a model whose files were edited."""

    name: str
    path: str  # the stem: `path`.safetensors + `path`.json
    fingerprint: tuple[int, int, int, int]

    @property
    def weights(self) -> Path:
        return checkpoint_files(Path(self.path))[0]

    @property
    def sidecar(self) -> Path:
        return checkpoint_files(Path(self.path))[1]


def model_ref(name: str, directory: str | Path | None = None) -> ModelRef:
    """The ref of checkpoint `name` in `directory` (default: the checkpoint folder), read from the files now."""
    stem = (Path(directory) if directory else checkpoint_dir()) / name
    stats = []
    for path in checkpoint_files(stem):
        try:
            s = path.stat()
            stats += [s.st_size, s.st_mtime_ns]
        except OSError:
            stats += [0, 0]  # a missing file: the loader says what to do
    return ModelRef(name, str(stem), tuple(stats))


def exhibit_text(meta: dict) -> str:
    """Why a checkpoint is an exhibit (e.g. the leaky mask), from its sidecar's `exhibit` (a string or
    {"why": ...}); "" for ordinary models."""
    ex = meta.get("exhibit")
    if isinstance(ex, dict):
        return str(ex.get("why") or "exhibit")
    return str(ex) if ex else ""


@dataclass
class ZooEntry:
    """What a model picker knows about a checkpoint from its sidecar alone (no weights read)."""

    ref: ModelRef
    mixers: list[str] = field(default_factory=list)
    metric: str = ""
    block_size: int = 0
    task: dict | None = None
    tokenizer: object = None
    exhibit: str = ""
    featured: bool = False
    meta: dict = field(default_factory=dict)  # the whole sidecar ({} when unreadable)
    error: str = ""  # the sidecar cannot be read

    @property
    def name(self) -> str:
        return self.ref.name

    def label(self) -> str:
        if self.error:
            return f"{self.name}  (unreadable sidecar)"
        kinds = "/".join(dict.fromkeys(self.mixers))
        return f"{self.name}  · {kinds}" + (f" · {self.metric}" if self.metric else "") + \
            (" · exhibit" if self.exhibit else "")


def zoo_entry(ref: ModelRef) -> ZooEntry:
    """The picker's entry for one checkpoint; an entry with `error` set when its sidecar cannot be read."""
    try:
        meta = read_sidecar(ref.sidecar)
        cfg = meta["config"]
        metrics = meta.get("metrics") or {}
        metric = (f"val loss {metrics['val_loss']:.3f}" if "val_loss" in metrics else
                  f"bal. acc. {metrics['balanced_accuracy']:.3f}" if "balanced_accuracy" in metrics else "")
        return ZooEntry(ref, list(cfg.get("mixers", [])), metric, int(cfg.get("block_size", 0)), meta.get("task"),
                        tokenizer_from_dict(meta["tokenizer"]), exhibit_text(meta), meta.get("featured") is True,
                        meta)
    except (ValueError, KeyError, TypeError, HovizError) as e:
        return ZooEntry(ref, error=f"{type(e).__name__}: {e}")


def list_refs(directory: str | Path | None = None) -> list[ModelRef]:
    """A ref for every complete checkpoint pair in `directory` (default: the checkpoint folder), by name."""
    return [model_ref(n, directory) for n in list_checkpoints(directory)]


def list_zoo(directory: str | Path | None = None) -> list[ZooEntry]:
    """The zoo entry of every complete checkpoint pair, sorted by name."""
    return [zoo_entry(r) for r in list_refs(directory)]


def default_model(entries) -> str | None:
    """The model an app opens on: the first sidecar marked `featured`, else the first by name; None if empty."""
    entries = list(entries)
    featured = [e.name for e in entries if e.featured and not e.error]
    return featured[0] if featured else (entries[0].name if entries else None)
