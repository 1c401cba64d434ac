"""Training presets: `TrainConfig` (model + data + optimisation fields) and the named presets of the shipped zoo.

The command line of `python -m hoviz train` is derived from TrainConfig's fields (`--n_layer 2`, `--mixers
dense,simplicial2`, `--s2_window1 none`); unknown presets and keys are refused with the valid ones listed.
    >>> cfg = apply_overrides(get_preset("test"), {"steps": "8", "mixers": "dense,dense"})
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field

from hoviz.config import GPTConfig, build_dataclass
from hoviz.data import DEFAULT_VAL_PLAYS
from hoviz.errors import ConfigError

TASK_DATA = ("match3", "match3-repeats", "match2")
LEAK_WHY = ("s2_mask='leaky' masks only j <= i, so position i reads future tokens through the second key l; "
            "its validation loss is impossibly low. Kept as the exhibit of the classic 2-simplicial bug "
            "(RESEARCH.md §2); the causality audit flags it.")


@dataclass
class TrainConfig:
    """Everything one training run needs; saved in the sidecar under training.config and rebuilt by `hoviz eval`."""

    # model: GPTConfig's fields except vocab_size, which the data decides
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    block_size: int = 128  # for match3/match2 this is the sequence length task_N
    dropout: float = 0.1
    mixers: list[str] = field(default_factory=lambda: ["dense"] * 4)
    s2_window1: int | None = None
    s2_window2: int | None = None
    s2_fallback_bias: bool = True
    s2_mask: str = "causal"
    scn_radius: float = 0.9
    scn_max_edges: int = 8
    scn_max_triangles: int = 8
    scn_order: int = 2
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
        self.mixers, self.val_plays = list(self.mixers), list(self.val_plays)
        if self.data in TASK_DATA:
            self.block_size = self.task_N
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
        self.model_config(vocab_size=2)  # validate the model fields now, not after the data is loaded

    @property
    def is_task(self) -> bool:
        return self.data in TASK_DATA

    def model_config(self, vocab_size: int) -> GPTConfig:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(GPTConfig) if f.name != "vocab_size"}
        return GPTConfig(vocab_size=vocab_size, **fields)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        return build_dataclass(cls, d)


# ---- presets: name -> function returning a TrainConfig; the docstring says why it looks the way it does ----

PRESETS: dict[str, Callable[[], TrainConfig]] = {}


def preset(name: str):
    def register(fn):
        PRESETS[name] = fn
        return fn
    return register


def _shakespeare(**kw) -> TrainConfig:
    base = {"n_layer": 4, "n_head": 4, "n_embd": 256, "block_size": 128, "dropout": 0.1, "batch_size": 64,
            "steps": 3000, "lr": 2e-3, "min_lr": 1e-4, "warmup": 200, "eval_every": 250}
    return TrainConfig(**{**base, **kw})


@preset("shakespeare-dense")
def shakespeare_dense() -> TrainConfig:
    """The baseline: 4 dense layers, 4 heads, C=256, block 128 (~3.2M parameters), held-out plays."""
    return _shakespeare(mixers=["dense"] * 4)


@preset("shakespeare-simplicial2")
def shakespeare_simplicial2() -> TrainConfig:
    """Dense and full-causal 2-simplicial layers interleaved, [dense, simplicial2, dense, simplicial2].

    Meta's 2-simplicial models interleave (every 4th layer is 2-simplicial); keeping dense layers keeps cheap
    pairwise retrieval, and lets the app show both kinds of pattern in one model. No window: at block 128 the
    full T³ pattern is affordable and is what the app draws.
    """
    return _shakespeare(mixers=["dense", "simplicial2"] * 2)


@preset("shakespeare-scn")
def shakespeare_scn() -> TrainConfig:
    """Simplicial convolution (Hodge-Laplacian filters of order 2 over causal prefix Vietoris-Rips complexes),
    interleaved with dense attention as [dense, scn] x 2, like shakespeare-simplicial2. Each token keeps <= 8 earlier
    neighbours and <= 8 triangles, so long-range copying is left to the dense layers."""
    return _shakespeare(mixers=["dense", "scn"] * 2)


@preset("shakespeare-gated-triangle")
def shakespeare_gated_triangle() -> TrainConfig:
    """Sigmoid-gated top-8 attention with a triangle product term, interleaved with dense attention (shipped before
    the SCN as "shakespeare-scn"; it is not a simplicial convolution). Measured at full size (3000 steps, same data
    and seed, one H200): [dense, gated_triangle] x 2 reached val loss 1.513 nats/char in 80 s; all four layers
    gated_triangle (3.9M parameters) only 1.554 in 116 s."""
    return _shakespeare(mixers=["dense", "gated_triangle"] * 2)


@preset("shakespeare-simplicial2-leaky")
def shakespeare_simplicial2_leaky() -> TrainConfig:
    """shakespeare-simplicial2 with s2_mask="leaky" (the classic bug), trained briefly: its impossible val loss
    is the exhibit, and the audit fails it on purpose."""
    return _shakespeare(mixers=["dense", "simplicial2"] * 2, s2_mask="leaky", steps=300, warmup=30, eval_every=50,
                        resume_every=100)


def _match(**kw) -> TrainConfig:
    base = {"data": "match3", "task_M": 37, "task_N": 12, "n_layer": 1, "n_head": 4, "n_embd": 128, "dropout": 0.0,
            "batch_size": 256, "steps": 4000, "lr": 1e-3, "min_lr": 1e-5, "warmup": 200, "weight_decay": 0.0,
            "eval_every": 250, "eval_samples": 4096}
    return TrainConfig(**{**base, **kw})


STRICT_STEPS = 8000  # strict Match3 (j < l < i, distinct residues) trains slower than the variant with repeats


@preset("match3-dense")
def match3_dense() -> TrainConfig:
    """One dense layer on strict Match3 (N=12, M=37, j < l < i): cannot represent the 3-way test (Sanford et al.
    2023); compare with the pairwise-only oracle in its sidecar."""
    return _match(mixers=["dense"], steps=STRICT_STEPS)


@preset("match3-dense2")
def match3_dense2() -> TrainConfig:
    """Two dense layers on strict Match3: depth lets a second layer combine pairs, at twice the parameters."""
    return _match(n_layer=2, mixers=["dense", "dense"], steps=STRICT_STEPS)


@preset("match3-simplicial2")
def match3_simplicial2() -> TrainConfig:
    """One 2-simplicial layer on strict Match3: its receptive field j, l <= i contains the task's j < l < i."""
    return _match(mixers=["simplicial2"], steps=STRICT_STEPS)


