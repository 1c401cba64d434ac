"""The Evidence page's view: does higher order help here? Per 2-simplicial head, the interaction score against the
causal effect of replacing it by its pairwise surrogate (the stored held-out report of `python -m hoviz
interventions`, when it was made on these weights; else the prompt alone), the per-token Δ log-loss of one
intervention on the prompt, and the prompt read by two models, token by token.

    hv = heads(ckpt, ids); eff = intervention_delta(ckpt, ids, Intervention(1, 0, "surrogate"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hoviz.compare_tokens import PromptComparison, compare_held_out, compare_on_prompt
from hoviz.evidence import HeadEvidence, PromptEffect, prompt_effect
from hoviz.evidence_prompt import STORED, prompt_head_evidence, prompt_targets, stored_report
from hoviz.heldout import held_out_sample, reference_sample
from hoviz.interventions import SURROGATE_MIXERS, HeadMeans, Intervention, reference_means
from hoviz.viz.evidence import delta_strip, effects_figure, interaction_effect_figure, scores_profile

PAGE_WINDOWS = 16  # held-out windows the page's model comparison reads (the CLI's default is 64)


@dataclass(frozen=True)
class HeadsView:
    heads: list[HeadEvidence]
    source: str  # "held-out" (a stored report) or "prompt"
    note: str  # what the numbers were computed on and how to recompute them
    all_heads: dict = field(default_factory=dict)  # intervention kind -> HeldOutEffect, held-out only

    @property
    def is_match(self) -> bool:
        return any(e.delta_balanced_accuracy is not None for h in self.heads for e in h.effects.values())


def heads(ckpt, ids, stored: str | Path = STORED) -> HeadsView:
    """Per-head evidence: the stored held-out report if it matches the weights, else computed on the prompt."""
    report, why = stored_report(ckpt.name, ckpt.meta.get("weights_sha256", ""), stored)
    if report is not None:
        return HeadsView(report.heads, "held-out", f"held-out sample: {report.sample}. Recompute with `{why}`.",
                         report.all_heads)
    found = prompt_head_evidence(ckpt.model, ids, prompt_targets(ckpt.meta, ids))
    return HeadsView(found, "prompt", f"this prompt only ({why})")


def surrogate_heads(model) -> list[tuple[int, int]]:
    """(layer, head) of every 2-simplicial head."""
    return [(li, h) for li, b in enumerate(model.blocks) if b.kind in SURROGATE_MIXERS for h in range(b.mixer.n_head)]


def mean_reference(ckpt) -> HeadMeans:
    """Mean-ablation reference of a checkpoint, as the CLI draws it (hoviz.heldout.reference_sample)."""
    ref = reference_sample(ckpt)
    return reference_means(ckpt.model, ref.x, ref.description)


def intervention_delta(ckpt, ids, iv: Intervention, means: HeadMeans | None = None) -> PromptEffect:
    """Per-token log-loss on the prompt, clean and with `iv` (labels for a Match model)."""
    return prompt_effect(ckpt.model, ids, [iv], means, targets=prompt_targets(ckpt.meta, ids))


def comparable(entries: dict, name: str) -> list[str]:
    """The other zoo models (name -> ZooEntry) that read the same vocabulary and were trained on the same task
    (Match3 and Match2 share a vocabulary, but a Match2 model's labels answer another question)."""
    def key(e):
        task = e.task if isinstance(e.task, dict) else {}
        same_task = {k: task.get(k) for k in ("name", "M", "N", "rule")}
        return None if e.tokenizer is None else (repr(e.tokenizer.to_dict()), repr(same_task))
    mine = key(entries[name])
    return [n for n, e in entries.items() if n != name and mine is not None and key(e) == mine]


def compare_prompt(ckpts, ids) -> PromptComparison:
    return compare_on_prompt(ckpts, ids, prompt_targets(ckpts[0].meta, ids))


def compare_sample(ckpts, n: int = PAGE_WINDOWS):
    """The model comparison over a small fixed held-out sample (n windows, seed 0; Match: n sequences)."""
    return compare_held_out(ckpts, held_out_sample(ckpts[0], n=n))


@dataclass(frozen=True)
class HeadFigures:
    scatter: object  # interaction and joint spread against the effect, per head
    effects: object | None  # every intervention's held-out effect per head (stored reports only)
    profile: object  # the chosen head's two scores per query of the prompt


def default_position(inter: np.ndarray) -> int:
    """The position the Evidence page selects first: the query where the chosen head's (T,) interaction KL on the
    prompt peaks (where it needs its two keys together most); the last position when it is 0 everywhere."""
    inter = np.asarray(inter, dtype=np.float64)  # (T,)
    return int(np.nanargmax(inter)) if inter.size and np.nanmax(inter) > 0 else len(inter) - 1


def head_figures(hv: HeadsView, chosen: tuple[int, int], scores: tuple[np.ndarray, np.ndarray], tokens,
                 i: int | None = None) -> HeadFigures:
    """The per-head figures with head `chosen` highlighted and the selected position `i` marked in the profile;
    `scores` is `prompt_scores` of the chosen layer: (H, T) interaction KL and (H, T) joint spread."""
    layer, head = chosen
    metric = "balanced_accuracy" if hv.is_match else "loss"
    inter, spread = scores  # (H, T) each
    name = f"L{layer}h{head}"
    return HeadFigures(interaction_effect_figure(hv.heads, highlight=name, metric=metric),
                       effects_figure(hv.heads, metric=metric, highlight=name) if hv.source == "held-out" else None,
                       scores_profile(inter[head], spread[head], tokens, i=i))


def delta_figure(eff: PromptEffect, tokens, label: str, i: int | None = None):
    """The prompt's per-token Δ strip of one intervention, the selected position `i` outlined."""
    return delta_strip(tokens, eff.delta, highlight=i, title=f"{label}: Δ log-loss per token (red: the change hurts; "
                                                             f"sum {np.nansum(eff.delta):+.2f} nats)")
