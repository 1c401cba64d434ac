"""The hoviz command line in one place: `python -m hoviz {train,eval,audit,bench,interventions,scaling} ...`
(each has --help).

`train`, `eval` and `audit` are defined here over library functions (hoviz.training, hoviz.audit); `bench`,
`interventions` and `scaling` parse their own options in their modules.
Every command prints a HovizError as one line, exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hoviz.errors import ConfigError, HovizError

TRAIN_DOC = """Train a hoviz GPT from a preset (AdamW, warm-up + cosine, bf16 autocast on CUDA, resumable, DDP).
    python -m hoviz train --preset shakespeare-dense [--steps 500 --mixers dense,simplicial2 ...]
    python -m hoviz train --preset shakespeare-dense --resume          # continue from NAME.resume.*
    torchrun --nproc_per_node=2 -m hoviz train --preset shakespeare-dense    # DistributedDataParallel"""


def train_main(argv=None) -> int:
    import torch.distributed as dist

    from hoviz.training.config import TrainConfig
    from hoviz.training.presets import apply_overrides, get_preset, parse_argv, usage
    from hoviz.training.resume import read_resume_meta
    from hoviz.training.train import out_stem, train

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        preset, resume, overrides, want_help = parse_argv(argv)
        if want_help:
            print(TRAIN_DOC + "\n" + usage())
            return 0
        if resume:  # the saved config, with the given keys changed; stop_at applies to one session only
            named = {"out": overrides["out"]} if "out" in overrides else {}
            saved = read_resume_meta(out_stem(apply_overrides(TrainConfig(), named), preset))
            cfg = apply_overrides(TrainConfig.from_dict(saved["config"]).replace(stop_at=None), overrides)
            preset = preset or saved.get("preset", "")
        elif not preset:
            raise ConfigError("name a preset: --preset NAME (see --help for the list)")
        else:
            cfg = apply_overrides(get_preset(preset), overrides)
        train(cfg, preset, resume)
        if dist.is_initialized():
            dist.barrier()  # the other ranks wait while rank 0 evaluates, audits and saves
    except HovizError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


def eval_main(argv=None) -> int:
    from hoviz.checkpoint import load_checkpoint
    from hoviz.training.evaluate import TOLERANCE, reproduce

    ap = argparse.ArgumentParser(prog="python -m hoviz eval",
                                 description="Recompute each checkpoint's headline metric from its sidecar; exit 0 "
                                             "if every one is within the tolerance of the recorded value.")
    ap.add_argument("models", nargs="+", help="checkpoint names or paths")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = ap.parse_args(argv)
    worst = 0
    for name in args.models:
        try:
            r = reproduce(load_checkpoint(name, device=args.device))
        except HovizError as e:
            print(f"{name}: {e}", file=sys.stderr)
            worst = 2
            continue
        ok = abs(r.difference) <= args.tolerance
        beside = f"  pairwise-only oracle {r.oracle:.4f}" if r.oracle is not None else ""
        print(f"{r.name}: {r.metric} sidecar {r.recorded:.4f}  recomputed {r.value:.4f}  "
              f"difference {r.difference:+.4f}  ({'ok' if ok else 'MISMATCH'}, tolerance {args.tolerance}){beside}")
        worst = max(worst, 0 if ok else 1)
    return worst


def audit_main(argv=None) -> int:
    from hoviz.audit import audit_model, format_report
    from hoviz.checkpoint import list_checkpoints, load_checkpoint

    ap = argparse.ArgumentParser(prog="python -m hoviz audit",
                                 description="Causality audit: does any output position depend on a later token?")
    ap.add_argument("models", nargs="*", help="checkpoint names or paths")
    ap.add_argument("--all", action="store_true", help="audit every checkpoint in checkpoints/")
    ap.add_argument("--T", type=int, default=None, help="sequence length (default: block size)")
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    names = list(args.models) + (list_checkpoints() if args.all else [])
    if not names:
        ap.error("name at least one checkpoint, or pass --all")
    leaked = False
    for name in names:
        try:
            ckpt = load_checkpoint(name)
        except HovizError as e:
            print(f"{name}: cannot load: {e}", file=sys.stderr)
            leaked = True
            continue
        rep = audit_model(ckpt.model, len(ckpt.tokenizer), T=args.T, n_samples=args.samples, seed=args.seed,
                          name=ckpt.name)
        print(format_report(rep))
        leaked |= rep.leaks
    return 1 if leaked else 0


COMMANDS = {  # subcommand -> its main(argv): a function here, or "module" whose main(argv) parses its own options
    "train": train_main,
    "eval": eval_main,
    "audit": audit_main,
    "bench": "hoviz.bench",
    "interventions": "hoviz.evidence",
    "scaling": "hoviz.training.scaling_run",
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m hoviz {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    command = COMMANDS[argv[0]]
    run = importlib.import_module(command).main if isinstance(command, str) else command
    return run(argv[1:])
