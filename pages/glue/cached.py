"""The pages' cached computations: st.cache_* wrappers of `hoviz.views`, keyed by a model's `ModelRef` and the
prompt's ids, so a rerun (a moved slider, a second viewer) reuses what was computed. Nothing is computed here.

    logits, tr = cached.trace(lm.ref, ids); P = cached.pairwise(lm.ref, ids, layer)   # (H, T, T)
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from hoviz import views
from hoviz.views import attention, scn, threeway
from hoviz.zoo import ModelRef
from pages.glue.zoo import load


@st.cache_resource(show_spinner=False, max_entries=8)
def trace(ref: ModelRef, ids: tuple[int, ...]):
    """(logits (T, V) float32 numpy, hoviz.Trace) for one prompt, all layers; shared, never mutate."""
    return views.trace_prompt(load(ref).model, ids)


@st.cache_data(show_spinner=False, max_entries=64)
def pairwise(ref: ModelRef, ids: tuple[int, ...], layer: int, which: str = "j") -> np.ndarray:
    """(H, T, T) float32 pairwise view of a layer (hoviz.views.attention.pairwise)."""
    return attention.pairwise(trace(ref, ids)[1], layer, which)


@st.cache_data(show_spinner=False, max_entries=64)
def allowed(ref: ModelRef, T: int, layer: int, which: str = "j") -> np.ndarray:
    """(T, T) bool mask of a layer's pairwise view (hoviz.views.attention.allowed)."""
    return attention.allowed(load(ref).model, layer, T, which)


@st.cache_data(show_spinner=False, max_entries=64)
def threeway_scores(ref: ModelRef, ids: tuple[int, ...], layer: int) -> np.ndarray:
    """(H, T) 3-wayness KL per head and query position of a 2-simplicial layer."""
    return threeway.scores(trace(ref, ids)[1], layer)


@st.cache_data(show_spinner=False, max_entries=64)
def interaction(ref: ModelRef, ids: tuple[int, ...], layer: int) -> np.ndarray:
    """(H, T) interaction KL per head and query of a 2-simplicial layer (hoviz.views.threeway.interaction)."""
    return threeway.interaction(trace(ref, ids)[1], layer)


@st.cache_data(show_spinner=False, max_entries=256)
def query_slice(ref: ModelRef, ids: tuple[int, ...], layer: int, head: int, i: int, k: int = 8):
    """(S[i] (T, T) float32 over (j, l), mask slice (T, T) bool, top-k triples [(j, l, w)])."""
    return threeway.query_slice(trace(ref, ids)[1], layer, head, i, k)


@st.cache_data(show_spinner=False, max_entries=256)
def key_slice(ref: ModelRef, ids: tuple[int, ...], layer: int, head: int, axis: str, index: int):
    """(S[:, j, :] over (i, l) or S[:, :, l] over (i, j) float32, its mask bool)."""
    return threeway.key_slice(trace(ref, ids)[1], layer, head, axis, index)


@st.cache_data(show_spinner=False, max_entries=256)
def scn_view(ref: ModelRef, ids: tuple[int, ...], layer: int, i: int) -> scn.SCNLayerView:
    """An scn layer's prefix complex K_i, its Hodge spectra and filter responses (hoviz.views.scn.scn_layer_view)."""
    return scn.scn_layer_view(load(ref).model, ids, layer, i)

