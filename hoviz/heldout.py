"""Fixed held-out samples for causal evidence and model comparison, and per-token log-loss on them.

Text models: `n` windows of `T` characters at uniform random starts in the held-out plays (default 64 × 128,
seed 0), so every number is small enough for a CPU and exactly reproducible. Match tasks: `n` fresh sequences from
`seed` (default: the sidecar's eval_samples and eval_seed, so the unperturbed score is the sidecar's metric).
The mean-ablation reference is drawn the same way from the training text (seed + 1), never from the held-out sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from hoviz.data import batches, load_plays
from hoviz.errors import EvidenceError
from hoviz.tasks import TaskSpec, balanced_accuracy, predict_labels
from hoviz.training.config import TrainConfig
from hoviz.training.data import TrainData, load_data

TEXT_WINDOWS, TEXT_T, TEXT_SEED = 64, 128, 0


@dataclass
class Sample:
    """Inputs, next-token targets and (tasks) labels of a fixed sample, with a sentence saying what it is."""

    x: torch.Tensor  # (S, T) long
    targets: torch.Tensor  # (S, T) long: the next character, or the label token at every Match position
    description: str
    spec: TaskSpec | None = None
    labels: torch.Tensor | None = None  # (S, T) in {0, 1}, tasks only


@dataclass
class Score:
    """Mean next-token log-loss in nats (per character for text) and, for Match tasks, balanced accuracy."""

    loss: float
    balanced_accuracy: float | None = None


def sidecar_data(ckpt) -> tuple[TrainConfig, TrainData]:
    """The TrainConfig a checkpoint was trained with and its data (texts or task), rebuilt from the sidecar."""
    training = ckpt.meta.get("training", {})
    if "config" not in training:
        raise EvidenceError(f"{ckpt.name}'s sidecar has no training.config: its held-out data is unknown; "
                            "use a checkpoint written by `python -m hoviz train`")
    cfg = TrainConfig.from_dict(training["config"])
    return cfg, load_data(cfg, ckpt.tokenizer)


def task_spec(ckpt, data: TrainData) -> TaskSpec | None:
    """The Match task the checkpoint was trained on, as its sidecar records it (None for text models)."""
    if not data.spec:
        return None
    task = ckpt.meta.get("task")
    return TaskSpec.from_dict(task) if isinstance(task, dict) and "name" in task else data.spec


def text_sample(ids: torch.Tensor, n: int, T: int, seed: int, what: str) -> Sample:
    x, y = batches(ids, T, n, torch.Generator().manual_seed(seed))  # (n, T) each
    return Sample(x, y, f"{n} windows of {T} characters at random starts (seed {seed}) in {what}")


def held_out_sample(ckpt, n: int | None = None, T: int | None = None, seed: int | None = None,
                    play: str | None = None) -> Sample:
    """The fixed held-out sample of a checkpoint (see the module docstring); `play` restricts text to one play."""
    cfg, data = sidecar_data(ckpt)
    spec = task_spec(ckpt, data)
    if spec:
        n = cfg.eval_samples if n is None else n
        seed = cfg.eval_seed if seed is None else seed
        x, y = spec.sample(n, torch.Generator().manual_seed(seed))  # (n, N)
        return Sample(x, spec.targets(y), f"{n} {spec.name} sequences (M={spec.M}, N={spec.N}) drawn from seed {seed}",
                      spec=spec, labels=y)
    n, T, seed = n or TEXT_WINDOWS, min(T or TEXT_T, cfg.model.block_size), TEXT_SEED if seed is None else seed
    if play is None:
        return text_sample(data.val_ids, n, T, seed, f"the held-out plays ({', '.join(data.corpus.val_plays)})")
    if play not in data.corpus.val_plays:
        raise EvidenceError(f"{play!r} is not one of {ckpt.name}'s held-out plays {data.corpus.val_plays}")
    ids = torch.tensor(ckpt.tokenizer.encode(load_plays()[play]), dtype=torch.long)
    return text_sample(ids, n, T, seed, play)


def reference_sample(ckpt, n: int = TEXT_WINDOWS, T: int | None = None, seed: int = TEXT_SEED + 1) -> Sample:
    """Prompts for mean ablation: windows of the training text (or fresh task sequences), seed + 1 by default."""
    cfg, data = sidecar_data(ckpt)
    spec = task_spec(ckpt, data)
    if spec:
        x, y = spec.sample(n, torch.Generator().manual_seed(seed))
        return Sample(x, spec.targets(y), f"{n} {spec.name} sequences from seed {seed}", spec, y)
    return text_sample(data.train_ids, n, min(T or TEXT_T, cfg.model.block_size), seed, "the training plays")


def token_losses(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-token cross-entropy in nats, (S, T), float64; NaN where the target is -1 (not scored)."""
    loss = F.cross_entropy(logits.detach().flatten(0, 1).float(), targets.flatten().clamp_min(0), reduction="none")
    return loss.view(targets.shape).double().masked_fill(targets < 0, float("nan"))


def score(logits: torch.Tensor, sample: Sample) -> Score:
    """Mean log-loss over the scored tokens and, for a Match sample, balanced accuracy as `hoviz eval` computes it."""
    loss = float(token_losses(logits, sample.targets).nanmean())
    if sample.spec is None:
        return Score(loss)
    pred = predict_labels(logits, sample.spec)
    if hasattr(sample.spec, "score"):  # the task's own score (strict Match3 skips the positions it cannot label)
        return Score(loss, float(sample.spec.score(pred, sample.labels)))
    return Score(loss, balanced_accuracy(pred, sample.labels))


def batched_logits(fn, x: torch.Tensor, batch: int = 16) -> torch.Tensor:
    """fn(xb) -> logits over chunks of x (S, T), concatenated: bounds the T³ working set on a CPU."""
    return torch.cat([fn(xb) for xb in x.split(batch)])
