"""Model against model on the same text: per-token log-loss of two or more models, their difference, the tokens where
one wins, and over a fixed held-out sample where the gains concentrate (by position in the word, by distance to the
previous occurrence of the same character in the context, by position in the window).
    python -m hoviz.compare_tokens shakespeare-dense shakespeare-simplicial2 --json out.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from hoviz.errors import EvidenceError, HovizError
from hoviz.heldout import Sample, batched_logits, held_out_sample, token_losses

WORD_BUCKETS = ("not a letter", "1st letter", "2nd letter", "3rd letter", "4th letter", "5th+ letter")
REPEAT_BUCKETS = ("1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+", "not in context")
POSITION_EDGES = (0, 8, 16, 32, 64, 128, 256, 512, 1024)


@dataclass
class TokenWin:
    position: int
    token: str
    context: str  # the characters just before it
    losses: list[float]  # per model, nats
    delta: float  # loss of `other` minus loss of `base`: negative where `other` wins


@dataclass
class PromptComparison:
    """Per-token loss of each model on one prompt, (M, T); entry t is -log p(ids[t] | ids[:t]), entry 0 NaN."""

    models: list[str]
    tokens: list[str]
    losses: np.ndarray

    def delta(self, other: int = 1, base: int = 0) -> np.ndarray:
        """(T,) loss of model `other` minus model `base`: negative where `other` predicts better."""
        return self.losses[other] - self.losses[base]

    def top_wins(self, winner: int = 1, loser: int = 0, k: int = 10, context: int = 12) -> list[TokenWin]:
        """The k tokens where `winner` beats `loser` by the most nats, largest first."""
        d = self.losses[winner] - self.losses[loser]
        order = [int(t) for t in np.argsort(np.where(np.isnan(d), np.inf, d), kind="stable")[:k] if d[t] < 0]
        return [TokenWin(t, self.tokens[t], "".join(self.tokens[max(0, t - context):t]),
                         self.losses[:, t].tolist(), float(d[t])) for t in order]


@dataclass
class BucketRow:
    bucket: str
    count: int
    mean_loss: list[float]  # per model, nats
    mean_delta: float  # other minus base, nats per token in this bucket
    share: float  # this bucket's part of the total Δ (sums to 1 over the buckets)


@dataclass
class HeldOutComparison:
    models: list[str]
    sample: str
    base: int
    other: int
    mean_loss: list[float]
    mean_delta: float  # other minus base, nats per token
    delta_se: float  # standard error of mean_delta over the sample's windows (sequences)
    by_word_position: list[BucketRow] = field(default_factory=list)
    by_repeat_distance: list[BucketRow] = field(default_factory=list)
    by_window_position: list[BucketRow] = field(default_factory=list)
    top_wins: list[TokenWin] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def check_same_vocab(ckpts) -> None:
    """EvidenceError unless every checkpoint reads the same vocabulary (the same token ids mean the same text)."""
    vocabs = [c.tokenizer.to_dict() for c in ckpts]
    for c, v in zip(ckpts[1:], vocabs[1:]):
        if v != vocabs[0]:
            raise EvidenceError(f"{c.name} reads a different vocabulary from {ckpts[0].name}: per-token losses are "
                                "only comparable between models of one tokenizer")


@torch.no_grad()
def compare_on_prompt(ckpts, ids, targets=None) -> PromptComparison:
    """Per-token loss of each checkpoint's model on the prompt `ids` (T token ids). Text: entry t is the loss of
    ids[t] given ids[:t]. Match prompts: pass `targets` (T label tokens, -1 unscored); entry t is the label's loss."""
    if len(ckpts) < 2:
        raise EvidenceError(f"compare needs two or more models, got {len(ckpts)}")
    check_same_vocab(ckpts)
    x = torch.as_tensor(ids, dtype=torch.long)[None]  # (1, T)
    if targets is not None:
        tgt = torch.as_tensor(targets, dtype=torch.long)[None]
        losses = np.stack([token_losses(c.model(x), tgt)[0].numpy() for c in ckpts])  # (M, T)
    else:
        tgt = torch.cat([x[:, 1:], torch.full((1, 1), -1)], 1)  # the next token; none after the last
        rows = [token_losses(c.model(x), tgt)[0].numpy() for c in ckpts]  # (T,) each: loss of ids[t+1] at t
        losses = np.stack([np.concatenate([[np.nan], r[:-1]]) for r in rows])  # (M, T): aligned to the predicted token
    return PromptComparison([c.name for c in ckpts], [str(t) for t in ckpts[0].tokenizer.tokens(list(ids))], losses)


