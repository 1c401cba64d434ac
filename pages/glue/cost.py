"""Cost shown before it is paid: the pages' slow jobs (the causality audit, sampling) behind an estimate
(`hoviz.views.cost`), a confirmation button when the estimate is large, and progress while they run. Results are
kept per server in small stores that a page can peek into, so a job already paid for shows no estimate again.

    rep = cost.peek_audit(ref, T, n) or (cost.go(est, key) and cost.audit(ref, T, n, progress=cb))
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import streamlit as st

from hoviz.audit import AuditReport, audit_model
from hoviz.views import cost
from hoviz.views.prompt import sample_stream
from hoviz.zoo import ModelRef
from pages.glue.zoo import load

_CONFIRMED = "_hv_confirmed"  # session key: the jobs this session confirmed


class _Store:
    """A small thread-safe LRU of finished results, shared by every session of the server (read-only values)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def _stores() -> dict[str, _Store]:
    return {"audit": _Store(32), "sample": _Store(64)}


@st.cache_resource(show_spinner=False, max_entries=64)
def forward_timing(ref: ModelRef, T: int) -> cost.ForwardTiming:
    """A (1, T) forward of `ref` timed on this machine (hoviz.views.cost.time_forward), once per model and T."""
    return cost.time_forward(load(ref).model, T)


@st.cache_resource(show_spinner=False, max_entries=64)
def audit_timing(ref: ModelRef, T: int) -> cost.ForwardTiming:
    """The forward an audit estimate scales (hoviz.views.cost.time_audit_forward), once per model and T."""
    return cost.time_audit_forward(load(ref).model, T)


def go(est: cost.CostEstimate, key: str, where=None) -> bool:
    """Show the estimate under the controls; True when the job may run now: cheap, or confirmed by the button
    (once per session and `key`, which should name the job's parameters)."""
    where = where or st
    confirmed = st.session_state.setdefault(_CONFIRMED, set())
    where.caption(est.text())
    if not est.expensive or key in confirmed:
        return True
    if where.button(f"Run it ({est.duration})", key=f"go-{key}",
                    type="primary", icon=":material/play_arrow:"):
        confirmed.add(key)
        return True
    return False


def peek_audit(ref: ModelRef, T: int, n_samples: int) -> AuditReport | None:
    """The audit if this server already ran it, else None (nothing is computed)."""
    return _stores()["audit"].get((ref, T, n_samples))


def audit(ref: ModelRef, T: int, n_samples: int = 1, progress=None) -> AuditReport:
    """The causality audit of a model (hoviz.audit.audit_model), run once per server and (model, T, samples);
    `progress(done, total)` is called while it runs."""
    found = peek_audit(ref, T, n_samples)
    if found is not None:
        return found
    ckpt = load(ref)
    rep = audit_model(ckpt.model, len(ckpt.tokenizer), T=T, n_samples=n_samples, name=ckpt.name, progress=progress)
    return _stores()["audit"].put((ref, T, n_samples), rep)


def audit_with_progress(ref: ModelRef, T: int, n_samples: int, label: str) -> AuditReport:
    """`audit` inside an st.status box with a progress bar (chunks of cuts done), closed when it finishes."""
    found = peek_audit(ref, T, n_samples)
    if found is not None:
        return found
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="starting")
        rep = audit(ref, T, n_samples, progress=lambda done, total: bar.progress(
            done / total, text=f"{done} of {total} chunks of cuts (suffix and gradient tests)"))
        box.update(label=f"{label} done", state="complete", expanded=False)
    return rep


def peek_sample(key: tuple) -> list[int] | None:
    """The ids of a sample this server already drew for `key` (model ref, ids, n_new, temperature, top_k, seed)."""
    return _stores()["sample"].get(key)


def stream_sample(key: tuple, decode, where=None) -> list[int]:
    """Draw the sample `key` names, writing its text into `where` token by token as it arrives (st.write_stream),
    then keep its ids for this server."""
    ref, ids, n_new, temperature, top_k, seed = key
    drawn: list[int] = []

    def text():
        for t in sample_stream(load(ref).model, ids, n_new, temperature, top_k, seed):
            drawn.append(t)
            yield decode([t])

    (where or st).write_stream(text())
    return _stores()["sample"].put(key, drawn)