@preset("match3-repeats")
def match3_repeats() -> TrainConfig:
    """One 2-simplicial layer on the variant of Match3 with repeats (j, l <= i; the zoo's first Match3), 4000 steps:
    its degenerate witnesses are pair tests, so a pairwise-only oracle already scores 0.848 there."""
    return _match(data="match3-repeats", mixers=["simplicial2"])


@preset("match2-dense")
def match2_dense() -> TrainConfig:
    """The control: one dense layer solves causal Match2 (pairwise)."""
    return _match(data="match2", mixers=["dense"], steps=2000)


@preset("cpu-dense")
def cpu_dense() -> TrainConfig:
    """Seconds to a couple of minutes on a CPU: 2 layers, C=64, block 64, one thread (tiny models gain nothing from
    more, and stall badly when the CPU is shared)."""
    return TrainConfig(n_layer=2, n_head=4, n_embd=64, block_size=64, dropout=0.0, mixers=["dense"] * 2,
                       batch_size=32, steps=500, lr=3e-3, warmup=50, eval_every=100, eval_windows=128, threads=1)


@preset("cpu-simplicial2")
def cpu_simplicial2() -> TrainConfig:
    """cpu-dense with [dense, simplicial2]."""
    return dataclasses.replace(cpu_dense(), mixers=["dense", "simplicial2"])


@preset("cpu-scn")
def cpu_scn() -> TrainConfig:
    """cpu-dense with [dense, scn]."""
    return dataclasses.replace(cpu_dense(), mixers=["dense", "scn"])


