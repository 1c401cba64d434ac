"""The app pipeline table: everything the app computes for one view of a prompt (trace, slices, every figure of
the page) timed against a bare forward pass.
"""

from __future__ import annotations

import torch

from hoviz.bench.measure import median_ms
from hoviz.mixers import COMPLEX_MIXERS


def page_work(model, idx: torch.Tensor) -> tuple[str, int]:
    """Everything the app computes for one view of `idx`: the trace, the slices and every figure of the 3-way page
    (the attention page for a model without a 2-simplicial layer). Returns (page name, bytes of figure JSON)."""
    from hoviz.trace import run_with_trace
    from hoviz.viz import attention as va
    from hoviz.viz import threeway as vt

    T = idx.shape[1]
    tokens = [str(int(t)) for t in idx[0].tolist()]
    _, tr = run_with_trace(model, idx)
    kinds = [b.kind for b in model.blocks]
    if "simplicial2" in kinds:
        layer, i = kinds.index("simplicial2"), T - 1
        head = tr.simplicial(layer, 0, 0)
        scores = tr.threeway(layer)[0].numpy()  # (H, T), from the statistics the traced forward kept
        S, allowed, triples = head.query_slice(i), head.mask_slice(i), head.top_triples(i, 8)
        K = head.key_slice("j", max(0, i - 1))
        figs = [vt.slice_heatmap(S.numpy(), tokens, allowed=allowed.numpy()), vt.mask_slice_figure(allowed.numpy(), i, tokens),
                vt.triangles_figure(tokens, i, triples), vt.slice_heatmap(K.numpy(), tokens, ylabel="query i"),
                vt.threeway_bar(scores.mean(1), highlight=0), vt.threeway_profile(scores[0], tokens, i=i)]
        page = "threeway"
    else:
        if "dense" in kinds:
            P = tr.pattern(kinds.index("dense"))[0].float().numpy()  # (H, T, T)
        else:  # a layer that lifts to a complex shows its edge affinities as one "head"
            P = va.affinity_matrix(tr.complex(next(i for i, k in enumerate(kinds) if k in COMPLEX_MIXERS)))[None]
        figs = [va.heads_grid(P), va.head_heatmap(P[0], tokens), va.attention_graph(P[0], tokens),
                va.entropy_bar(va.head_entropy(P), T=T)]
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
