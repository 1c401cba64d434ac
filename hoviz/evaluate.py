"""How a hoviz model is scored, at train time and afterwards: the data of a TrainConfig and its headline metric.

Text (Shakespeare's held-out plays or a text file): mean next-character cross-entropy in nats/char over
`eval_windows` deterministic windows. Match3/Match2 (Sanford et al. 2023): per-position balanced accuracy on the
scored positions of `eval_samples` fresh sequences drawn from `eval_seed`, with the pairwise-only oracle's score on the
same sequences beside it (hoviz.baselines). Both are exactly reproducible from the sidecar:
    python -m hoviz eval shakespeare-dense        # exit 0 if the recomputed metric is within 0.02 of the sidecar's
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from hoviz.data import CharCorpus, eval_windows, shakespeare_corpus, text_file_corpus
from hoviz.errors import CheckpointError, DataError, HovizError
from hoviz.presets import TrainConfig
from hoviz.tasks import TaskSpec, predict_labels
from hoviz.tokenizer import CharTokenizer, WordTokenizer

TOLERANCE = 0.02


@dataclass
class TrainData:
    """What a run trains and is scored on: token ids of the texts, or a Match task spec."""

    tokenizer: object  # CharTokenizer | WordTokenizer
    train_ids: torch.Tensor | None = None  # (L_train,) long, text data only
    val_ids: torch.Tensor | None = None  # (L_val,) long
    corpus: CharCorpus | None = None
    spec: TaskSpec | None = None

    @property
    def metric_name(self) -> str:
        return "balanced_accuracy" if self.spec else "val_loss"

    def task_meta(self, cfg: TrainConfig) -> dict:
        """The sidecar's `task` entry."""
        if self.spec:
            return self.spec.to_dict()
        name = "shakespeare" if cfg.data == "shakespeare" else "text"
        return {"name": name, **self.corpus.to_dict()}

    def baselines(self, cfg: TrainConfig) -> dict:
        """The sidecar's `baselines` entry: the pairwise-only oracle on the evaluation samples (tasks only)."""
        if not self.spec:
            return {}
        from hoviz.baselines import oracle_score
        return {"pairwise_oracle": oracle_score(self.spec, cfg.eval_samples, cfg.eval_seed).to_dict()}


def task_vocab(spec: TaskSpec) -> list[str]:
    return [str(i) for i in range(spec.M)] + ["no", "yes"]


def load_data(cfg: TrainConfig, tokenizer=None) -> TrainData:
    """Load the data `cfg` names; with `tokenizer` (a resumed or saved model's), refuse text it cannot encode."""
    if cfg.is_task:
        spec = TaskSpec(cfg.data, M=cfg.task_M, N=cfg.task_N)
        vocab = task_vocab(spec)
        if tokenizer is not None and list(tokenizer.vocab) != vocab:
            raise DataError(f"the model's vocabulary ({len(tokenizer)} tokens) is not {cfg.data} with M={cfg.task_M} "
                            f"({len(vocab)} tokens); pass the task_M the model was trained with")
        return TrainData(tokenizer=tokenizer or WordTokenizer(vocab), spec=spec)
    if cfg.data == "shakespeare":
        corpus = shakespeare_corpus(cfg.val_plays, block_size=cfg.block_size)
    else:
        corpus = text_file_corpus(cfg.data, cfg.val_fraction, block_size=cfg.block_size)
    if tokenizer is None:
        tokenizer = CharTokenizer.from_text(corpus.train + corpus.val)
    else:
        bad = tokenizer.unknown(corpus.train + corpus.val)
        if bad:
            raise DataError(f"{cfg.data} has {len(bad)} character(s) outside the model's vocabulary of "
                            f"{len(tokenizer)}: {''.join(bad)[:40]!r}; resume only on text written in the same "
                            "characters, or start a new run")
    ids = [torch.tensor(tokenizer.encode(t), dtype=torch.long) for t in (corpus.train, corpus.val)]
    return TrainData(tokenizer=tokenizer, train_ids=ids[0], val_ids=ids[1], corpus=corpus)


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
        for xb, yb in eval_windows(data.val_ids, cfg.block_size, cfg.eval_windows, eval_batch_size(device)):
            logits = model(xb.to(device))  # (b, T, V)
            total += F.cross_entropy(logits.flatten(0, 1).float(), yb.to(device).flatten(), reduction="sum").item()
            count += yb.numel()
        return total / count
    finally:
        model.train(was_training)


def main(argv=None) -> int:
    from hoviz.checkpoint import load_checkpoint

    ap = argparse.ArgumentParser(prog="python -m hoviz eval", description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="checkpoint names or paths")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = ap.parse_args(argv)
    worst = 0
    for name in args.models:
        try:
            ckpt = load_checkpoint(name, device=args.device)
            training, metrics = ckpt.meta.get("training", {}), ckpt.meta.get("metrics", {})
            if "config" not in training or not metrics:
                raise CheckpointError(f"{name}'s sidecar has no training.config or metrics: it was not made by "
                                      "`python -m hoviz train`, so there is nothing to reproduce")
            cfg = TrainConfig.from_dict(training["config"])
            data = load_data(cfg, ckpt.tokenizer)
            recorded = float(metrics[data.metric_name])
            value = headline_metric(ckpt.model, data, cfg)
        except HovizError as e:
            print(f"{name}: {e}", file=sys.stderr)
            worst = 2
            continue
        diff = value - recorded
        ok = abs(diff) <= args.tolerance
        oracle = data.baselines(cfg).get("pairwise_oracle")
        beside = f"  pairwise-only oracle {oracle['balanced_accuracy']:.4f}" if oracle else ""
        print(f"{ckpt.name}: {data.metric_name} sidecar {recorded:.4f}  recomputed {value:.4f}  "
              f"difference {diff:+.4f}  ({'ok' if ok else 'MISMATCH'}, tolerance {args.tolerance}){beside}")
        worst = max(worst, 0 if ok else 1)
    return worst
