"""Causal evidence per head: each 2-simplicial head's interaction score beside what replacing it costs.

For every 2-simplicial head (optionally every head): the mean interaction KL(S || surrogate) and joint spread over
the held-out sample, and the Δ log-loss (Δ balanced accuracy for Match) of the surrogate, zero and mean ablations,
alone and for all 2-simplicial heads at once; and per-token Δ log-loss on a prompt.
    python -m hoviz interventions shakespeare-simplicial2 match3-simplicial2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from hoviz.checkpoint import Checkpoint, load_checkpoint
from hoviz.compare_tokens import compare_held_out, format_comparison
from hoviz.errors import HovizError
from hoviz.heldout import Sample, Score, held_out_sample, reference_sample, score, token_losses
from hoviz.interventions import (
    KINDS,
    SURROGATE_MIXERS,
    HeadMeans,
    Intervention,
    check_interventions,
    num_heads,
    reference_means,
    run_intervened,
)
from hoviz.threeway import pattern_scores

BATCH = 16  # sequences per forward: bounds the 2-simplicial working set on a CPU


@dataclass
class HeldOutEffect:
    """What a set of interventions does to the held-out score."""

    label: str
    score: Score
    delta_loss: float  # nats per token (per character for text), intervened minus clean
    delta_balanced_accuracy: float | None = None


@dataclass
class HeadEvidence:
    layer: int
    head: int
    kind: str  # the layer's mixer
    interaction: float | None  # mean over the sample's queries of KL(S || surrogate), nats (2-simplicial only)
    joint_spread: float | None  # mean mutual information of j and l under S, nats
    effects: dict[str, HeldOutEffect] = field(default_factory=dict)  # intervention kind -> effect

    @property
    def name(self) -> str:
        return f"L{self.layer}h{self.head}"


@dataclass
class EvidenceReport:
    model: str
    weights_sha256: str
    sample: str
    reference: str
    base: Score
    heads: list[HeadEvidence]
    all_heads: dict[str, HeldOutEffect]  # kind -> every 2-simplicial head at once

    def rank_correlation(self, score: str = "interaction", kind: str = "surrogate") -> float:
        """Spearman correlation, over the 2-simplicial heads, of a score with the Δ log-loss of `kind` (NaN if < 3)."""
        rows = [(getattr(h, score), h.effects[kind].delta_loss) for h in self.heads
                if h.interaction is not None and kind in h.effects]
        if len(rows) < 3:
            return float("nan")
        ranks = np.argsort(np.argsort(np.array(rows), axis=0), axis=0).astype(np.float64)  # (n, 2)
        return float(np.corrcoef(ranks.T)[0, 1])

    def to_dict(self) -> dict:
        rho = {s: self.rank_correlation(s) for s in ("interaction", "joint_spread")} if self.heads else {}
        return {**asdict(self), "rank_correlation_with_surrogate_delta": rho}


@dataclass
class PromptEffect:
    """Per-token log-loss on one prompt, clean and intervened, (T,) each; NaN where nothing is predicted."""

    label: str
    base: np.ndarray
    after: np.ndarray

    @property
    def delta(self) -> np.ndarray:
        return self.after - self.base


class Evaluator:
    """A model, its fixed held-out sample and mean-ablation reference, and the clean run, computed once."""

    def __init__(self, model, sample: Sample, means: HeadMeans | None = None, batch: int = BATCH):
        self.model, self.sample, self.means, self.batch = model, sample, means, batch
        chunks = [run_intervened(model, xb, keep=("resid", "qk")) for xb in sample.x.split(batch)]
        self.resid = [c.resid for c in chunks]  # per chunk: residual entering each block
        self.qk = [c.qk for c in chunks]  # per chunk: 2-simplicial layer -> (3, b, H, T, D)
        self.base = score(torch.cat([c.logits for c in chunks]), sample)

    def head_scores(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean interaction and joint spread per head of a 2-simplicial layer over the sample, (H,) each."""
        mixer = self.model.blocks[layer].mixer
        inter, spread = [], []
        for qk in self.qk:
            s = pattern_scores(*qk[layer], w1=mixer.w1, w2=mixer.w2, mask=mixer.mask)  # (b, H, T) each
            inter.append(s.interaction.sum((0, 2)))
            spread.append(s.joint_spread.sum((0, 2)))
        n = self.sample.x.numel()
        return (torch.stack(inter).sum(0) / n).numpy(), (torch.stack(spread).sum(0) / n).numpy()

    def effect(self, interventions, label: str = "") -> HeldOutEffect:
        plan = check_interventions(self.model, interventions, self.means)
        start = min((iv.layer for iv in plan), default=0)
        logits = torch.cat([run_intervened(self.model, xb, plan, self.means, start=start, resid=r[start]).logits
                            for xb, r in zip(self.sample.x.split(self.batch), self.resid)])
        after = score(logits, self.sample)
        dba = None if after.balanced_accuracy is None else after.balanced_accuracy - self.base.balanced_accuracy
        return HeldOutEffect(label or ", ".join(iv.label for iv in plan), after, after.loss - self.base.loss, dba)


