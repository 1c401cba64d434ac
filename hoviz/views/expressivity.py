"""The expressivity page's computations: a WL graph pair (1-WL colours refined to stability, clique-complex Betti
numbers), a Match sequence typed by the user, its true labels, and a Match model's balanced accuracy on fresh
sequences (the check beside the sidecar's number).

    x = parse_sequence("1 2 3", spec); acc = held_out_accuracy(model, spec)
    w = [matching_weight(S_h, pairs) for S_h in slices]; head = default_match_head(w)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.errors import TaskError
from hoviz.tasks import TaskSpec, labels, predict_labels
from hoviz.topology import (
    clique_complex_betti,
    hexagon,
    rook_graph,
    shrikhande_graph,
    two_triangles,
    wl_colours,
    wl_indistinguishable,
)

PAIRS = {"k3c6": ("2×K3", two_triangles, "C6", hexagon),
         "rook": ("Rook 4×4", rook_graph, "Shrikhande", shrikhande_graph)}


@dataclass(frozen=True)
class WLPair:
    """Two graphs, their 1-WL colours after the same number of rounds, and their clique complexes' Betti numbers."""

    names: tuple[str, str]
    graphs: tuple
    colours: tuple[dict, dict]
    rounds: int
    betti: tuple[list[int], list[int]]
    same: bool  # 1-WL cannot tell them apart


def wl_pair(pair: str) -> WLPair:
    """The pair `pair` (a key of PAIRS) refined to stability with the same number of rounds."""
    n1, f1, n2, f2 = PAIRS[pair]
    g1, g2 = f1(), f2()
    rounds = max(len(wl_colours(g1)), len(wl_colours(g2))) - 1
    c1, c2 = wl_colours(g1, max(rounds, 1))[-1], wl_colours(g2, max(rounds, 1))[-1]
    return WLPair((n1, n2), (g1, g2), (c1, c2), rounds, (clique_complex_betti(g1), clique_complex_betti(g2)),
                  wl_indistinguishable(g1, g2))


def parse_sequence(text: str, spec: TaskSpec) -> list[int]:
    """Residues from space/comma-separated text; TaskError naming what is wrong."""
    words = text.replace(",", " ").split()
    if not words:
        raise TaskError("the sequence is empty: type residues separated by spaces")
    bad = [w for w in words if not w.lstrip("-").isdigit()]
    if bad:
        raise TaskError(f"not integers: {bad[:5]}; type residues 0..{spec.M - 1} separated by spaces")
    x = [int(w) for w in words]
    out = [v for v in x if not 0 <= v < spec.M]
    if out:
        raise TaskError(f"residues must lie in 0..{spec.M - 1}; got {out[:5]}")
    if len(x) > spec.N:
        raise TaskError(f"at most N = {spec.N} residues (the models' sequence length); got {len(x)}")
    return x


def true_labels(x: list[int], spec: TaskSpec) -> np.ndarray:
    """(T,) 0/1 labels of the sequence `x` under the task `spec`."""
    return labels(torch.tensor([x]), spec.name, spec.M)[0].numpy()


def predictions(logits: np.ndarray, spec: TaskSpec) -> np.ndarray:
    """(T,) predicted 0/1 labels from a Match model's logits (T, V)."""
    return predict_labels(torch.from_numpy(logits)[None], spec)[0].numpy()


@torch.no_grad()
def held_out_accuracy(model, spec: TaskSpec, seed: int = 1234, n: int = 512) -> float:
    """Balanced accuracy of a Match model on n fresh seeded sequences (on the task's scored positions)."""
    x, y = spec.sample(n, torch.Generator().manual_seed(seed))
    return spec.score(predict_labels(model(x), spec), y)


def matching_weight(S: np.ndarray, pairs: np.ndarray) -> float:
    """The share of a (T, T) slice S[i, j, l] that lies on the matching pairs (K, 2) of query i (0 when none)."""
    S = np.asarray(S, dtype=np.float64)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    total = S.sum()
    return float(S[pairs[:, 0], pairs[:, 1]].sum() / total) if len(pairs) and total > 0 else 0.0


def default_match_head(weights) -> int:
    """The head a Match3 slice opens on: the most weight on the matching pairs (head 0 when every weight is 0)."""
    w = np.asarray(weights, dtype=np.float64)
    return int(np.argmax(w)) if len(w) and w.max() > 0 else 0


def match_head_summary(weights, head: int) -> str:
    """'head 3: 83.1% of S[i] on the matching pairs (head 0 4.9%, ...)' from one weight per head."""
    w = list(weights)
    others = ", ".join(f"head {h} {v:.1%}" for h, v in enumerate(w) if h != head)
    return f"head {head}: {w[head]:.1%} of S[i] on the matching pairs" + (f" ({others})" if others else "")
