"""The pairwise-only oracle: the best a rule that tests positions in pairs can score on a Match task.

A witness (j, l) of y_i is *pairwise-checkable* when it can be found without testing two other positions jointly:
its index triple (i, j, l) has at most two distinct positions ("positions"), or two of x_i, x_j, x_l coincide or
one is 0 ("residues"), so that each partner's residue is fixed by x_i alone and each is found by its own pair test
with i. The oracle sees, at position i, only x_i and whether such a witness exists; per position it predicts the
class whose likelihood is larger (the balanced-accuracy-optimal rule), fitted and scored on the same samples, so its
score is an optimistic ceiling. Every Match2 witness is pairwise. Sanford, Hsu & Telgarsky (NeurIPS 2023).
    >>> oracle_score(TaskSpec("match3", M=37, N=12)).balanced_accuracy  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.errors import TaskError
from hoviz.tasks import TaskSpec, balanced_accuracy_per_position, labels

FEATURES = ("positions", "residues")
DEFINITION = ("pairwise-only oracle: per position, the balanced-accuracy-optimal rule on (x_i, a pairwise-checkable "
              "witness exists), fitted and scored on the same samples")


@dataclass(frozen=True)
class OracleScore:
    """What the pairwise-only oracle scores on one set of samples."""

    balanced_accuracy: float  # mean over the task's scored positions
    per_position: np.ndarray  # (N,) balanced accuracy at each position (NaN-free for B >= 1)
    pairwise_share: float  # fraction of positives (scored positions) with a pairwise-checkable witness
    features: tuple[str, ...]
    samples: int
    seed: int | None = None

    def to_dict(self) -> dict:
        """Plain JSON-able values for a sidecar."""
        return {"balanced_accuracy": round(self.balanced_accuracy, 5), "pairwise_share": round(self.pairwise_share, 5),
                "features": list(self.features), "samples": self.samples, "seed": self.seed, "definition": DEFINITION}


def _allowed(name: str, i: int) -> torch.Tensor:
    """(i+1, i+1) bool over (j, l): the index pairs the task lets witness y_i."""
    j, l = torch.meshgrid(torch.arange(i + 1), torch.arange(i + 1), indexing="ij")
    if name == "match3":
        return (j < l) & (l < i)
    return torch.ones(i + 1, i + 1, dtype=torch.bool)


def pairwise_witnesses(x: torch.Tensor, spec: TaskSpec, features=FEATURES) -> torch.Tensor:
    """(B, N) bool: y_i has a witness of one of the kinds in ``features`` (see the module docstring)."""
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise TaskError(f"unknown oracle features {sorted(unknown)}; choose from {', '.join(FEATURES)}")
    if x.dim() != 2 or x.shape[1] > spec.N:
        raise TaskError(f"expected residues (B, T <= {spec.N}), got {tuple(x.shape)}")
    x = x.long()
    B, T = x.shape
    if spec.name == "match2":  # x_i + x_j: every witness is one pair test
        return labels(x, "match2", spec.M).bool() & bool(features)
    out = torch.zeros(B, T, dtype=torch.bool)
    for i in range(T):
        xi, xj, xl = x[:, i, None, None], x[:, : i + 1, None], x[:, None, : i + 1]  # (B,1,1), (B,i+1,1), (B,1,i+1)
        hit = ((xi + xj + xl) % spec.M == 0) & _allowed(spec.name, i)  # (B, i+1, i+1)
        j, l = torch.meshgrid(torch.arange(i + 1), torch.arange(i + 1), indexing="ij")
        kind = torch.zeros_like(hit)
        if "positions" in features:
            kind |= ((j == l) | (j == i) | (l == i))  # (i+1, i+1), broadcast over B
        if "residues" in features:
            kind |= (xj == xl) | (xj == xi) | (xl == xi) | (xi == 0) | (xj == 0) | (xl == 0)  # (B, i+1, i+1)
        out[:, i] = (hit & kind).flatten(1).any(1)
    return out


def pairwise_oracle(x: torch.Tensor, y: torch.Tensor, spec: TaskSpec, features=FEATURES, seed: int | None = None
                    ) -> OracleScore:
    """Fit the oracle on (x, y) and score it there (per-position balanced accuracy on the scored positions).

    Parameters
    ----------
    x, y : torch.Tensor
        (B, N) residues and their labels (``spec.sample``'s output).
    spec : TaskSpec
    features : tuple of str
        Which pairwise-checkable witnesses it may use: ``"positions"``, ``"residues"`` or both.
    """
    if x.shape != y.shape:
        raise TaskError(f"x and y must have the same shape; got {tuple(x.shape)} and {tuple(y.shape)}")
    w = pairwise_witnesses(x, spec, features).numpy()  # (B, N)
    xs, ys = x.long().numpy(), y.bool().numpy()
    B, N = ys.shape
    cell = xs * 2 + w  # (B, N): the oracle's whole view of position i
    pred = np.zeros_like(ys)
    for i in range(N):
        n1, n0 = ys[:, i].sum(), (~ys[:, i]).sum()
        if n1 == 0 or n0 == 0:
            pred[:, i] = n0 == 0
            continue
        c1 = np.bincount(cell[ys[:, i], i], minlength=2 * spec.M)  # (2M,)
        c0 = np.bincount(cell[~ys[:, i], i], minlength=2 * spec.M)
        pred[:, i] = (c1 * n0 > c0 * n1)[cell[:, i]]  # likelihood ratio > 1: the balanced-accuracy-optimal choice
    per = balanced_accuracy_per_position(torch.from_numpy(pred), torch.from_numpy(ys))
    scored = spec.scored()[:N].numpy()
    pos = ys[:, scored]
    share = float(w[:, scored][pos].mean()) if pos.any() else 0.0
    return OracleScore(float(np.nanmean(per[scored])), per, share, tuple(features), B, seed)


def oracle_score(spec: TaskSpec, samples: int = 4096, seed: int = 1234, features=FEATURES) -> OracleScore:
    """The oracle on ``samples`` sequences drawn from ``seed``: the same draws `hoviz.training.evaluate` scores a model on."""
    x, y = spec.sample(samples, torch.Generator().manual_seed(seed))  # (S, N)
    return pairwise_oracle(x, y, spec, features, seed)