def head_evidence(ckpt, sample: Sample | None = None, reference: Sample | None = None, kinds=KINDS,
                  every_mixer: bool = False) -> EvidenceReport:
    """Interaction scores and intervention effects for every 2-simplicial head (every head with `every_mixer`)."""
    model = ckpt.model
    sample = sample or held_out_sample(ckpt)
    reference = reference or reference_sample(ckpt, T=sample.x.shape[1])
    means = reference_means(model, reference.x, reference.description) if "mean" in kinds else None
    ev = Evaluator(model, sample, means)
    heads = []
    for li, block in enumerate(model.blocks):
        if block.kind not in SURROGATE_MIXERS and not every_mixer:
            continue
        inter, spread = ev.head_scores(li) if block.kind == "simplicial2" else (None, None)
        for h in range(num_heads(block)):
            he = HeadEvidence(li, h, block.kind, None if inter is None else float(inter[h]),
                              None if spread is None else float(spread[h]))
            for kind in kinds:
                if kind != "surrogate" or block.kind in SURROGATE_MIXERS:
                    he.effects[kind] = ev.effect([Intervention(li, h, kind)])
            heads.append(he)
    layers = [li for li, b in enumerate(model.blocks) if b.kind in SURROGATE_MIXERS]
    all_heads = {kind: ev.effect([Intervention(li, None, kind) for li in layers], f"all 2-simplicial heads {kind}")
                 for kind in kinds if layers}
    return EvidenceReport(ckpt.name, ckpt.meta.get("weights_sha256", ""), sample.description,
                          reference.description if means else "", ev.base, heads, all_heads)


def prompt_effect(model, ids, interventions, means: HeadMeans | None = None, targets=None) -> PromptEffect:
    """Per-token log-loss on a prompt (T token ids), clean and intervened.

    Text: entry t is -log p(ids[t] | ids[:t]) (entry 0 NaN, as the Prompt page's surprisal). Match prompts: pass
    `targets` (T label tokens); entry t is the loss of the label at position t.
    """
    x = torch.as_tensor(ids, dtype=torch.long)[None]  # (1, T)
    if targets is None:
        tgt = torch.cat([x[:, 1:], torch.full((1, 1), -1)], 1)  # (1, T): the next token; none after the last
    else:
        tgt = torch.as_tensor(targets, dtype=torch.long)[None]
    plan = check_interventions(model, interventions, means)
    base, after = (token_losses(run_intervened(model, x, p, means).logits, tgt)[0].numpy() for p in ([], plan))
    if targets is None:  # align with the token being predicted
        base, after = (np.concatenate([[np.nan], a[:-1]]) for a in (base, after))
    return PromptEffect(", ".join(iv.label for iv in plan), base, after)


