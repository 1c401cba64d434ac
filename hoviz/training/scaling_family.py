"""The scaling family: dense vs interleaved 2-simplicial Shakespeare models at a few sizes, all on the same tokens.

A size fixes depth, width and heads (head dim 64, which the fused kernel takes); a kind fixes the mixers: "dense"
(every layer dense) or "simplicial2" ([dense, simplicial2] repeated, full causal at block 128, like the
shakespeare-simplicial2 preset). Everything else is that preset's recipe, with steps = tokens / (batch × block).
    >>> cfg = family_config(SIZES["3M"], "simplicial2", tokens=8_192_000)   # 1000 steps of 64 × 128
"""

from __future__ import annotations

from dataclasses import dataclass

from hoviz.errors import ConfigError
from hoviz.training.config import TrainConfig

KINDS = ("dense", "simplicial2")


@dataclass(frozen=True)
class ModelSize:
    """One rung of the ladder: n_layer (even, so the interleave has whole pairs), n_embd, n_head."""

    name: str
    n_layer: int
    n_embd: int
    n_head: int


# Parameter counts with the Shakespeare vocabulary are printed by `python -m hoviz scaling --list`.
SIZES: dict[str, ModelSize] = {s.name: s for s in (
    ModelSize("1M", n_layer=2, n_embd=192, n_head=3),
    ModelSize("3M", n_layer=4, n_embd=256, n_head=4),
    ModelSize("10M", n_layer=6, n_embd=384, n_head=6),
    ModelSize("tiny", n_layer=2, n_embd=32, n_head=2),  # for tests on a CPU
)}
DEFAULT_SIZES = ("1M", "3M", "10M")


@dataclass(frozen=True)
class FamilyRecipe:
    """The run fields shared by every member (the shakespeare presets' values but steps, warm-up and resume)."""

    # 3000 steps of 64 × 128, as the shakespeare presets: the 3M members ARE shakespeare-dense and -simplicial2.
    # Sized for one H200 from the zoo's tokens/s (dense 3.2M: 641k; [dense, simplicial2] 3.5M: 142k on the PyTorch
    # path, ~3x faster layers with the fused kernel), scaled by FLOPs per layer: with --parallel 3 the longest member
    # (simplicial2-10M, ~7.4 µs/token) sets a ~3 min run plus ~1 min start-up, evaluation and audit.
    tokens: int = 24_576_000
    batch_size: int = 64
    block_size: int = 128
    lr: float = 2e-3
    min_lr: float = 1e-4
    warmup_fraction: float = 1 / 15  # shakespeare presets: 200 of 3000 steps
    dropout: float = 0.1
    eval_every: int = 250
    eval_windows: int = 256
    seed: int = 0
    device: str = "auto"
    threads: int = 0

    def steps(self) -> int:
        per_step = self.batch_size * self.block_size
        if self.tokens < per_step:
            raise ConfigError(f"tokens={self.tokens} is less than one step of batch {self.batch_size} × block "
                              f"{self.block_size} = {per_step}; raise --tokens")
        return self.tokens // per_step


def mixers_for(kind: str, n_layer: int) -> list[str]:
    if kind == "dense":
        return ["dense"] * n_layer
    if kind == "simplicial2":
        return ["dense", "simplicial2"] * (n_layer // 2)
    raise ConfigError(f"unknown scaling kind {kind!r}; valid kinds: {', '.join(KINDS)}")


def member_name(size: ModelSize, kind: str) -> str:
    return f"scaling-{kind}-{size.name}"


def get_size(name: str) -> ModelSize:
    if name not in SIZES:
        raise ConfigError(f"unknown scaling size {name!r}; valid sizes: {', '.join(SIZES)}")
    return SIZES[name]


def family_config(size: ModelSize, kind: str, recipe: FamilyRecipe | None = None, **recipe_kw) -> TrainConfig:
    """The TrainConfig of one member: `size` and `kind` on the shared `recipe` (or FamilyRecipe(**recipe_kw))."""
    r = recipe or FamilyRecipe(**recipe_kw)
    if size.n_layer % 2:
        raise ConfigError(f"size {size.name} has n_layer={size.n_layer}; the interleave needs an even number")
    steps = r.steps()
    return TrainConfig.build(
        n_layer=size.n_layer, n_embd=size.n_embd, n_head=size.n_head, block_size=r.block_size, dropout=r.dropout,
        mixers=mixers_for(kind, size.n_layer), batch_size=r.batch_size, steps=steps, lr=r.lr, min_lr=r.min_lr,
        warmup=max(1, round(steps * r.warmup_fraction)), eval_every=min(r.eval_every, steps),
        eval_windows=r.eval_windows, seed=r.seed, device=r.device, threads=r.threads,
        resume_every=steps)  # no resumable checkpoints mid-run: a member is short and rerun whole
