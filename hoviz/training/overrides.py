"""The command line of `python -m hoviz train`, derived from the fields of `TrainConfig` and its `GPTConfig`.

Model and run fields sit side by side (`--n_layer 2 --mixers dense,simplicial2 --s2_window1 none --steps 8`);
unknown keys are refused with the valid ones listed.
    >>> cfg = apply_overrides(get_preset("test"), {"steps": "8", "mixers": "dense,dense"})
"""

from __future__ import annotations

import types
import typing

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.training.config import MODEL_FIELDS, TrainConfig
from hoviz.training.presets import PRESETS, preset_doc


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
