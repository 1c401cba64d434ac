"""Causal interventions on heads: run a model with chosen heads replaced by their pairwise surrogate, zero-ablated,
or mean-ablated (per-position mean over a reference set of prompts), and read off what that costs.

The intervened forward is an explicit function of the model's parameters (`run_intervened`): it never registers a
hook, swaps a module or writes an attribute, so threads sharing one model are safe. Eval semantics (no dropout).
A "head" is a dense or 2-simplicial head's output before the heads are merged; any other mixer is one head.
    >>> base, after = run_intervened(model, idx).logits, run_intervened(model, idx, [Intervention(1, 0)]).logits
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from hoviz.errors import EvidenceError
from hoviz.surrogate import surrogate_attention

KINDS = ("surrogate", "zero", "mean")
SURROGATE_MIXERS = ("simplicial2",)  # mixers with a pairwise surrogate; zero and mean ablation apply to every mixer
HEADED_MIXERS = ("dense", "simplicial2")  # mixers whose heads are ablated one by one; others count as one head


@dataclass(frozen=True)
class Intervention:
    """Replace head `head` of layer `layer` (None: every head of the layer) by `kind`, one of KINDS."""

    layer: int
    head: int | None = None
    kind: str = "surrogate"

    @property
    def label(self) -> str:
        return f"L{self.layer}{'' if self.head is None else f'h{self.head}'} {self.kind}"


@dataclass
class HeadMeans:
    """Per-position mean of every head's output over a reference set of prompts: layer -> (H, T, D)."""

    means: dict[int, torch.Tensor]
    n_prompts: int
    description: str = ""

    def get(self, layer: int, T: int) -> torch.Tensor:
        m = self.means[layer]
        if T > m.shape[1]:
            raise EvidenceError(f"the prompt has {T} tokens but the mean-ablation reference only {m.shape[1]}: "
                                "compute the means on prompts at least as long (reference_means)")
        return m[:, :T]  # (H, T, D)


@dataclass
class IntervenedRun:
    logits: torch.Tensor  # (B, T, V)
    resid: list = field(default_factory=list)  # [layer] residual entering each block (B, T, C); None before start
    heads: dict[int, torch.Tensor] = field(default_factory=dict)  # layer -> (B, H, T, D) head outputs, if kept
    qk: dict[int, torch.Tensor] = field(default_factory=dict)  # 2-simplicial layer -> (3, B, H, T, D), if kept


def num_heads(block) -> int:
    return block.mixer.n_head if block.kind in HEADED_MIXERS else 1


def check_interventions(model, interventions, means: HeadMeans | None = None) -> list[Intervention]:
    """The interventions as a list, or an EvidenceError naming the first one this model cannot take."""
    out = list(interventions)
    n = len(model.blocks)
    for iv in out:
        if not isinstance(iv, Intervention):
            raise EvidenceError(f"expected Intervention records, got {type(iv).__name__}")
        if iv.kind not in KINDS:
            raise EvidenceError(f"unknown intervention kind {iv.kind!r}; choose one of {', '.join(KINDS)}")
        if not (isinstance(iv.layer, int) and 0 <= iv.layer < n):
            raise EvidenceError(f"layer {iv.layer!r} out of range: the model has layers 0..{n - 1}")
        block = model.blocks[iv.layer]
        if iv.head is not None and not (isinstance(iv.head, int) and 0 <= iv.head < num_heads(block)):
            raise EvidenceError(f"head {iv.head!r} out of range: layer {iv.layer} ({block.kind}) has heads "
                                f"0..{num_heads(block) - 1}")
        if iv.kind == "surrogate" and block.kind not in SURROGATE_MIXERS:
            raise EvidenceError(f"layer {iv.layer} is {block.kind}, which has no pairwise surrogate (only "
                                f"{', '.join(SURROGATE_MIXERS)} does); use zero or mean ablation")
        if iv.kind == "mean" and (means is None or iv.layer not in means.means):
            raise EvidenceError(f"mean ablation of layer {iv.layer} needs its reference means: pass "
                                "means=reference_means(model, reference_prompts)")
    return out


def _split(t: torch.Tensor, B: int, T: int, H: int) -> torch.Tensor:
    return t.view(B, T, H, -1).transpose(1, 2)  # (B, H, T, D)


