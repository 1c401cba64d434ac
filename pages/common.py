"""Streamlit glue for the hoviz app: cached models and traces, the whole view state in the URL, error boundaries
and exports. The one module besides the pages that imports Streamlit (STYLE.md §5); hoviz/ never does.

    lm = common.require_model()                       # sidebar's model, or an actionable st.error and st.stop()
    enc = common.require_prompt(lm)                   # EncodedPrompt; warns on truncation, errors on bad input
    layer = common.layer_picker(lm, kinds=("simplicial2",))
    i = common.url_slider("Query position i", "i", 0, len(enc.ids) - 1, len(enc.ids) - 1)
    common.plot(fig, "attention-grid")                # modebar exports PNG/SVG (no kaleido)

Every widget is made through a `url_*` wrapper whose key is its URL parameter: the URL seeds it once per session
(invalid values are reported in the page and replaced by defaults), and its value is written back on every run.
"""

from __future__ import annotations

import io
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx

import hoviz
from hoviz.checkpoint import checkpoint_dir, list_checkpoints
from hoviz.errors import HovizError
from hoviz.mixers import COMPLEX_MIXERS
from hoviz.tokenizer import encode_prompt, tokenizer_from_dict

SHAKESPEARE = "ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun."
NO_CHECKPOINTS = ("No checkpoints are installed in `{dir}`. Get the model zoo with `make zoo` (trains every model), "
                  "or train one with `python -m hoviz train ...`, or point the environment variable "
                  "`HOVIZ_CHECKPOINTS` at a folder of checkpoints; then reload this page.")
_URL, _STATE, _BOUND, _NOTICES = "_hv_url", "_hv_state", "_hv_bound", "_hv_notices"


# ---------------------------------------------------------------- the zoo (sidecars only) and loaded models
@dataclass
class ZooEntry:
    """What the model picker knows about a checkpoint from its sidecar alone (no weights read)."""

    name: str
    mixers: list[str] = field(default_factory=list)
    metric: str = ""
    block_size: int = 0
    task: dict | None = None
    tokenizer: object = None
    exhibit: str = ""
    error: str = ""  # the sidecar cannot be read

    def label(self) -> str:
        if self.error:
            return f"{self.name}  (unreadable sidecar)"
        kinds = "/".join(dict.fromkeys(self.mixers))
        return f"{self.name}  · {kinds}" + (f" · {self.metric}" if self.metric else "") + \
            (" · exhibit" if self.exhibit else "")


@st.cache_data(show_spinner=False, max_entries=256)
def _zoo_entry(sidecar: str, mtime_ns: int) -> ZooEntry:
    name = Path(sidecar).stem
    try:
        meta = json.loads(Path(sidecar).read_text())
        cfg = meta["config"]
        metrics = meta.get("metrics") or {}
        metric = (f"val loss {metrics['val_loss']:.3f}" if "val_loss" in metrics else
                  f"bal. acc. {metrics['balanced_accuracy']:.3f}" if "balanced_accuracy" in metrics else "")
        return ZooEntry(name, list(cfg.get("mixers", [])), metric, int(cfg.get("block_size", 0)), meta.get("task"),
                        tokenizer_from_dict(meta["tokenizer"]), exhibit_text(meta))
    except (OSError, ValueError, KeyError, TypeError, HovizError) as e:
        return ZooEntry(name, error=f"{type(e).__name__}: {e}")


def exhibit_text(meta: dict) -> str:
    """Why a checkpoint is an exhibit (e.g. the leaky mask), from its sidecar's `exhibit` (a string or
    {"why": ...}); "" for ordinary models."""
    ex = meta.get("exhibit")
    if isinstance(ex, dict):
        return str(ex.get("why") or "exhibit")
    return str(ex) if ex else ""


def match_task(task):
    """The TaskSpec of a Match-task checkpoint (its sidecar's `task`), or None for language models."""
    from hoviz.tasks import TASK_NAMES, TaskSpec

    if isinstance(task, dict) and task.get("name") in TASK_NAMES:
        try:
            return TaskSpec.from_dict(task)
        except HovizError:
            return None
    return None


def zoo() -> dict[str, ZooEntry]:
    """name -> ZooEntry for every complete checkpoint pair in the checkpoint folder."""
    d = checkpoint_dir()
    out = {}
    for name in list_checkpoints(d):
        p = d / f"{name}.json"
        try:
            out[name] = _zoo_entry(str(p), p.stat().st_mtime_ns)
        except OSError as e:
            out[name] = ZooEntry(name, error=str(e))
    return out


