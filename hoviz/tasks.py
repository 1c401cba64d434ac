"""Match3 and Match2, the synthetic tasks that separate 2-simplicial from dense attention.

Sanford, Hsu & Telgarsky (NeurIPS 2023), causal form for decoder models. Strict Match3 ("match3"): y_i = 1 iff
x_i + x_j + x_l ≡ 0 (mod M) for three distinct positions j < l < i; residues are drawn distinct and nonzero, so no
witness reduces to a test on two positions (hoviz.baselines measures this) and positions 0, 1 are not scored.
"match3-repeats" is the earlier variant with repeats (j, l ≤ i, j = l = i allowed); Match2: x_i + x_j ≡ 0, j ≤ i.
Token ids 0..M-1 are residues; M ("no") and M+1 ("yes") are the label tokens.
    >>> TaskSpec("match3", M=37, N=12).sample(64, torch.Generator().manual_seed(0))[0].shape
    torch.Size([64, 12])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.errors import TaskError

TASK_NAMES = ("match3", "match3-repeats", "match2")
LABEL_NAMES = ("no", "yes")
RULES = {
    "match3": "y_i = 1 iff x_i + x_j + x_l = 0 (mod M) for some j < l < i; residues distinct, drawn from 1..M-1; "
              "positions i < 2 not scored",
    "match3-repeats": "y_i = 1 iff x_i + x_j + x_l = 0 (mod M) for some j, l <= i (repeats allowed); residues "
                      "uniform over 0..M-1",
    "match2": "y_i = 1 iff x_i + x_j = 0 (mod M) for some j <= i; residues uniform over 0..M-1",
}
FIRST_SCORED = {"match3": 2, "match3-repeats": 0, "match2": 0}  # the first position where a witness can exist


@dataclass(frozen=True)
class TaskSpec:
    """A causal Match task: sequences of N residues mod M, one binary label per position.

    Parameters
    ----------
    name : str
        ``"match3"`` (strict), ``"match3-repeats"`` or ``"match2"``.
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

    @property
    def rule(self) -> str:
        """The label rule and the sampler in one line (recorded in checkpoint sidecars)."""
        return RULES[self.name]

    def scored(self) -> torch.Tensor:
        """(N,) bool: the positions that are scored (and trained on); strict Match3 skips i < 2, where no j < l < i."""
        return torch.arange(self.N) >= FIRST_SCORED[self.name]

    def sample(self, batch: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw fresh sequences and their labels.

        Strict Match3 draws residues from 1..M-1 without replacement (a fresh permutation for every M-1 positions
        when N > M-1): a 0 would turn a triple into the pair test x_i + x_j ≡ 0, and a repeated residue fixes both
        partners by x_i alone. The other tasks draw uniformly over 0..M-1.

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
        if self.name == "match3":
            reps = -(-self.N // (self.M - 1))
            perm = torch.rand(batch, reps, self.M - 1, generator=generator).argsort(dim=-1) + 1  # (B, reps, M-1)
            x = perm.reshape(batch, -1)[:, : self.N].contiguous()  # (B, N)
        else:
            x = torch.randint(0, self.M, (batch, self.N), generator=generator)  # (B, N)
        return x, labels(x, self.name, self.M)

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        """Map labels {0, 1} to label token ids {M, M+1} for cross-entropy; unscored positions get -1 (ignored)."""
        t = y.long() + self.M  # (B, N)
        return t.masked_fill(~self.scored()[: t.shape[-1]].to(t.device), -1)

    def score(self, pred: torch.Tensor, y: torch.Tensor) -> float:
        """The Match score: per-position balanced accuracy averaged over the scored positions."""
        return balanced_accuracy(pred, y, self.scored()[: y.shape[-1]])

    def to_dict(self) -> dict:
        """The spec as plain JSON-able values for a checkpoint sidecar."""
        return {"name": self.name, "M": self.M, "N": self.N, "label_tokens": self.label_tokens, "rule": self.rule}

    @classmethod
    def from_dict(cls, d: dict) -> TaskSpec:
        """Rebuild a spec from :meth:`to_dict` output; unknown keys, a rule or label tokens that disagree raise
        TaskError. A ``"match3"`` entry without a ``rule`` predates strict Match3 and is read as match3-repeats."""
        unknown = set(d) - {"name", "M", "N", "label_tokens", "rule"}
        if unknown:
            raise TaskError(f"unknown task keys {sorted(unknown)}; expected name, M, N, label_tokens, rule")
        if "name" not in d:
            raise TaskError("task dict has no 'name'")
        name = "match3-repeats" if d["name"] == "match3" and "rule" not in d else d["name"]
        spec = cls(name=name, **{k: d[k] for k in ("M", "N") if k in d})
        if "label_tokens" in d and list(d["label_tokens"]) != spec.label_tokens:
            raise TaskError(f"label_tokens {d['label_tokens']} do not match M={spec.M} (expected {spec.label_tokens})")
        if "rule" in d and d["rule"] != spec.rule:
            raise TaskError(f"the recorded rule {d['rule']!r} is not hoviz's {spec.name} ({spec.rule!r}); "
                            "this checkpoint was trained on another definition of the task")
        return spec


def _check_residues(x: torch.Tensor, M: int) -> None:
    if x.dim() != 2:
        raise TaskError(f"expected residues of shape (B, T), got {tuple(x.shape)}")
    if x.numel() and (int(x.min()) < 0 or int(x.max()) >= M):
        raise TaskError(f"residues must lie in 0..{M - 1}, got values in {int(x.min())}..{int(x.max())}")


def labels(x: torch.Tensor, name: str, M: int) -> torch.Tensor:
    """Causal Match labels, vectorised over batch and positions (defined for any residues, repeats included).

    A (B, T, M) boolean table of reachable residues is carried along the sequence. Strict Match3: ``before_l``
    holds x_j for j < l, so ``x_l + before_l`` are the sums of pairs j < l; their running union up to l = i-1 is
    every pair sum of distinct earlier positions. Repeats variant: ``seen_i`` (j ≤ i) and
    ``S_i = S_{i-1} ∪ {x_i + x_j : j ≤ i}``. Then y_i = (pair sums)[-x_i], or seen_i[-x_i] for Match2.

    Parameters
    ----------
    x : torch.Tensor
        (B, T) long residues in ``0..M-1``.
    name : str
        One of :data:`TASK_NAMES`.
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
    T = x.shape[1]
    onehot = torch.nn.functional.one_hot(x, M).bool()  # (B, T, M)
    seen = torch.cummax(onehot, dim=1).values if T else onehot  # (B, T, M): residues among x_0..x_i
    shift = (torch.arange(M, device=x.device) - x.unsqueeze(-1)) % M  # (B, T, M): r - x_i
    if name == "match2":
        reachable = seen
    elif name == "match3-repeats":
        reachable = torch.cummax(seen.gather(2, shift), dim=1).values if T else seen  # (B, T, M): pair sums, j,l ≤ i
    else:
        before = torch.cat([torch.zeros_like(seen[:, :1]), seen[:, :-1]], dim=1)  # (B, T, M): x_j for j < l
        sums = torch.cummax(before.gather(2, shift), dim=1).values if T else before  # (B, T, M): j < l ≤ i
        reachable = torch.cat([torch.zeros_like(sums[:, :1]), sums[:, :-1]], dim=1)  # (B, T, M): j < l < i
    need = ((-x) % M).unsqueeze(-1)  # (B, T, 1)
    return reachable.gather(2, need).squeeze(-1).long()  # (B, T)


def labels_bruteforce(x: torch.Tensor, name: str, M: int) -> torch.Tensor:
    """Reference labels by explicit loops over positions and pairs, O(T³) per sequence (for tests only)."""
    if name not in TASK_NAMES:
        raise TaskError(f"unknown task {name!r}; choose one of {', '.join(TASK_NAMES)}")
    _check_residues(x, M)
    B, T = x.shape
    rows = x.tolist()
    y = torch.zeros(B, T, dtype=torch.long)
    for b in range(B):
        r = rows[b]
        for i in range(T):
            if name == "match2":
                hit = any((r[i] + r[j]) % M == 0 for j in range(i + 1))
            elif name == "match3-repeats":
                hit = any((r[i] + r[j] + r[l]) % M == 0 for j in range(i + 1) for l in range(i + 1))
            else:
                hit = any((r[i] + r[j] + r[l]) % M == 0 for j in range(i) for l in range(j + 1, i))
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


def balanced_accuracy(pred: torch.Tensor, y: torch.Tensor, scored: torch.Tensor | None = None) -> float:
    """Per-position balanced accuracy averaged over positions (the Match score; positives are rare early).

    ``scored`` ((T,) bool, optional) keeps only those positions: :meth:`TaskSpec.score` passes the task's.
    """
    per = balanced_accuracy_per_position(pred, y)
    if scored is not None:
        per = per[np.asarray(scored, dtype=bool)]
    return float(np.nanmean(per))


def positive_rate_estimate(M: int, N: int) -> np.ndarray:
    """Approximate match3-repeats positive rate at positions 1..N: ``1 - exp(-i(i+1) / (2M))``, shape (N,)."""
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