def word_position(chars: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(S, T) bucket index into WORD_BUCKETS of each target: 0 if not a letter, else its 1-based place in the word
    (letters since the last non-letter of the context), capped at 5. chars, targets: (S, T) arrays of 1-char str."""
    letter = np.vectorize(str.isalpha, otypes=[bool])
    run = np.zeros(chars.shape, dtype=np.int64)  # letters ending at each input position
    is_letter = letter(chars)
    for t in range(chars.shape[1]):
        run[:, t] = np.where(is_letter[:, t], (run[:, t - 1] if t else 0) + 1, 0)
    return np.where(letter(targets), np.minimum(run + 1, 5), 0)


def repeat_distance(x: np.ndarray, y: np.ndarray, vocab_size: int) -> np.ndarray:
    """(S, T) bucket index into REPEAT_BUCKETS: how far back the target y[s, t] last occurred among x[s, :t+1]
    (distance 1: it is the current input token), or the last bucket if it does not occur in the context."""
    S, T = x.shape
    last = np.full((S, vocab_size), -1, dtype=np.int64)
    rows = np.arange(S)
    out = np.empty((S, T), dtype=np.int64)
    for t in range(T):
        last[rows, x[:, t]] = t
        seen = last[rows, np.clip(y[:, t], 0, vocab_size - 1)]
        d = t + 1 - seen
        out[:, t] = np.where(seen < 0, len(REPEAT_BUCKETS) - 1, np.minimum(np.floor(np.log2(np.maximum(d, 1))), 6))
    return out


def window_se(d: np.ndarray, ok: np.ndarray) -> float:
    """Standard error of the mean Δ over sequences (tokens of one window are not independent): (S, T) inputs."""
    per = np.array([row[m].mean() for row, m in zip(d, ok) if m.any()])
    return float(per.std(ddof=1) / np.sqrt(len(per))) if len(per) > 1 else float("nan")


def bucket_rows(buckets: np.ndarray, names, losses: np.ndarray, base: int, other: int) -> list[BucketRow]:
    """Group per-token losses (M, S, T) by bucket index (S, T), NaN losses left out."""
    ok = ~np.isnan(losses).any(0)
    d = losses[other] - losses[base]
    total = d[ok].sum()
    rows = []
    for b, name in enumerate(names):
        sel = ok & (buckets == b)
        n = int(sel.sum())
        if n == 0:
            continue
        rows.append(BucketRow(name, n, [float(m[sel].mean()) for m in losses], float(d[sel].mean()),
                              float(d[sel].sum() / total) if total != 0 else float("nan")))
    return rows


@torch.no_grad()
def compare_held_out(ckpts, sample: Sample | None = None, base: int = 0, other: int = 1,
                     k: int = 10) -> HeldOutComparison:
    """Per-token losses of each model over a fixed held-out sample (default: the first model's), summarised."""
    if len(ckpts) < 2:
        raise EvidenceError(f"compare needs two or more models, got {len(ckpts)}")
    check_same_vocab(ckpts)
    sample = sample or held_out_sample(ckpts[0])
    losses = np.stack([token_losses(batched_logits(c.model, sample.x), sample.targets).numpy() for c in ckpts])
    d = losses[other] - losses[base]  # (S, T)
    ok = ~np.isnan(losses).any(0)
    T = sample.x.shape[1]
    edges = list(range(T + 1)) if T <= 16 else [e for e in POSITION_EDGES if e < T] + [T]  # short: every position
    pos = np.broadcast_to(np.searchsorted(edges, np.arange(T), side="right") - 1, d.shape)
    pos_names = [f"{a}" if b == a + 1 else f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)]
    out = HeldOutComparison([c.name for c in ckpts], sample.description, base, other,
                            [float(m[ok].mean()) for m in losses], float(d[ok].mean()), window_se(d, ok),
                            by_window_position=bucket_rows(pos, pos_names, losses, base, other))
    if sample.spec is None:  # character buckets only mean something for text
        tok = ckpts[0].tokenizer
        x, y = sample.x.numpy(), sample.targets.clamp_min(0).numpy()
        chars = np.array(tok.tokens(x.ravel().tolist()), dtype=object).reshape(x.shape)
        targets = np.array(tok.tokens(y.ravel().tolist()), dtype=object).reshape(y.shape)
        out.by_word_position = bucket_rows(word_position(chars, targets), WORD_BUCKETS, losses, base, other)
        out.by_repeat_distance = bucket_rows(repeat_distance(x, y, len(tok)), REPEAT_BUCKETS, losses, base, other)
        flat = np.where(ok, d, np.inf).ravel()
        for f in np.argsort(flat, kind="stable")[:k]:
            s, t = divmod(int(f), T)
            if flat[f] < 0:
                out.top_wins.append(TokenWin(t, str(targets[s, t]), "".join(chars[s, max(0, t - 11):t + 1]),
                                             losses[:, s, t].tolist(), float(flat[f])))
    return out


def format_comparison(c: HeldOutComparison) -> str:
    a, b = c.models[c.base], c.models[c.other]
    lines = [f"{b} vs {a} on {c.sample}",
             "  mean loss " + ", ".join(f"{m} {v:.4f}" for m, v in zip(c.models, c.mean_loss))
             + f"  Δ ({b} − {a}) {c.mean_delta:+.4f} ± {c.delta_se:.4f} (s.e. over sequences) nats/token"]
    for title, rows in (("position in the word", c.by_word_position), ("distance to the previous occurrence",
                        c.by_repeat_distance), ("position in the window", c.by_window_position)):
        if rows:
            lines.append(f"  by {title}:")
            lines += [f"    {r.bucket:<15} n={r.count:<6} Δ {r.mean_delta:+.4f}  share of total Δ {r.share:+.2f}"
                      for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    from hoviz.checkpoint import load_checkpoint

    ap = argparse.ArgumentParser(prog="python -m hoviz.compare_tokens", description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="two or more checkpoint names; the first is the base")
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--play", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        ckpts = [load_checkpoint(n) for n in args.models]
        sample = held_out_sample(ckpts[0], n=args.samples, seed=args.seed, play=args.play)
        results = [compare_held_out(ckpts, sample, 0, o) for o in range(1, len(ckpts))]
    except HovizError as e:
        print(e, file=sys.stderr)
        return 2
    for r in results:
        print(format_comparison(r))
    if args.json:
        with open(args.json, "w") as f:
            cmd = "python -m hoviz.compare_tokens " + " ".join(argv if argv is not None else sys.argv[1:])
            json.dump({"command": cmd, "comparisons": [r.to_dict() for r in results]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