def model_key(name: str) -> str:
    """A cache key that changes when the checkpoint's files change: 'path|mtime_ns'."""
    p = checkpoint_dir() / f"{name}.safetensors"
    return f"{p}|{p.stat().st_mtime_ns if p.exists() else 0}"


@st.cache_resource(show_spinner=False, max_entries=16)
def _load(key: str) -> hoviz.Checkpoint:
    return hoviz.load_checkpoint(key.rsplit("|", 1)[0])


@dataclass
class LoadedModel:
    """A loaded checkpoint and its cache key (pass `key` to the cached computations below)."""

    name: str
    key: str
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
    """Load (once per process) a checkpoint by name; raises HovizError subclasses with actionable messages."""
    key = model_key(name)
    return LoadedModel(name, key, _load(key))


# ---------------------------------------------------------------- the frame
PAGES = [  # (file, title, icon, url_path); the first is the default page
    ("pages/1_prompt.py", "Prompt", ":material/text_fields:", "prompt"),
    ("pages/2_attention.py", "Attention graph", ":material/hub:", "attention"),
    ("pages/3_threeway.py", "3-way interactions", ":material/change_history:", "threeway"),
    ("pages/4_audit.py", "Causality audit", ":material/policy:", "audit"),
    ("pages/5_complex.py", "Simplicial complex & persistence", ":material/bubble_chart:", "complex"),
    ("pages/6_compare.py", "Compare", ":material/compare:", "compare"),
    ("pages/7_expressivity.py", "Expressivity lab", ":material/science:", "expressivity"),
]
_local = threading.local()


