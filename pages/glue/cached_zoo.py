"""The Compare, Expressivity and Evidence pages' cached computations (st.cache_* wrappers of the library and its
figure builders), moved out of the pages so that they only arrange; the per-prompt views live in `cached`.

    m = cached_zoo.measure(ref, T=64, traced=False); fig = cached_zoo.figure("curves", curves, x="step")
"""

from __future__ import annotations

import streamlit as st

from hoviz.evidence_prompt import prompt_scores
from hoviz.interventions import Intervention
from hoviz.memory import peak_forward_memory
from hoviz.tasks import TaskSpec
from hoviz.views import evidence
from hoviz.views import expressivity as expr
from hoviz.viz import ladder
from hoviz.viz import match3 as m3views
from hoviz.viz.compare import memory_expressivity_figure, memory_scaling_figure, training_curves_figure
from hoviz.viz.expressivity import match3_labels_figure, match3_slice_figure, wl_pair_figure
from hoviz.zoo import ModelRef
from pages.glue.zoo import load

FIGURES = {"curves": training_curves_figure, "cost": memory_expressivity_figure, "scaling": memory_scaling_figure,
           "labels": match3_labels_figure, "slice": match3_slice_figure}
PER_POSITION_SAMPLES, PER_POSITION_SEED = 2048, 1234


@st.cache_data(show_spinner=False, max_entries=128)
def figure(builder: str, *args, **kwargs):
    """A figure built once per input (building costs tens of ms; unpickling the cached one a few)."""
    return FIGURES[builder](*args, **kwargs)


# ---------------------------------------------------------------- Compare
@st.cache_data(show_spinner=False, max_entries=512)
def measure(ref: ModelRef, T: int, traced: bool) -> dict:
    """Peak activation memory of one forward of a model at length T, measured afresh once per (model files, T,
    traced): `ref`'s fingerprint changes when the checkpoint does."""
    return peak_forward_memory(load(ref).model, T, traced=traced).to_dict()


# ---------------------------------------------------------------- Expressivity lab
@st.cache_data(show_spinner=False, max_entries=8)
def wl_pair(pair: str):
    """The graph pair's WL colours and Betti numbers (hoviz.views.expressivity.wl_pair), once per pair."""
    return expr.wl_pair(pair)


@st.cache_data(show_spinner=False, max_entries=16)
def wl_figure(pair: str, layout: str):
    """The pair drawn side by side, coloured by WL colour, Betti numbers in the titles."""
    wl = wl_pair(pair)
    return wl_pair_figure(*wl.graphs, *wl.colours, names=wl.names, betti1=wl.betti[0], betti2=wl.betti[1],
                          layout=layout)


@st.cache_data(show_spinner=False, max_entries=32)
def held_out_accuracy(ref: ModelRef, spec: TaskSpec) -> float:
    """Balanced accuracy of a Match model on 512 fresh sequences (hoviz.views.expressivity), once per model."""
    return expr.held_out_accuracy(load(ref).model, spec)


@st.cache_data(show_spinner=False, max_entries=4)
def ladder_rows():
    """The WL ladder on every pair (k = 3 on the 16-node pair takes about half a second), once per server."""
    return ladder.ladder_rows()


@st.cache_data(show_spinner=False, max_entries=32)
def per_position(ref: ModelRef, spec: TaskSpec):
    """A Match3 model's balanced accuracy at each position on fixed fresh sequences, once per model."""
    return m3views.per_position_scores(load(ref).model, spec, PER_POSITION_SAMPLES, PER_POSITION_SEED)


@st.cache_data(show_spinner=False, max_entries=8)
def oracle_per_position(spec: TaskSpec):
    """The pairwise-only oracle at each position on the same sequences, once per task."""
    return m3views.oracle_per_position(spec, PER_POSITION_SAMPLES, PER_POSITION_SEED)


# ---------------------------------------------------------------- Evidence
@st.cache_data(show_spinner=False, max_entries=32)
def heads_view(ref: ModelRef, ids: tuple[int, ...]) -> evidence.HeadsView:
    return evidence.heads(load(ref), ids)


@st.cache_data(show_spinner=False, max_entries=64)
def layer_scores(ref: ModelRef, ids: tuple[int, ...], layer: int):
    """(H, T) interaction KL and joint spread of one 2-simplicial layer on the prompt (one forward, once)."""
    return prompt_scores(load(ref).model, ids, layer)


@st.cache_resource(show_spinner=False, max_entries=4)
def mean_reference(ref: ModelRef):
    """Shared, never mutated: the mean-ablation reference of a model (a forward over its reference sample)."""
    return evidence.mean_reference(load(ref))


@st.cache_data(show_spinner=False, max_entries=64)
def intervention_delta(ref: ModelRef, ids: tuple[int, ...], layer: int, head: int, kind: str):
    means = mean_reference(ref) if kind == "mean" else None
    return evidence.intervention_delta(load(ref), ids, Intervention(layer, head, kind), means)


@st.cache_data(show_spinner=False, max_entries=32)
def compare_prompt(refs: tuple[ModelRef, ...], ids: tuple[int, ...]):
    return evidence.compare_prompt([load(r) for r in refs], ids)


@st.cache_data(show_spinner=False, max_entries=16)
def compare_sample(refs: tuple[ModelRef, ...]):
    return evidence.compare_sample([load(r) for r in refs])
