"""Match3 and Match2, the synthetic tasks that separate 2-simplicial from dense attention.

Sanford, Hsu & Telgarsky (NeurIPS 2023), causal form for decoder models (RESEARCH.md §3):
Match3 y_i = 1 iff x_i + x_j + x_l ≡ 0 (mod M) for some j, l ≤ i; Match2 y_i = 1 iff x_i + x_j ≡ 0 for some j ≤ i.
Repeats and j = l = i are allowed. Token ids 0..M-1 are residues; M ("no") and M+1 ("yes") are the label tokens.
Library only: `TaskSpec("match3", M=37, N=12).sample(64, torch.Generator().manual_seed(0))`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.errors import TaskError

TASK_NAMES = ("match3", "match2")
LABEL_NAMES = ("no", "yes")


@dataclass(frozen=True)
class TaskSpec:
    """A causal Match task: sequences of N residues mod M, one binary label per position.

    Parameters
    ----------
    name : str
        ``"match3"`` or ``"match2"``.
    M : int
        Modulus; residues are the token ids ``0..M-1``.
    N : int
        Sequence length.

    Examples
    --------
    >>> spec = TaskSpec("match2", M=5, N=4)
    >>> spec.label_tokens, spec.vocab_size
    ([5, 6], 7)
    """

    name: str
    M: int = 37
    N: int = 12

    def __post_init__(self):
        if self.name not in TASK_NAMES:
            raise TaskError(f"unknown task {self.name!r}; choose one of {', '.join(TASK_NAMES)}")
        for field, low in (("M", 2), ("N", 1)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise TaskError(f"task {field} must be an integer >= {low}, got {value!r}")

    @property
    def label_tokens(self) -> list[int]:
        """Token ids of the labels: ``[M, M+1]`` for no / yes."""
        return [self.M, self.M + 1]

    @property
    def vocab_size(self) -> int:
        """M residues plus the two label tokens."""
        return self.M + 2

    def sample(self, batch: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw fresh sequences uniform over ``0..M-1`` and their labels.

        Parameters
        ----------
        batch : int
            Number of sequences B.
        generator : torch.Generator, optional
            Source of randomness; seed it for reproducible batches.

        Returns
        -------
        x : torch.Tensor
            (B, N) long, residues.
        y : torch.Tensor
            (B, N) long in {0, 1}, the causal labels.
        """
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise TaskError(f"batch must be a positive integer, got {batch!r}")
        x = torch.randint(0, self.M, (batch, self.N), generator=generator)  # (B, N)
        return x, labels(x, self.name, self.M)

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        """Map labels {0, 1} to label token ids {M, M+1}, for cross-entropy over the full vocabulary."""
        return y.long() + self.M  # (B, N)

    def to_dict(self) -> dict:
        """The spec as plain JSON-able values for a checkpoint sidecar."""
        return {"name": self.name, "M": self.M, "N": self.N, "label_tokens": self.label_tokens}

    @classmethod
    def from_dict(cls, d: dict) -> TaskSpec:
        """Rebuild a spec from :meth:`to_dict` output; unknown keys or inconsistent label tokens raise TaskError."""
        unknown = set(d) - {"name", "M", "N", "label_tokens"}
        if unknown:
            raise TaskError(f"unknown task keys {sorted(unknown)}; expected name, M, N, label_tokens")
        if "name" not in d:
            raise TaskError("task dict has no 'name'")
        spec = cls(name=d["name"], **{k: d[k] for k in ("M", "N") if k in d})
        if "label_tokens" in d and list(d["label_tokens"]) != spec.label_tokens:
            raise TaskError(f"label_tokens {d['label_tokens']} do not match M={spec.M} (expected {spec.label_tokens})")
        return spec


def _check_residues(x: torch.Tensor, M: int) -> None:
    if x.dim() != 2:
        raise TaskError(f"expected residues of shape (B, T), got {tuple(x.shape)}")
    if x.numel() and (int(x.min()) < 0 or int(x.max()) >= M):
        raise TaskError(f"residues must lie in 0..{M - 1}, got values in {int(x.min())}..{int(x.max())}")


