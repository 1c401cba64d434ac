"""How a hoviz model is scored, at train time and afterwards: the headline metric of a TrainConfig's data.

Text (Shakespeare's held-out plays or a text file): mean next-character cross-entropy in nats/char over
`eval_windows` deterministic windows. Match3/Match2 (Sanford et al. 2023): per-position balanced accuracy on the
scored positions of `eval_samples` fresh sequences drawn from `eval_seed`, with the pairwise-only oracle's score on the
same sequences beside it (hoviz.baselines). Both are exactly reproducible from the sidecar:
    python -m hoviz eval shakespeare-dense        # exit 0 if the recomputed metric is within 0.02 of the sidecar's
Reads `training.config` in both forms (nested model, or the flat form of the shipped sidecars).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from hoviz.data import eval_windows
from hoviz.errors import CheckpointError
from hoviz.tasks import predict_labels
from hoviz.training.config import TrainConfig
from hoviz.training.data import TrainData, load_data

TOLERANCE = 0.02


def eval_batch_size(device) -> int:
    """Windows per forward; the metric does not depend on it. Small on CPU, where big T³ tensors fall out of cache."""
    return 64 if torch.device(device).type == "cuda" else 8


@torch.no_grad()
def headline_metric(model, data: TrainData, cfg: TrainConfig) -> float:
    """val_loss (nats/char) or balanced_accuracy, computed the same way everywhere; fp32, eval mode, no dropout."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        if data.spec:
            x, y = data.spec.sample(cfg.eval_samples, torch.Generator().manual_seed(cfg.eval_seed))  # (S, N)
            preds = [predict_labels(model(xb.to(device)), data.spec).cpu() for xb in x.split(256)]
            return data.spec.score(torch.cat(preds), y)
        total, count = 0.0, 0
        for xb, yb in eval_windows(data.val_ids, cfg.model.block_size, cfg.eval_windows, eval_batch_size(device)):
            logits = model(xb.to(device))  # (b, T, V)
            total += F.cross_entropy(logits.flatten(0, 1).float(), yb.to(device).flatten(), reduction="sum").item()
            count += yb.numel()
        return total / count
    finally:
        model.train(was_training)


@dataclass(frozen=True)
class Reproduction:
    """A checkpoint's recorded headline metric beside the one recomputed from its sidecar's training.config."""

    name: str
    metric: str
    recorded: float
    value: float
    oracle: float | None  # the pairwise-only oracle on the same samples (tasks only)

    @property
    def difference(self) -> float:
        return self.value - self.recorded


def reproduce(ckpt) -> Reproduction:
    """Recompute `ckpt`'s headline metric (a loaded `hoviz.checkpoint.Checkpoint`) exactly as training scored it."""
    training, metrics = ckpt.meta.get("training", {}), ckpt.meta.get("metrics", {})
    if "config" not in training or not metrics:
        raise CheckpointError(f"{ckpt.name}'s sidecar has no training.config or metrics: it was not made by "
                              "`python -m hoviz train`, so there is nothing to reproduce")
    cfg = TrainConfig.from_dict(training["config"])
    data = load_data(cfg, ckpt.tokenizer)
    recorded = float(metrics[data.metric_name])
    value = headline_metric(ckpt.model, data, cfg)
    oracle = data.baselines(cfg).get("pairwise_oracle")
    return Reproduction(ckpt.name, data.metric_name, recorded, value,
                        oracle["balanced_accuracy"] if oracle else None)
