"""`TrainConfig`: one training run = a `GPTConfig` (the model) + data, optimisation, evaluation and run fields.

Saved in the sidecar under `training.config` as {"model": {...GPTConfig without vocab_size...}, "data": ..., ...}
and rebuilt by `python -m hoviz eval`. Sidecars written before the nesting keep a flat dict (the model's fields
beside the rest); `TrainConfig.from_dict` reads both forms. Build one from flat keys with `TrainConfig.build(...)`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hoviz.config import GPTConfig, build_dataclass
from hoviz.data import DEFAULT_VAL_PLAYS
from hoviz.errors import ConfigError

TASK_DATA = ("match3", "match3-repeats", "match2")
# GPTConfig's fields that a run sets (the data decides vocab_size); on the command line they sit beside the rest.
MODEL_FIELDS = tuple(f.name for f in dataclasses.fields(GPTConfig) if f.name != "vocab_size")


@dataclass
class TrainConfig:
    """Everything one training run needs. `model.vocab_size` is a placeholder: `model_config(V)` sets the data's."""

    model: GPTConfig = field(default_factory=GPTConfig)  # for match3/match2, block_size becomes task_N
    # data: "shakespeare" (held-out plays), "match3" / "match3-repeats" / "match2" (fresh samples), or a text file
    data: str = "shakespeare"
    val_plays: list[str] = field(default_factory=lambda: list(DEFAULT_VAL_PLAYS))
    val_fraction: float = 0.1  # text files: the last fraction is the validation text
    task_M: int = 37
    task_N: int = 12
    # optimisation: AdamW, linear warm-up then cosine decay to min_lr, gradient clipping
    steps: int = 3000
    batch_size: int = 64  # sequences per process (per GPU under torchrun)
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 100
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0
    # evaluation: the same windows / samples at train time and in `python -m hoviz eval`
    eval_every: int = 250
    eval_windows: int = 256  # text: deterministic validation windows, evenly spread over the held-out text
    eval_samples: int = 4096  # tasks: fresh sequences drawn from eval_seed
    eval_seed: int = 1234
    audit_T: int | None = None  # causality audit length at the end of training (None: block_size)
    # run
    seed: int = 0
    out: str = ""  # checkpoint name (into checkpoints/ or $HOVIZ_CHECKPOINTS) or path; "" means the preset name
    device: str = "auto"  # "auto" (cuda if available, else cpu), "cpu", "cuda", "cuda:1", ...
    threads: int = 0  # CPU intra-op threads (0: torch's default)
    resume_every: int = 500  # steps between resumable checkpoints NAME.resume.{safetensors,json}
    stop_at: int | None = None  # stop after this step as if interrupted, keeping the resumable checkpoint

    def __post_init__(self) -> None:
        if not isinstance(self.model, GPTConfig):
            raise ConfigError(f"TrainConfig.model must be a GPTConfig, got {type(self.model).__name__}")
        self.val_plays = list(self.val_plays)
        if self.data in TASK_DATA and self.model.block_size != self.task_N:
            self.model = dataclasses.replace(self.model, block_size=self.task_N)
        if self.threads < 0:
            raise ConfigError(f"threads must be >= 0 (0: torch's default), got {self.threads}")
        for name in ("steps", "batch_size", "eval_every", "eval_windows", "eval_samples", "resume_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.warmup <= self.steps:
            raise ConfigError(f"warmup must lie in [0, steps={self.steps}], got {self.warmup}")
        if not 0.0 <= self.min_lr <= self.lr:
            raise ConfigError(f"min_lr must lie in [0, lr={self.lr}], got {self.min_lr}")
        if self.stop_at is not None and not 1 <= self.stop_at <= self.steps:
            raise ConfigError(f"stop_at must lie in [1, steps={self.steps}], got {self.stop_at}")

    @classmethod
    def build(cls, **flat) -> TrainConfig:
        """From flat keys (`n_layer=2, mixers=[...], steps=8`): GPTConfig's fields go to `model`, the rest stay."""
        return cls(**_split(flat, GPTConfig()))

    def replace(self, **flat) -> TrainConfig:
        """A copy with the given flat keys changed (model fields or run fields alike)."""
        return dataclasses.replace(self, **_split(flat, self.model))

    @property
    def is_task(self) -> bool:
        return self.data in TASK_DATA

    def model_config(self, vocab_size: int) -> GPTConfig:
        return dataclasses.replace(self.model, vocab_size=vocab_size)

    def flat(self) -> dict:
        """Model and run fields side by side, as the command line names them."""
        d = self.to_dict()
        return {**d.pop("model"), **d}

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["model"].pop("vocab_size")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """The nested form {"model": {...}, ...} or the flat form of sidecars written before it."""
        d = dict(d)
        if "model" in d:
            if not isinstance(d["model"], dict):
                raise ConfigError(f"training.config's model must be a dict of GPTConfig fields, got {d['model']!r}")
            model = GPTConfig.from_dict(d.pop("model"))
            stray = sorted(set(d) & set(MODEL_FIELDS))
            if stray:
                raise ConfigError(f"model field(s) {stray} given both inside and beside training.config's model")
        else:
            model = GPTConfig.from_dict({k: d.pop(k) for k in MODEL_FIELDS if k in d})
        return build_dataclass(cls, {**d, "model": model})


def _split(flat: dict, base: GPTConfig) -> dict:
    """`flat` with GPTConfig's fields replaced by one `model` entry built on `base`."""
    rest = {k: v for k, v in flat.items() if k not in MODEL_FIELDS}
    model_kw = {k: v for k, v in flat.items() if k in MODEL_FIELDS}
    if "model" in rest:
        raise ConfigError("give either model=GPTConfig(...) or its fields, not both")
    if model_kw:
        rest["model"] = build_dataclass(GPTConfig, {**dataclasses.asdict(base), **model_kw})
    return rest
