"""The attention page's view of one layer: its heads as (T, T) matrices, whatever the mixer kind (dense
attention; a 2-simplicial layer's marginal Σ_l S or Σ_j S; a complex-lifting layer's (gated_triangle, scn) edge affinities as one
"head"), the mask each matrix lives on, per-head entropy, and the page's figures.

    P = pairwise(tr, layer, "j"); A = allowed(model, layer, P.shape[-1], "j"); figs = figures(P, A, tokens, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.mixers import COMPLEX_MIXERS
from hoviz.mixers.simplicial import simplicial_mask
from hoviz.trace import Trace
from hoviz.viz import display_tokens
from hoviz.viz.attention import (
    affinity_matrix,
    attention_graph,
    entropy_bar,
    graph_edges,
    head_entropy,
    head_heatmap,
    heads_grid,
)

GRID_SIDE = 48  # thumbnails max-pooled to at most 48 cells a side (about 5 px a cell on screen)
GRAPH_TOP_K = 3  # the attention graph draws each query's 3 heaviest keys: readable at T = 96, not a hairball


def pairwise(tr: Trace, layer: int, which: str = "j") -> np.ndarray:
    """(H, T, T) float32 pairwise view of `layer`: dense attention; the 2-simplicial marginal Σ_l S (which="j") or
    Σ_j S (which="l"); a complex-lifting layer's edge-affinity matrix as one head (1, T, T)."""
    kind = tr.model.blocks[layer].kind
    if kind == "simplicial2":
        stats = tr.simplicial_stats(layer)
        return (stats.marginal_j if which == "j" else stats.marginal_l)[0].float().numpy()  # (H, T, T)
    if kind in COMPLEX_MIXERS:
        return affinity_matrix(tr.complex(layer))[None].astype(np.float32)  # (1, T, T)
    return tr.pattern(layer)[0].float().numpy()  # (H, T, T)


def allowed(model, layer: int, T: int, which: str = "j") -> np.ndarray:
    """(T, T) bool: where the pairwise view can be non-zero (the causal mask; a 2-simplicial layer's mask reduced
    over the other key; a complex-lifting layer's strictly earlier edges)."""
    block = model.blocks[layer]
    if block.kind == "simplicial2":
        m = block.mixer
        # the mask reduced over the other key, one block of query rows at a time:
        rows = [simplicial_mask(T, m.w1, m.w2, m.mask, rows=(i0, min(T, i0 + 64))).any(2 if which == "j" else 1)
                for i0 in range(0, T, 64)]  # never the whole (T, T, T) mask
        return torch.cat(rows).numpy()  # (T, T)
    return np.tril(np.ones((T, T), dtype=bool), -1 if block.kind in COMPLEX_MIXERS else 0)


def head_titles(kind: str, H: int) -> list[str]:
    return ["edge affinities"] if kind in COMPLEX_MIXERS else [f"head {h}" for h in range(H)]


@dataclass(frozen=True)
class AttentionFigures:
    """The attention page's figures for one layer and head."""

    grid: object
    entropy: object
    matrix: object
    graph: object
    entropies: np.ndarray  # (H,)
    edges: list  # [(source j, target i, weight)] drawn in the graph


def figures(patterns: np.ndarray, allowed_mask: np.ndarray, tokens, head: int = 0, *, kind: str = "dense",
            threshold: float = 0.1, layout: str = "circular", top_k: int | None = GRAPH_TOP_K,
            query: int | None = None) -> AttentionFigures:
    """Every figure of the attention page for `patterns` (H, T, T) and one enlarged head; the graph keeps each
    query's `top_k` heaviest keys (None: all above the threshold) and rings the selected `query`."""
    H, T = patterns.shape[0], patterns.shape[-1]
    titles = head_titles(kind, H)
    ent = head_entropy(patterns)
    return AttentionFigures(
        heads_grid(patterns, titles=titles, allowed=allowed_mask, tokens=tokens, max_side=GRID_SIDE),
        entropy_bar(ent, titles, T=T, highlight=head if H > 1 else None),
        head_heatmap(patterns[head], tokens, allowed=allowed_mask, title="adjacency matrix (grey: masked)",
                     strips=True),
        attention_graph(patterns[head], tokens, threshold=threshold, layout=layout, allowed=allowed_mask,
                        top_k=top_k, highlight=query),
        ent, graph_edges(patterns[head], threshold, allowed=allowed_mask, top_k=top_k))


def query_summary(pattern: np.ndarray, tokens, i: int, key: int, k: int = 3, allowed=None) -> str:
    """"query 51 'e' reads key 37 'o' with weight 0.410; its heaviest keys: 50 'h' 0.52, ..." from one (T, T)
    pattern; a key outside `allowed` (default: the causal future j > i) is named as masked."""
    labels = display_tokens(tokens)
    row = np.nan_to_num(np.asarray(pattern, dtype=np.float64)[i])  # (T,)
    top = np.argsort(-row, kind="stable")[:k]
    heaviest = ", ".join(f"{j} '{labels[j]}' {row[j]:.2f}" for j in top if row[j] > 0)
    masked = key > i if allowed is None else not bool(np.asarray(allowed)[i, key])
    reads = "cannot read" if masked else "reads"
    weight = "(masked)" if masked else f"with weight {row[key]:.3f}"
    return (f"query {i} '{labels[i]}' {reads} key {key} '{labels[key]}' {weight}; "
            f"its heaviest keys: {heaviest or 'none'}")


PATTERNS = {"the previous token": -1, "itself": 0, "the first token": None}  # offset j - i, or None: column 0


def head_pattern_shares(P: np.ndarray) -> dict[str, np.ndarray]:
    """name -> (H,) mean weight a head puts on that simple pattern, over the queries i >= 1 (where they differ)."""
    P = np.asarray(P, dtype=np.float64)  # (H, T, T)
    T = P.shape[-1]
    if T < 2:
        return {name: np.zeros(P.shape[0]) for name in PATTERNS}
    i = np.arange(1, T)
    return {name: P[:, i, 0 if off is None else i + off].mean(-1) for name, off in PATTERNS.items()}


def head_summary(P: np.ndarray, head: int) -> str:
    """'head 2: 97% on the previous token' (the largest of PATTERNS' mean weights), exact from the (H, T, T) rows."""
    shares = {name: float(v[head]) for name, v in head_pattern_shares(P).items()}
    name = max(shares, key=shares.get)
    if shares[name] < 0.3:
        return f"head {head}: no simple positional pattern (at most {shares[name]:.0%} on {name}, mean over queries)"
    return f"head {head}: {shares[name]:.0%} on {name} (mean over queries i ≥ 1)"
