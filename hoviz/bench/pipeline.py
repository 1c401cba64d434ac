"""The app pipeline table: everything the app computes for one view of a prompt (trace, slices, every figure of
the page) timed against a bare forward pass.
"""

from __future__ import annotations

import torch

from hoviz.bench.measure import median_ms
from hoviz.mixers import COMPLEX_MIXERS


def page_work(model, idx: torch.Tensor) -> tuple[str, int]:
    """Everything the app computes for one view of `idx`, by the same `hoviz.views` functions the pages call: the
    trace, the slices and every figure of the 3-way page at its default query (the attention page for a model
    without a 2-simplicial layer). Returns (page name, bytes of figure JSON)."""
    from hoviz import views
    from hoviz.views import attention, threeway

    ids = tuple(idx[0].tolist())
    tokens = [str(t) for t in ids]
    _, tr = views.trace_prompt(model, ids)
    kinds = views.kinds(model)
    if "simplicial2" in kinds:
        layer = kinds.index("simplicial2")
        scores = threeway.scores(tr, layer)  # (H, T)
        i = threeway.default_query(scores, 0)
        S, allowed, triples = threeway.query_slice(tr, layer, 0, i)
        K, k_allowed = threeway.key_slice(tr, layer, 0, "j", max(0, i - 1))
        figs = list(vars(threeway.figures(S, allowed, triples, K, k_allowed, scores, tokens, i, 0, "j",
                                          max(0, i - 1))).values())
        page = "threeway"
    else:
        layer = kinds.index("dense") if "dense" in kinds else next(i for i, k in enumerate(kinds) if k in COMPLEX_MIXERS)
        P = attention.pairwise(tr, layer)  # (H, T, T)
        f = attention.figures(P, attention.allowed(model, layer, len(ids)), tokens, 0, kind=kinds[layer])
        figs = [f.grid, f.entropy, f.matrix, f.graph]
        page = "attention"
    return page, sum(len(f.to_json()) for f in figs)


def bench_pipeline(model, idx: torch.Tensor, *, device: str = "cpu", repeats: int = 5) -> dict:
    """Time the app's work for one prompt (`page_work`: trace, slices, figures) against a bare forward pass."""
    model = model.eval()

    def bare():
        with torch.no_grad():
            return model(idx)
    fwd = median_ms(bare, device, repeats)
    page, payload = page_work(model, idx)
    work = median_ms(lambda: page_work(model, idx), device, repeats)
    return {"prompt_tokens": idx.shape[1], "forward_ms": round(fwd, 3), "page": page, "page_ms": round(work, 3),
            "page_overhead": round(work / fwd, 3), "figure_bytes": payload}
