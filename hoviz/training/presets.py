"""Training presets: the named runs of the shipped zoo (name -> a function returning a `TrainConfig`, whose docstring
says why the run looks the way it does), and the command line of `python -m hoviz train` derived from the fields:
model and run keys side by side (`--n_layer 2 --mixers dense,simplicial2 --s2_window1 none --steps 8`); unknown
presets and keys are refused with the valid ones listed.
    >>> cfg = apply_overrides(get_preset("test"), {"steps": "8", "mixers": "dense,dense"})
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.training.config import MODEL_FIELDS, TrainConfig

LEAK_WHY = ("s2_mask='leaky' masks only j <= i, so position i reads future tokens through the second key l; "
            "its validation loss is impossibly low. Kept as the exhibit of the classic 2-simplicial bug "
            "(docs/theory.md §2.3); the causality audit flags it.")


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
    return TrainConfig.build(**{**base, **kw})


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
    return TrainConfig.build(**{**base, **kw})


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
    return TrainConfig.build(n_layer=2, n_head=4, n_embd=64, block_size=64, dropout=0.0, mixers=["dense"] * 2,
                             batch_size=32, steps=500, lr=3e-3, warmup=50, eval_every=100, eval_windows=128, threads=1)


@preset("cpu-simplicial2")
def cpu_simplicial2() -> TrainConfig:
    """cpu-dense with [dense, simplicial2]."""
    return cpu_dense().replace(mixers=["dense", "simplicial2"])


@preset("cpu-scn")
def cpu_scn() -> TrainConfig:
    """cpu-dense with [dense, scn]."""
    return cpu_dense().replace(mixers=["dense", "scn"])


@preset("cpu-match3")
def cpu_match3() -> TrainConfig:
    """One small 2-simplicial layer on a smaller Match3 (N=8, M=23) that a CPU solves in a minute or two."""
    return _match(task_M=23, task_N=8, n_embd=64, mixers=["simplicial2"], batch_size=128, steps=1500, lr=3e-3,
                  warmup=100, eval_samples=2048, threads=1)


@preset("test")
def test_preset() -> TrainConfig:
    """For the test suite: a few steps of a 2-layer [dense, simplicial2] model; pass --data PATH or --data match3."""
    return TrainConfig.build(n_layer=2, n_head=2, n_embd=16, block_size=16, dropout=0.1,
                             mixers=["dense", "simplicial2"], batch_size=4, steps=4, lr=1e-2, warmup=1, eval_every=2,
                             eval_windows=4, eval_samples=64, task_M=7, task_N=6, resume_every=2, audit_T=8, threads=1)


def get_preset(name: str) -> TrainConfig:
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}")
    return PRESETS[name]()


def preset_doc(name: str) -> str:
    return " ".join((PRESETS[name].__doc__ or "").split())


# ---- the command line, derived from the fields of TrainConfig and its GPTConfig ----

def field_types() -> dict[str, object]:
    """Every key the command line accepts -> its type: GPTConfig's fields (but vocab_size), then the run's."""
    model = typing.get_type_hints(GPTConfig)
    run = typing.get_type_hints(TrainConfig)
    run.pop("model")
    return {**{k: model[k] for k in MODEL_FIELDS}, **run}


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
    return cfg.replace(**{k: parse_value(k, v, hints[k]) for k, v in overrides.items()})


def usage() -> str:
    hints, default = field_types(), TrainConfig().flat()
    lines = ["usage: python -m hoviz train --preset NAME [--resume] [--KEY VALUE ...]   (lists: comma-separated)",
             "presets:"]
    lines += [f"  {name:32s} {preset_doc(name)[:90]}" for name in PRESETS]
    lines.append("keys (default):")
    for k, tp in hints.items():
        tname = str(tp).replace("typing.", "") if not isinstance(tp, type) else tp.__name__
        lines.append(f"  --{k:20s} {tname:12s} ({default[k]!r})")
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