def intervened_checkpoint(ckpt, interventions, means: HeadMeans | None = None, label: str = "") -> Checkpoint:
    """The checkpoint with its model run under the interventions (same weights), e.g. for hoviz.compare_tokens."""
    plan = check_interventions(ckpt.model, interventions, means)

    def model(idx):
        return run_intervened(ckpt.model, idx, plan, means).logits

    return Checkpoint(f"{ckpt.name} [{label or ', '.join(iv.label for iv in plan)}]", model, ckpt.tokenizer, ckpt.meta)


def surrogate_all(model) -> list[Intervention]:
    """Every 2-simplicial head replaced by its pairwise surrogate."""
    return [Intervention(li, None, "surrogate") for li, b in enumerate(model.blocks) if b.kind in SURROGATE_MIXERS]


def format_report(r: EvidenceReport) -> str:
    ba = r.base.balanced_accuracy is not None
    lines = [f"{r.model} (weights sha256 {r.weights_sha256[:12]}): {r.sample}",
             f"  clean: loss {r.base.loss:.4f} nats/token" + (f", balanced accuracy {r.base.balanced_accuracy:.4f}"
                                                             if ba else "")]
    if r.reference:
        lines.append(f"  mean ablation reference: {r.reference}")
    for h in r.heads:
        sc = "" if h.interaction is None else f"interaction {h.interaction:.4f}  joint spread {h.joint_spread:.4f}  "
        eff = "  ".join(f"Δ{k} {e.delta_loss:+.4f}" + (f" (BA {e.score.balanced_accuracy:.4f})" if ba else "")
                        for k, e in h.effects.items())
        lines.append(f"  {h.name} {h.kind:<11} {sc}{eff}")
    if "surrogate" in r.all_heads:
        lines.append(f"  Spearman ρ over 2-simplicial heads, score vs Δsurrogate: interaction "
                     f"{r.rank_correlation('interaction'):+.2f}, joint spread {r.rank_correlation('joint_spread'):+.2f}")
    for e in r.all_heads.values():
        lines.append(f"  {e.label}: loss {e.score.loss:.4f} (Δ {e.delta_loss:+.4f})"
                     + (f", balanced accuracy {e.score.balanced_accuracy:.4f}" if ba else ""))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hoviz interventions", description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="checkpoint names or paths")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--samples", type=int, default=None, help="held-out windows/sequences (text 64, Match: sidecar)")
    ap.add_argument("--seed", type=int, default=None, help="held-out seed (text 0, Match: the sidecar's eval_seed)")
    ap.add_argument("--play", default=None, help="text: draw the held-out windows from this held-out play only")
    ap.add_argument("--every-mixer", action="store_true", help="also zero/mean-ablate dense, gated_triangle and scn heads")
    ap.add_argument("--buckets", action="store_true", help="also: where the all-heads surrogate loses, by token bucket")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None, help="write the reports to this JSON file")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    reports, worst = [], 0
    for name in args.models:
        try:
            ckpt = load_checkpoint(name)
            sample = held_out_sample(ckpt, n=args.samples, seed=args.seed, play=args.play)
            report = head_evidence(ckpt, sample, kinds=args.kinds, every_mixer=args.every_mixer)
        except HovizError as e:
            print(f"{name}: {e}", file=sys.stderr)
            worst = 2
            continue
        print(format_report(report), flush=True)
        reports.append(report.to_dict())
        if args.buckets and surrogate_all(ckpt.model):
            cmp = compare_held_out([ckpt, intervened_checkpoint(ckpt, surrogate_all(ckpt.model),
                                                                label="all 2-simplicial heads surrogate")], sample)
            print(format_comparison(cmp), flush=True)
            reports[-1]["surrogate_by_bucket"] = cmp.to_dict()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": "python -m hoviz interventions " + " ".join(argv if argv is not None else sys.argv[1:]),
                       "reports": reports}, f, indent=1)
    return worst
