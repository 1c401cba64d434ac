"""The 3-way page's view of one 2-simplicial head: the (j, l) slice S[i] of a query and its mask slice, the top
triples, a slice with one key fixed, the per-head 3-wayness KL per query, the informative default query, and the
page's figures. Only T² slices are computed; the T³ pattern is never built.

    h = default_head(interaction(tr, layer)); i = default_query(scores(tr, layer), h)   # default_layer picks layer
    S, allowed, top = query_slice(tr, layer, h, i); j = default_key(S, "j")             # the key to fix for i
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hoviz.trace import Trace
from hoviz.viz.threeway import (
    allowed_bbox,
    mask_categories,
    mask_slice_figure,
    slice_heatmap,
    threeway_bar,
    threeway_profile,
    triangles_figure,
)


def scores(tr: Trace, layer: int) -> np.ndarray:
    """(H, T) joint spread KL(S[i] || Σ_l S ⊗ Σ_j S) per head and query position, in nats."""
    return tr.joint_spread(layer)[0].numpy()


def interaction(tr: Trace, layer: int) -> np.ndarray:
    """(H, T) interaction KL(S[i] || pairwise surrogate) per head and query, in nats (hoviz.threeway.interaction_kl):
    0 where a head needs no pair of keys together."""
    return tr.simplicial(layer, 0, None).interaction_kl().float().numpy()


def default_head(inter: np.ndarray) -> int:
    """The head a 3-way view opens on: the largest mean interaction KL over queries (head 0 when all are 0)."""
    mean = np.asarray(inter).mean(-1)  # (H,)
    return int(np.argmax(mean)) if np.nanmax(mean) > 0 else 0


def default_layer(inters: dict[int, np.ndarray]) -> int:
    """The 2-simplicial layer a 3-way view opens on: the one whose best head has the largest mean interaction KL
    (`inters`: layer -> (H, T)); the first layer when every score is 0."""
    layers = sorted(inters)
    best = [float(np.asarray(inters[n]).mean(-1).max()) for n in layers]
    return layers[int(np.argmax(best))] if max(best) > 0 else layers[0]


def head_summary(inter: np.ndarray, head: int, tol: float = 0.005) -> str:
    """One line on how 3-way `head` is, from the (H, T) interaction KL: its mean and peak query, and its rank."""
    row = np.asarray(inter)[head]  # (T,)
    mean, peak = float(row.mean()), int(np.argmax(row))
    if float(row.max()) < tol:
        return f"head {head}: interaction KL {mean:.2f} nats at every query: the pair factorises (no 3-way rule)"
    means = np.asarray(inter).mean(-1)
    rank = int((means > means[head]).sum()) + 1
    return (f"head {head}: interaction KL {mean:.2f} nats on average, {float(row[peak]):.2f} at query {peak} "
            f"(the {'largest' if rank == 1 else f'#{rank}'} of {len(means)} heads)")


def default_query(score: np.ndarray, head: int = 0) -> int:
    """The query a 3-way view opens on: the position where `head` is most 3-way (largest KL), or the middle of the
    prompt when no query has any 3-way structure (all scores 0)."""
    row = np.asarray(score)[head]  # (T,)
    return int(np.argmax(row)) if np.nanmax(row) > 0 else (len(row) - 1) // 2


def default_key(S, axis: str) -> int:
    """The key the "fix one key" orientation opens on for query i: the position with the largest marginal weight in
    query i's slice S[i] (rows j, columns l): argmax_j Σ_l S[i, j, l] for axis "j", argmax_l Σ_j S[i, j, l] for "l"
    (NaN-safe; position 0 when the slice carries no weight)."""
    if axis not in ("j", "l"):
        raise ValueError(f"axis must be 'j' or 'l', not {axis!r}")
    marginal = np.nansum(np.asarray(S, dtype=np.float64), axis=1 if axis == "j" else 0)  # (T,)
    return int(np.argmax(marginal)) if marginal.size and np.nanmax(marginal) > 0 else 0


def query_slice(tr: Trace, layer: int, head: int, i: int, k: int = 8):
    """(S[i] (T, T) float32 over (j, l), its mask slice (T, T) bool, the top-k triples [(j, l, w)])."""
    sh = tr.simplicial(layer, 0, head)
    return sh.query_slice(i).float().numpy(), sh.mask_slice(i).numpy(), sh.top_triples(i, k)


def key_slice(tr: Trace, layer: int, head: int, axis: str, index: int):
    """(S[:, j, :] over (i, l) when axis == "j", or S[:, :, l] over (i, j), float32; its mask (T, T) bool)."""
    sh = tr.simplicial(layer, 0, head)
    return sh.key_slice(axis, index).float().numpy(), sh.key_mask(axis, index).numpy()


@dataclass(frozen=True)
class ThreewayFigures:
    slice: object
    mask: object
    triangles: object
    fixed_key: object
    heads: object
    profile: object


def figures(S, allowed, triples, K, k_allowed, score, tokens, i: int, head: int, axis: str, index: int
            ) -> ThreewayFigures:
    """Every figure of the 3-way page from the slices above and the (H, T) scores."""
    other = "l" if axis == "j" else "j"
    fixed = f"S[:, {index}, :] (fixed j = {index})" if axis == "j" else f"S[:, :, {index}] (fixed l = {index})"
    extent = allowed_bbox(allowed)  # the S slice and its mask panel share one extent
    r0, r1, c0, c1 = extent  # the fixed-key slice: as many queries as S has rows, from the first that may read the key
    q0 = int(np.clip(index, 0, max(0, len(K) - (r1 - r0))))
    k_extent = (q0, q0 + (r1 - r0), c0, c1)  # and S's key-l columns: same size, same column range
    return ThreewayFigures(
        slice_heatmap(S, tokens, allowed=allowed, future=mask_categories(allowed, i) == 2, extent=extent,
                      title=f"S[{i}, j, l]"),
        mask_slice_figure(allowed, i, tokens, extent=extent),
        triangles_figure(tokens, i, triples),
        slice_heatmap(K, tokens, allowed=k_allowed, future=mask_categories(k_allowed, index, True) == 2, extent=k_extent,
                      ylabel="query i", xlabel=f"key {other}", title=fixed, colorscale="Greens"),
        threeway_bar(score.mean(1), highlight=head),
        threeway_profile(score[head], tokens, i=i))
