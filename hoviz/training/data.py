"""The data a `TrainConfig` names, loaded for training and scoring: token ids of a text, or a Match task spec.

Text: Shakespeare's plays split by play (hoviz.data) or a text file split by its last `val_fraction`, encoded by a
character tokenizer. Match3/Match2 (hoviz.tasks): fresh samples, a word tokenizer over residues and labels.
    >>> data = load_data(get_preset("cpu-match3"))   # hoviz.training.presets
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hoviz.data import CharCorpus, shakespeare_corpus, text_file_corpus
from hoviz.errors import DataError
from hoviz.tasks import TaskSpec
from hoviz.tokenizer import CharTokenizer, WordTokenizer
from hoviz.training.config import TrainConfig


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
        corpus = shakespeare_corpus(cfg.val_plays, block_size=cfg.model.block_size)
    else:
        corpus = text_file_corpus(cfg.data, cfg.val_fraction, block_size=cfg.model.block_size)
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
