"""The prompt page's numbers for one model: surprisal per token (or, for a Match-task model, P(yes) per position,
the true labels and the accuracy on this sequence) and the next-token distribution at a position.

    v = token_values(logits, ids, spec=None); probs = next_token_probs(logits, pos)
    for token_id in sample_stream(model, ids, 120, 0.8, 20, seed=0): ...   # the same ids as model.generate
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.tasks import TaskSpec, labels
from hoviz.viz.tokens import log_softmax, surprisal


@dataclass(frozen=True)
class TokenValues:
    """What the token strip colours: surprisal (nats) for a language model, P(yes) for a Match model."""

    values: np.ndarray  # (T,)
    mean_surprisal: float | None = None  # language models: nats/token over t >= 1 (NaN for one token)
    label: np.ndarray | None = None  # Match models, when every id is a residue: (T,) true labels
    accuracy: float | None = None  # Match models: P(yes) > 0.5 against `label`


def token_values(logits: np.ndarray, ids, spec: TaskSpec | None = None) -> TokenValues:
    """Per-position values of `logits` (T, V) for the prompt `ids`; `spec` for a Match-task model."""
    if spec is None:
        s = surprisal(logits, ids)  # (T,)
        return TokenValues(s, float(np.nanmean(s)) if len(ids) > 1 else float("nan"))
    pair = log_softmax(logits[:, spec.label_tokens])  # (T, 2): log P(no), log P(yes)
    p_yes = np.exp(pair[:, 1])
    if max(ids) >= spec.M:
        return TokenValues(p_yes)
    y = labels(torch.tensor([list(ids)]), spec.name, spec.M)[0].numpy()  # (T,)
    return TokenValues(p_yes, label=y, accuracy=float(((p_yes > 0.5) == (y == 1)).mean()))


def next_token_probs(logits: np.ndarray, pos: int) -> np.ndarray:
    """(V,) the model's next-token distribution after position `pos`."""
    return np.exp(log_softmax(logits[pos]))


@torch.no_grad()
def sample_stream(model, ids, n_new: int, temperature: float = 1.0, top_k: int | None = None, seed: int = 0):
    """Yield the ids of a sampled continuation one at a time, as they are drawn: the same ids, in the same order, as
    `model.generate` with `torch.Generator().manual_seed(seed)` (the same draws from the same generator)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.tensor([list(ids)])  # (1, T)
    for _ in range(n_new):
        idx = model.generate(idx, 1, temperature, top_k, generator=g)  # (1, T + 1)
        yield int(idx[0, -1])