def _run_token():
    """An object unique to the current script run (the run context's cursor table is replaced every run)."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "cursors", None) if ctx is not None else None


def _draw_frame():
    st.set_page_config(page_title="hoviz", page_icon="△", layout="wide")
    page = st.navigation([st.Page(path, title=title, icon=icon, url_path=url, default=not n)
                          for n, (path, title, icon, url) in enumerate(PAGES)])
    _local.token = _run_token()
    start_run()
    sidebar()
    return page


def frame() -> None:
    """app.py: page config, navigation, the shared sidebar, then the chosen page."""
    page = _draw_frame()
    page.run()
    finish_run()


def ensure_frame() -> None:
    """First line of every page. A no-op under app.py; when Streamlit runs a page file directly (its legacy
    `pages/` folder mode, used on a fresh server's first request and by AppTest), draws the frame here."""
    token = _run_token()
    if token is None or getattr(_local, "token", None) is not token:
        _draw_frame()


# ---------------------------------------------------------------- URL state
def start_run() -> None:
    """Call once at the top of every run (app.py): snapshot the URL once per session, open the notices box."""
    ss = st.session_state
    if _URL not in ss:
        ss[_URL] = {k: st.query_params.get_all(k) for k in st.query_params}
    ss.setdefault(_STATE, {})
    ss[_BOUND] = set()
    ss[_NOTICES] = st.container()


def finish_run() -> None:
    """Drop URL parameters no widget of this page used, so the URL says exactly what is on screen."""
    bound = st.session_state.get(_BOUND, set())
    for k in [k for k in st.query_params if k not in bound]:
        del st.query_params[k]


def notice(message: str) -> None:
    """A warning at the top of the page (URL problems and other things the user should know first)."""
    box = st.session_state.get(_NOTICES)
    (box if box is not None else st).warning(message, icon=":material/warning:")


def _seed(key: str, default, parse, check):
    """The value a widget starts this run with: its live value, else the session's last, else the URL's, else
    the default. A live/remembered value that no longer fits (other model, shorter prompt) is repaired quietly;
    a URL value that does not parse or fit is reported and ignored."""
    ss = st.session_state
    for source in (ss, ss[_STATE]):
        if key in source:
            value = source[key]
            if check(value) is None:
                return value
            return default
    raw = ss[_URL].get(key)
    if raw is None:
        return default
    try:
        value = parse(raw)
        reason = check(value)
    except (ValueError, TypeError) as e:
        reason = str(e) or "cannot be read"
    if reason is None:
        return value
    shown = raw[0] if len(raw) == 1 else raw
    notice(f"Ignored URL parameter `{key}={shown!r}`: {reason}. Using the default {default!r} instead.")
    return default


def _bind(key: str, value, encode=str) -> None:
    ss = st.session_state
    ss[_STATE][key] = value
    ss[_BOUND].add(key)
    enc = [encode(v) for v in value] if isinstance(value, list | tuple) else [encode(value)]
    if st.query_params.get_all(key) != enc:
        if enc:
            st.query_params[key] = enc if len(enc) > 1 else enc[0]
        elif key in st.query_params:
            del st.query_params[key]


def _pick(raw: list[str], options: list):
    by_str = {str(o): o for o in options}
    if raw[-1] not in by_str:
        raise ValueError(f"not one of the choices ({', '.join(map(str, options[:8]))}{', ...' if len(options) > 8 else ''})")
    return by_str[raw[-1]]


def _number(kind):
    """A URL parser for one int or float, with a readable error."""
    def parse(raw):
        try:
            return kind(raw[-1])
        except ValueError:
            raise ValueError(f"not {'an integer' if kind is int else 'a number'}") from None
    return parse


def url_selectbox(label: str, options, key: str, default=None, *, where=None, radio: bool = False, **kwargs):
    """st.selectbox (or st.radio) bound to URL parameter `key`; options are compared by str()."""
    options = list(options)
    default = options[0] if default is None and options else default
    ss = st.session_state
    ss[key] = _seed(key, default, lambda raw: _pick(raw, options),
                    lambda v: None if v in options else "not available")
    widget = (where or st).radio if radio else (where or st).selectbox
    value = widget(label, options, key=key, **kwargs)
    _bind(key, value)
    return value


def url_multiselect(label: str, options, key: str, default=(), *, where=None, max_selections: int | None = None,
                    **kwargs) -> list:
    """st.multiselect bound to URL parameter `key` (repeated in the URL, one entry per choice)."""
    options = list(options)

    def parse(raw):
        picked = [_pick([r], options) for r in raw if r != ""]
        if max_selections and len(picked) > max_selections:
            raise ValueError(f"at most {max_selections} choices")
        return picked

    def check(v):
        return None if all(x in options for x in v) and (not max_selections or len(v) <= max_selections) \
            else "not available"

    st.session_state[key] = _seed(key, list(default), parse, check)
    value = (where or st).multiselect(label, options, key=key, max_selections=max_selections, **kwargs)
    _bind(key, list(value))
    return value


def url_slider(label: str, key: str, min_value, max_value, default, *, where=None, step=None, **kwargs):
    """st.slider over [min_value, max_value] bound to URL parameter `key`; int or float after `default`'s type.
    A remembered value out of range (shorter prompt, other model) is clamped; a URL one is reported."""
    kind = float if isinstance(default, float) else int
    ss = st.session_state
    if min_value >= max_value:  # a slider needs a range: show the single value instead
        (where or st).caption(f"{label}: {min_value}")
        _bind(key, min_value)
        return min_value
    for source in (ss, ss[_STATE]):  # quietly clamp what the user chose for another prompt or model
        if key in source and isinstance(source[key], int | float):
            source[key] = kind(min(max(source[key], min_value), max_value))

    def check(v):
        return None if min_value <= v <= max_value else f"out of range [{min_value}, {max_value}]"

    ss[key] = _seed(key, kind(default), _number(kind), check)
    value = (where or st).slider(label, kind(min_value), kind(max_value), key=key, step=step, **kwargs)
    _bind(key, value, (lambda v: f"{v:g}") if kind is float else str)
    return value


def url_number(label: str, key: str, min_value: int, max_value: int, default: int, *, where=None, **kwargs) -> int:
    """st.number_input for an integer (a seed, a count) bound to URL parameter `key`."""
    st.session_state[key] = _seed(key, default, _number(int),
                                  lambda v: None if min_value <= v <= max_value else
                                  f"out of range [{min_value}, {max_value}]")
    value = (where or st).number_input(label, min_value, max_value, key=key, step=1, **kwargs)
    _bind(key, int(value))
    return int(value)


def url_text_area(label: str, key: str, default: str, *, where=None, max_chars: int = 4000, **kwargs) -> str:
    """st.text_area bound to URL parameter `key`."""
    st.session_state[key] = _seed(key, default, lambda raw: raw[-1],
                                  lambda v: None if len(v) <= max_chars else f"longer than {max_chars} characters")
    value = (where or st).text_area(label, key=key, max_chars=max_chars, **kwargs)
    _bind(key, value)
    return value


def url_toggle(label: str, key: str, default: bool = False, *, where=None, **kwargs) -> bool:
    """st.toggle bound to URL parameter `key` ("1" / "0")."""
    def parse(raw):
        if raw[-1].lower() not in ("1", "0", "true", "false"):
            raise ValueError("expected 1 or 0")
        return raw[-1].lower() in ("1", "true")

    st.session_state[key] = _seed(key, default, parse, lambda v: None if isinstance(v, bool) else "not a boolean")
    value = (where or st).toggle(label, key=key, **kwargs)
    _bind(key, value, lambda v: "1" if v else "0")
    return value


# ---------------------------------------------------------------- the shared sidebar and its pickers
def default_prompt(entry: ZooEntry | None) -> str:
    """A prompt every model of this kind can read: a Shakespeare line for character models (trimmed to the block
    size), a fixed residue sequence for Match-task models (their `meta["task"]` gives M and N)."""
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


def _on_model_change() -> None:
    """When the model changes, swap in its default prompt if the old default was showing or the text is unreadable."""
    ss, entries = st.session_state, zoo()
    new, old = entries.get(ss.get("model")), entries.get(ss[_STATE].get("model"))
    text = ss.get("prompt", "")
    if new is None or new.tokenizer is None:
        return
    if text == default_prompt(old) or not text.strip() or new.tokenizer.unknown(text):
        ss["prompt"] = default_prompt(new)


def sidebar() -> None:
    """The frame's sidebar (app.py): model picker, prompt box, figure-export format."""
    entries = zoo()
    with st.sidebar:
        if entries:
            names = list(entries)
            name = url_selectbox("Model", names, "model", format_func=lambda n: entries[n].label(),
                                 on_change=_on_model_change, help="mixer kinds per model and its headline metric")
            url_text_area("Prompt", "prompt", default_prompt(entries[name]), height=130,
                          help="what the model reads; longer prompts keep their last block-size tokens")
        else:
            st.caption("No checkpoints installed.")
        url_selectbox("Figure downloads (modebar camera)", ["png", "svg"], "img", radio=True, horizontal=True)


def require_model(name: str | None = None) -> LoadedModel:
    """The sidebar's model (or `name`), loaded; otherwise an actionable st.error and st.stop() for this page."""
    entries = zoo()
    if not entries:
        st.error(NO_CHECKPOINTS.format(dir=checkpoint_dir()), icon=":material/block:")
        st.stop()
    name = name or st.session_state.get("model") or next(iter(entries))
    try:
        return load_model(name)
    except HovizError as e:
        others = [n for n in entries if n != name]
        st.error(f"Checkpoint **{name}** failed to load: {e}\n\n"
                 + (f"Pick another model in the sidebar ({', '.join(others)})." if others else ""), icon=":material/block:")
        st.stop()


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
    text = st.session_state.get("prompt", "") if text is None else text
    enc, err = encode(lm, text)
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


def layer_picker(lm: LoadedModel, kinds=None, key: str = "layer", where=None, label: str = "Layer") -> int | None:
    """Selectbox over the layers whose mixer is in `kinds` (all by default), labelled 'L1 · simplicial2'.
    None (and nothing drawn) when the model has no such layer."""
    layers = [i for i, k in enumerate(lm.kinds) if kinds is None or k in kinds]
    if not layers:
        return None
    return url_selectbox(label, layers, key, where=where or st.sidebar,
                         format_func=lambda i: f"L{i} · {lm.kinds[i]}")


def head_picker(lm: LoadedModel, key: str = "head", where=None, label: str = "Head") -> int:
    """Selectbox over the model's heads."""
    return url_selectbox(label, list(range(lm.model.config.n_head)), key, where=where or st.sidebar,
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


# ---------------------------------------------------------------- cached computations (keyed by model_key)
@st.cache_resource(show_spinner=False, max_entries=8)
def trace(key: str, ids: tuple[int, ...]):
    """(logits (T, V) float32 numpy, hoviz.Trace) for one prompt, all layers; shared, never mutate."""
    logits, tr = hoviz.run_with_trace(_load(key).model, torch.tensor([ids]))
    return logits[0].float().numpy(), tr


@st.cache_data(show_spinner=False, max_entries=64)
def pairwise(key: str, ids: tuple[int, ...], layer: int, which: str = "j") -> np.ndarray:
    """(H, T, T) float32 pairwise view of a layer: dense attention; the 2-simplicial marginal Σ_l S (which="j")
    or Σ_j S (which="l"); a simplicial-conv layer's edge-affinity matrix as one 'head'."""
    from hoviz.viz.attention import affinity_matrix

    _, tr = trace(key, ids)
    kind = tr.model.blocks[layer].kind
    if kind == "simplicial2":
        return tr.simplicial_stats(layer)["marginal_" + which][0].float().numpy()  # (H, T, T)
    if kind in COMPLEX_MIXERS:
        return affinity_matrix(tr.complex(layer))[None].astype(np.float32)
    return tr.pattern(layer)[0].float().numpy()


@st.cache_data(show_spinner=False, max_entries=64)
def threeway_scores(key: str, ids: tuple[int, ...], layer: int) -> np.ndarray:
    """(H, T) 3-wayness KL per head and query position of a 2-simplicial layer."""
    _, tr = trace(key, ids)
    return tr.threeway(layer)[0].numpy()


@st.cache_data(show_spinner=False, max_entries=256)
def query_slice(key: str, ids: tuple[int, ...], layer: int, head: int, i: int, k: int = 8):
    """(S[i] (T, T) float32 over (j, l), mask slice (T, T) bool, top-k triples [(j, l, w)])."""
    sh = trace(key, ids)[1].simplicial(layer, 0, head)
    return sh.query_slice(i).float().numpy(), sh.mask_slice(i).numpy(), sh.top_triples(i, k)


@st.cache_data(show_spinner=False, max_entries=256)
def key_slice(key: str, ids: tuple[int, ...], layer: int, head: int, axis: str, index: int):
    """(S[:, j, :] over (i, l) or S[:, :, l] over (i, j) float32, its mask bool)."""
    from hoviz.mixers.simplicial import simplicial_mask

    sh = trace(key, ids)[1].simplicial(layer, 0, head)
    allowed = simplicial_mask(sh.T, sh.w1, sh.w2, sh.mask)
    allowed = allowed[:, index, :] if axis == "j" else allowed[:, :, index]
    return sh.key_slice(axis, index).float().numpy(), allowed.numpy()


@st.cache_data(show_spinner=False, max_entries=32)
def audit(key: str, T: int, n_samples: int = 1) -> dict:
    """The causality audit of a model, as a dict of its AuditReport fields."""
    from hoviz.audit import audit_model

    ckpt = _load(key)
    rep = audit_model(ckpt.model, len(ckpt.tokenizer), T=T, n_samples=n_samples, name=ckpt.name)
    return {"name": rep.name, "T": rep.T, "suffix_change": rep.suffix_change, "future_grad": rep.future_grad,
            "influence": rep.influence, "tolerance": rep.tolerance}


@st.cache_data(show_spinner=False, max_entries=64)
def sample(key: str, ids: tuple[int, ...], n_new: int, temperature: float, top_k: int | None, seed: int) -> list[int]:
    """Ids of a sampled continuation (deterministic for a seed)."""
    out = _load(key).model.generate(torch.tensor([ids]), n_new, temperature, top_k,
                                    generator=torch.Generator().manual_seed(seed))
    return out[0, len(ids):].tolist()


# ---------------------------------------------------------------- exports
def plot(fig, name: str, *, where=None, key: str | None = None) -> None:
    """st.plotly_chart whose modebar camera downloads `name`.png or .svg (sidebar choice), rendered in the browser."""
    fmt = st.session_state.get("img", "png")
    config = {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": name, "scale": 2}}
    (where or st).plotly_chart(fig, config=config, key=key, theme=None)


def npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def _plain(x):
    """`x` with numpy/torch values as lists and numbers, and NaN/inf as None (strict JSON has no NaN)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def json_bytes(obj) -> bytes:
    return json.dumps(_plain(obj), indent=1, allow_nan=False).encode()


def download_npz(label: str, arrays: dict, file_name: str, key: str, where=None) -> None:
    """A download button for `arrays` as a compressed .npz (built only when clicked)."""
    (where or st).download_button(label, lambda: npz_bytes(arrays), file_name=file_name, key=key,
                                  mime="application/octet-stream", on_click="ignore", icon=":material/download:")


def download_json(label: str, obj, file_name: str, key: str, where=None) -> None:
    """A download button for `obj` as JSON (numpy arrays become lists; built only when clicked)."""
    (where or st).download_button(label, lambda: json_bytes(obj), file_name=file_name, key=key,
                                  mime="application/json", on_click="ignore", icon=":material/download:")