def head_outputs(block, x: torch.Tensor, surrogate: list[int] = ()) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Per-head outputs of a block's mixer on x = ln_1(h) (B, T, C): (B, H, T, D), and the 2-simplicial (3, B, H, T,
    D) q, k1, k2 (else None). Heads listed in `surrogate` come out of the pairwise surrogate instead."""
    mixer, (B, T, C) = block.mixer, x.shape
    if block.kind not in HEADED_MIXERS:
        return mixer(x)[:, None], None  # (B, 1, T, C): the whole mixer is one head
    H = mixer.n_head
    if block.kind == "dense":
        q, k, v = (_split(t, B, T, H) for t in mixer.qkv(x).split(C, dim=2))  # (B, H, T, D)
        return F.scaled_dot_product_attention(q, k, v, is_causal=True), None
    q, k1, k2, v1, v2 = (_split(t, B, T, H) for t in mixer.qkv(x).split(C, dim=2))  # (B, H, T, D)
    if mixer.fallback_bias:  # exactly as Simplicial2Attention.forward
        k2, v2 = k2 + 1.0 / mixer.head_dim, v2 + 1.0
    windows = {"w1": mixer.w1, "w2": mixer.w2}
    y = mixer.attend(q, k1, k2, v1, v2)  # exactly the layer's kernel (causal, or the exhibit's leaky mask)
    if surrogate:
        hs = list(surrogate)
        y = y.clone()
        y[:, hs] = surrogate_attention(q[:, hs], k1[:, hs], k2[:, hs], v1[:, hs], v2[:, hs], mask=mixer.mask, **windows)
    return y, torch.stack([q, k1, k2])


def merge_heads(block, y: torch.Tensor) -> torch.Tensor:
    """The mixer's output (B, T, C) from its per-head outputs (B, H, T, D)."""
    if block.kind not in HEADED_MIXERS:
        return y[:, 0]
    B, H, T, D = y.shape
    y = y.transpose(1, 2).reshape(B, T, H * D)
    return block.mixer.proj(block.mixer.norm(y) if block.kind == "simplicial2" else y)


def _heads_of(iv: Intervention, block) -> list[int]:
    return list(range(num_heads(block))) if iv.head is None else [iv.head]


@torch.no_grad()
def run_intervened(model, idx: torch.Tensor, interventions=(), means: HeadMeans | None = None, *,
                   keep: tuple[str, ...] = (), start: int = 0, resid: torch.Tensor | None = None) -> IntervenedRun:
    """Logits (B, T, V) of `model` on idx (B, T) with the interventions applied.

    keep : any of "resid", "heads", "qk": also return the residual entering each block, every head's output, and
        the 2-simplicial q, k1, k2 (as the kernel saw them), all from this run.
    start, resid : begin at block `start` from its input `resid` (B, T, C), e.g. a clean run's `resid[start]`,
        when no intervention lies before it (saves recomputing the unchanged layers).
    """
    plan = check_interventions(model, interventions, means)
    if plan and start > min(iv.layer for iv in plan):
        raise EvidenceError(f"start={start} skips layer {min(iv.layer for iv in plan)}, which is intervened on")
    T = idx.shape[1]
    h = model.embed(idx) if resid is None else resid  # (B, T, C)
    run = IntervenedRun(logits=None, resid=[None] * start if "resid" in keep else [])
    for li in range(start, len(model.blocks)):
        block = model.blocks[li]
        if "resid" in keep:
            run.resid.append(h)
        here = [iv for iv in plan if iv.layer == li]
        surrogate = sorted({hd for iv in here if iv.kind == "surrogate" for hd in _heads_of(iv, block)})
        y, qk = head_outputs(block, block.ln_1(h), surrogate)  # (B, H, T, D)
        if "heads" in keep:
            run.heads[li] = y
        if "qk" in keep and qk is not None:
            run.qk[li] = qk
        for iv in here:
            hs = _heads_of(iv, block)
            if iv.kind == "zero":
                y = y.clone()
                y[:, hs] = 0.0
            elif iv.kind == "mean":
                y = y.clone()
                y[:, hs] = means.get(li, T)[hs].to(y.dtype)  # (len(hs), T, D), broadcast over the batch
        h = h + merge_heads(block, y)
        h = h + block.mlp(block.ln_2(h))
    run.logits = model.head(model.ln_f(h))
    return run


@torch.no_grad()
def reference_means(model, prompts: torch.Tensor, description: str = "") -> HeadMeans:
    """Per-position mean of every head's output over the reference prompts (N, T), from a clean run."""
    heads = run_intervened(model, prompts, keep=("heads",)).heads
    return HeadMeans({li: y.mean(0) for li, y in heads.items()}, n_prompts=prompts.shape[0], description=description)