@preset("cpu-match3")
def cpu_match3() -> TrainConfig:
    """One small 2-simplicial layer on a smaller Match3 (N=8, M=23) that a CPU solves in a minute or two."""
    return _match(task_M=23, task_N=8, n_embd=64, mixers=["simplicial2"], batch_size=128, steps=1500, lr=3e-3,
                  warmup=100, eval_samples=2048, threads=1)


@preset("test")
def test_preset() -> TrainConfig:
    """For the test suite: a few steps of a 2-layer [dense, simplicial2] model; pass --data PATH or --data match3."""
    return TrainConfig(n_layer=2, n_head=2, n_embd=16, block_size=16, dropout=0.1, mixers=["dense", "simplicial2"],
                       batch_size=4, steps=4, lr=1e-2, warmup=1, eval_every=2, eval_windows=4, eval_samples=64,
                       task_M=7, task_N=6, resume_every=2, audit_T=8, threads=1)


def get_preset(name: str) -> TrainConfig:
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}")
    return PRESETS[name]()


def preset_doc(name: str) -> str:
    return " ".join((PRESETS[name].__doc__ or "").split())


# ---- the command line, derived from the fields ----

def field_types() -> dict[str, object]:
    return typing.get_type_hints(TrainConfig)


def parse_value(key: str, text: str, tp):
    """Parse `text` as a value of the field type `tp` (int, float, bool, str, list[str], or X | None)."""
    args = typing.get_args(tp)
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        if text.strip().lower() in ("none", "null", ""):
            return None
        (tp,) = [a for a in args if a is not type(None)]
    if typing.get_origin(tp) is list:
        return [parse_value(key, part.strip(), args[0] if args else str) for part in text.split(",") if part.strip()]
    try:
        if tp is bool:
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return low in ("true", "1", "yes")
        return tp(text)
    except ValueError as e:
        raise ConfigError(f"--{key} expects {getattr(tp, '__name__', tp)}, got {text!r}") from e


def apply_overrides(cfg: TrainConfig, overrides: dict[str, str]) -> TrainConfig:
    """A copy of `cfg` with the given fields parsed from strings; unknown keys raise ConfigError listing valid ones."""
    hints = field_types()
    unknown = sorted(set(overrides) - set(hints))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join('--' + k for k in unknown)}; valid keys: "
                          f"{', '.join('--' + k for k in hints)}")
    values = {k: parse_value(k, v, hints[k]) for k, v in overrides.items()}
    return TrainConfig.from_dict({**cfg.to_dict(), **values})


def usage() -> str:
    hints, default = field_types(), TrainConfig()
    lines = ["usage: python -m hoviz train --preset NAME [--resume] [--KEY VALUE ...]   (lists: comma-separated)",
             "presets:"]
    lines += [f"  {name:32s} {preset_doc(name)[:90]}" for name in PRESETS]
    lines.append("keys (default):")
    for k, tp in hints.items():
        tname = str(tp).replace("typing.", "") if not isinstance(tp, type) else tp.__name__
        lines.append(f"  --{k:20s} {tname:12s} ({getattr(default, k)!r})")
    return "\n".join(lines)


def parse_argv(argv: list[str]) -> tuple[str, bool, dict[str, str], bool]:
    """(preset, resume, overrides, help) from `--preset NAME --resume --key value --key=value ...`."""
    preset, resume, overrides, want_help, i = "", False, {}, False, 0
    while i < len(argv):
        tok = argv[i]
        if tok in ("-h", "--help"):
            want_help = True
        elif tok == "--resume":
            resume = True
        elif tok.startswith("--") and len(tok) > 2:
            key, eq, value = tok[2:].partition("=")
            key = key.replace("-", "_")
            if not eq:
                if i + 1 >= len(argv):
                    raise ConfigError(f"--{key} needs a value")
                i += 1
                value = argv[i]
            if key == "preset":
                preset = value
            else:
                overrides[key] = value
        else:
            raise ConfigError(f"unexpected argument {tok!r}; options are --preset NAME, --resume and --KEY VALUE")
        i += 1
    return preset, resume, overrides, want_help
