"""What each app page shows, computed without Streamlit: plain functions over a model (or its `Trace`) and a
prompt's ids that return arrays, records and plotly figures. The pages only arrange them; the benchmark
(`hoviz.bench.pipeline`) times these same functions; tests call them directly (tests/test_views.py).

    logits, tr = trace_prompt(model, ids); P = attention.pairwise(tr, layer)   # (H, T, T)
"""

from __future__ import annotations

import numpy as np
import torch

from hoviz.trace import Trace, run_with_trace


def trace_prompt(model, ids) -> tuple[np.ndarray, Trace]:
    """(logits (T, V) float32 numpy, Trace of every layer) for one prompt's ids."""
    logits, tr = run_with_trace(model, torch.tensor([list(ids)]))  # (1, T, V)
    return logits[0].float().numpy(), tr


def kinds(model) -> list[str]:
    """The mixer kind of every layer, e.g. ["dense", "simplicial2"]."""
    return [b.kind for b in model.blocks]