def labels(x: torch.Tensor, name: str, M: int) -> torch.Tensor:
    """Causal Match labels, vectorised over batch and positions.

    A (B, T, M) boolean table of reachable residues is carried along the sequence: ``seen_i`` holds every
    x_j with j ≤ i; for Match3, ``S_i = S_{i-1} ∪ {x_i + x_j : j ≤ i}`` holds every pair sum of the prefix
    (each pair j, l enters at max(j, l)). Then y_i = seen_i[-x_i] (Match2) or S_i[-x_i] (Match3).

    Parameters
    ----------
    x : torch.Tensor
        (B, T) long residues in ``0..M-1``.
    name : str
        ``"match3"`` or ``"match2"``.
    M : int
        Modulus.

    Returns
    -------
    torch.Tensor
        (B, T) long in {0, 1}.
    """
    if name not in TASK_NAMES:
        raise TaskError(f"unknown task {name!r}; choose one of {', '.join(TASK_NAMES)}")
    _check_residues(x, M)
    x = x.long()
    onehot = torch.nn.functional.one_hot(x, M).bool()  # (B, T, M)
    seen = torch.cummax(onehot, dim=1).values  # (B, T, M): residues among x_1..x_i
    if name == "match2":
        reachable = seen
    else:
        shift = (torch.arange(M, device=x.device) - x.unsqueeze(-1)) % M  # (B, T, M): r - x_i
        new_sums = seen.gather(2, shift)  # (B, T, M): r ∈ {x_i + x_j : j ≤ i}
        reachable = torch.cummax(new_sums, dim=1).values  # (B, T, M): all pair sums of the prefix
    need = ((-x) % M).unsqueeze(-1)  # (B, T, 1)
    return reachable.gather(2, need).squeeze(-1).long()  # (B, T)


def labels_bruteforce(x: torch.Tensor, name: str, M: int) -> torch.Tensor:
    """Reference labels by explicit loops over positions and pairs (slow; for tests only)."""
    if name not in TASK_NAMES:
        raise TaskError(f"unknown task {name!r}; choose one of {', '.join(TASK_NAMES)}")
    _check_residues(x, M)
    B, T = x.shape
    rows = x.tolist()
    y = torch.zeros(B, T, dtype=torch.long)
    for b in range(B):
        for i in range(T):
            prefix = rows[b][: i + 1]
            if name == "match2":
                hit = any((rows[b][i] + xj) % M == 0 for xj in prefix)
            else:
                hit = any((rows[b][i] + xj + xl) % M == 0 for xj in prefix for xl in prefix)
            y[b, i] = int(hit)
    return y


def predict_labels(logits: torch.Tensor, spec: TaskSpec) -> torch.Tensor:
    """Argmax over the two label-token logits.

    Parameters
    ----------
    logits : torch.Tensor
        (B, T, V) with V ≥ ``spec.vocab_size``.
    spec : TaskSpec

    Returns
    -------
    torch.Tensor
        (B, T) long in {0, 1}: 1 where the "yes" logit beats the "no" logit.
    """
    if logits.dim() != 3 or logits.shape[-1] < spec.vocab_size:
        raise TaskError(f"expected logits (B, T, V>={spec.vocab_size}), got {tuple(logits.shape)}")
    pair = logits[..., spec.label_tokens]  # (B, T, 2)
    return pair.argmax(dim=-1)  # (B, T)


def balanced_accuracy_per_position(pred: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Balanced accuracy at each position: the mean of the two class recalls, skipping an absent class.

    Parameters
    ----------
    pred, y : torch.Tensor
        (B, T) bool or integer labels in {0, 1}.

    Returns
    -------
    numpy.ndarray
        (T,) float64; NaN only where the batch is empty.

    Examples
    --------
    >>> y = torch.tensor([[0, 1], [1, 1]])
    >>> balanced_accuracy_per_position(torch.zeros_like(y), y).tolist()
    [0.5, 0.0]
    """
    if pred.shape != y.shape or y.dim() != 2:
        raise TaskError(f"pred and y must both be (B, T); got {tuple(pred.shape)} and {tuple(y.shape)}")
    pred, y = pred.bool(), y.bool()
    pos, neg = y.sum(0).double(), (~y).sum(0).double()  # (T,)
    tp, tn = (pred & y).sum(0).double(), (~pred & ~y).sum(0).double()  # (T,)
    recalls = torch.stack([tp / pos, tn / neg])  # (2, T); NaN where a class is absent
    present = ~recalls.isnan()
    total = torch.where(present, recalls, torch.zeros_like(recalls)).sum(0)
    return (total / present.sum(0)).numpy()  # 0/0 -> NaN only for an empty batch


def balanced_accuracy(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Per-position balanced accuracy averaged over positions (the Match score; positives are rare early)."""
    return float(np.nanmean(balanced_accuracy_per_position(pred, y)))


def positive_rate_estimate(M: int, N: int) -> np.ndarray:
    """Approximate Match3 positive rate at positions 1..N: ``1 - exp(-i(i+1) / (2M))``, shape (N,)."""
    i = np.arange(1, N + 1)
    return 1.0 - np.exp(-i * (i + 1) / (2 * M))


def token_strings(ids, spec: TaskSpec) -> list[str]:
    """Render token ids for display: residues as ``"12"``, label tokens as ``"no"`` / ``"yes"``.

    >>> token_strings([3, 5, 6], TaskSpec("match2", M=5, N=3))
    ['3', 'no', 'yes']
    """
    out = []
    for t in torch.as_tensor(ids).reshape(-1).tolist():
        if not 0 <= t < spec.vocab_size:
            raise TaskError(f"token id {t} outside the vocabulary 0..{spec.vocab_size - 1}")
        out.append(str(t) if t < spec.M else LABEL_NAMES[t - spec.M])
    return out
