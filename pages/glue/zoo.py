"""The zoo and the loaded models for the pages: `zoo()` (read once per run, from the sidecars; `hoviz.zoo`),
models loaded once per process and keyed by their `ModelRef` (so an edited weight file or sidecar is reloaded),
and the `require_*` helpers that show an actionable message and stop the page when there is nothing to show.

    lm = zoo.require_model(); ids, tokens = zoo.require_tokens(lm); layer = zoo.layer_picker(lm)
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx

import hoviz
from hoviz.checkpoint import checkpoint_dir
from hoviz.errors import HovizError
from hoviz.tasks import TASK_NAMES, TaskSpec
from hoviz.tokenizer import encode_prompt
from hoviz.zoo import ModelRef, ZooEntry, default_model, list_refs, model_ref, zoo_entry
from pages.glue import url_state

SHAKESPEARE = "ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun."
NO_CHECKPOINTS = ("No checkpoints are installed in `{dir}`. Get the model zoo with `make zoo` (trains every model), "
                  "or train one with `python -m hoviz train ...`, or point the environment variable "
                  "`HOVIZ_CHECKPOINTS` at a folder of checkpoints; then reload this page.")
_run = threading.local()  # (run token, zoo) of the current script run


def run_token():
    """An object unique to the current script run (the run context's cursor table is replaced every run)."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "cursors", None) if ctx is not None else None


@st.cache_resource(show_spinner=False, max_entries=256)
def _entry(ref: ModelRef) -> ZooEntry:
    """Shared, not copied per call (a sidecar with a long training curve would be unpickled every run): read-only."""
    return zoo_entry(ref)


def zoo() -> dict[str, ZooEntry]:
    """name -> ZooEntry for every complete checkpoint pair; read from disk once per script run."""
    token = run_token()
    cached = getattr(_run, "zoo", None)
    if token is None or cached is None or cached[0] is not token:
        cached = (token, {r.name: _entry(r) for r in list_refs()})
        _run.zoo = cached
    return cached[1]


def default_name() -> str | None:
    """The model the app opens on: the featured one (sidecar `"featured": true`), else the first."""
    return default_model(zoo().values())


def match_task(task) -> TaskSpec | None:
    """The TaskSpec of a Match-task checkpoint (its sidecar's `task`), or None for language models."""
    if isinstance(task, dict) and task.get("name") in TASK_NAMES:
        try:
            return TaskSpec.from_dict(task)
        except HovizError:
            return None
    return None


@st.cache_resource(show_spinner=False, max_entries=16)
def load(ref: ModelRef) -> hoviz.Checkpoint:
    """The checkpoint behind `ref`, loaded once per process and fingerprint (weights and sidecar)."""
    return hoviz.load_checkpoint(ref.path)


@dataclass
class LoadedModel:
    """A loaded checkpoint and its ref (pass `ref` to the cached views)."""

    name: str
    ref: ModelRef
    ckpt: hoviz.Checkpoint

    @property
    def model(self):
        return self.ckpt.model

    @property
    def tokenizer(self):
        return self.ckpt.tokenizer

    @property
    def meta(self) -> dict:
        return self.ckpt.meta

    @property
    def kinds(self) -> list[str]:
        return [b.kind for b in self.ckpt.model.blocks]

    @property
    def block_size(self) -> int:
        return self.ckpt.model.config.block_size


def load_model(name: str) -> LoadedModel:
    """Load (once per process and fingerprint) a checkpoint by name; raises HovizError subclasses that say what
    to do."""
    ref = model_ref(name)
    return LoadedModel(name, ref, load(ref))


def require_model(name: str | None = None) -> LoadedModel:
    """The sidebar's model (or `name`), loaded; otherwise an actionable st.error and st.stop() for this page."""
    entries = zoo()
    if not entries:
        st.error(NO_CHECKPOINTS.format(dir=checkpoint_dir()), icon=":material/block:")
        st.stop()
    name = name or url_state.current("model") or default_name()
    try:
        return load_model(name)
    except HovizError as e:
        others = [n for n in entries if n != name]
        st.error(f"Checkpoint **{name}** failed to load: {e}\n\n"
                 + (f"Pick another model in the sidebar ({', '.join(others)})." if others else ""), icon=":material/block:")
        st.stop()


def prompt_text() -> str:
    """The sidebar's prompt as typed."""
    return url_state.current("prompt", "")


def encode(lm: LoadedModel, text: str):
    """(EncodedPrompt or None, error message or None) without showing anything."""
    try:
        return encode_prompt(lm.tokenizer, text, lm.block_size), None
    except HovizError as e:
        hint = " (this is a word-level task model: type space-separated tokens)" \
            if getattr(lm.tokenizer, "kind", "") == "word" else ""
        return None, f"{e}{hint}"


def truncation_message(lm: LoadedModel, dropped: int) -> str:
    unit = "tokens" if getattr(lm.tokenizer, "kind", "") == "word" else "characters"
    return (f"The prompt is longer than {lm.name}'s block size: it was truncated to the last {lm.block_size} "
            f"{unit} ({dropped} dropped from the front).")


def require_prompt(lm: LoadedModel, text: str | None = None, where=None):
    """The sidebar's prompt encoded for `lm`; a warning when truncated; st.error and st.stop() when unusable."""
    enc, err = encode(lm, prompt_text() if text is None else text)
    if err:
        (where or st).error(f"Cannot read the prompt with {lm.name}: {err}. Edit the prompt in the sidebar.", icon=":material/edit_note:")
        st.stop()
    if enc.dropped:
        (where or st).warning(truncation_message(lm, enc.dropped))
    return enc


def require_tokens(lm: LoadedModel) -> tuple[tuple[int, ...], list[str]]:
    """The sidebar's prompt for `lm` as (ids, display tokens); stops the page with a message when unusable."""
    ids = tuple(require_prompt(lm).ids)
    return ids, lm.tokenizer.tokens(ids)


def default_prompt(entry: ZooEntry | None) -> str:
    """A prompt every model of this kind can read: a Shakespeare passage for character models (trimmed to the block
    size), a fixed residue sequence for Match-task models (their `task` gives M and N)."""
    if entry is None or entry.tokenizer is None:
        return SHAKESPEARE
    tok, block = entry.tokenizer, entry.block_size or 10**9
    spec = match_task(entry.task)
    if spec is not None:
        x, _ = spec.sample(1, torch.Generator().manual_seed(0))
        return " ".join(str(r) for r in x[0, :block].tolist())
    if getattr(tok, "kind", "char") == "word":
        return " ".join(tok.vocab[: min(block, len(tok.vocab))])
    text = "".join(c for c in SHAKESPEARE if not tok.unknown(c))
    return text[-block:] if text.strip() else "".join(tok.vocab)[:block]


def layer_picker(lm: LoadedModel, kinds=None, key: str = "layer", where=None, label: str = "Layer",
                 default: int | None = None) -> int | None:
    """Selectbox over the layers whose mixer is in `kinds` (all by default), labelled 'L1 · simplicial2', opening on
    `default` (the first such layer when None). None (and nothing drawn) when the model has no such layer."""
    layers = [i for i, k in enumerate(lm.kinds) if kinds is None or k in kinds]
    if not layers:
        return None
    return url_state.url_selectbox(label, layers, key, default if default in layers else None,
                                   where=where or st.sidebar,
                                   format_func=lambda i: f"L{i} · {lm.kinds[i]}")


def head_picker(lm: LoadedModel, key: str = "head", where=None, label: str = "Head", default: int = 0,
                **kwargs) -> int:
    """Selectbox over the model's heads, opening on `default` (a page's data-chosen head)."""
    return url_state.url_selectbox(label, list(range(lm.model.config.n_head)), key, default, where=where or st.sidebar,
                                   **kwargs,
                                   format_func=lambda h: f"head {h}")


def models_with(kind: str) -> list[str]:
    """Names of installed models with at least one layer of mixer `kind` (from the sidecars)."""
    return [n for n, e in zoo().items() if kind in e.mixers]


@contextmanager
def boundary(what: str, where=None):
    """Show a HovizError raised inside as an st.error naming `what`, and carry on with the rest of the page."""
    try:
        yield
    except HovizError as e:
        (where or st).error(f"{what}: {e}", icon=":material/block:")
