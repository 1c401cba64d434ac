"""`python -m hoviz scaling`: train the scaling family (hoviz.training.scaling_family), one sidecar per model.

    python -m hoviz scaling --out benchmarks/scaling [--tokens N] [--sizes 1M,3M,10M] [--kinds dense,simplicial2]
                            [--parallel 3] [--keep-weights] [--device auto] [--list]
Members train through `hoviz.training.train.train` (so the fused Triton kernel runs on CUDA through the dispatch)
into DIR/scaling-KIND-SIZE.json with a "scaling" record; weights are deleted unless --keep-weights. --parallel N runs
N members at once as separate processes (OMP_NUM_THREADS=1, logs in DIR/NAME.log), largest first.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hoviz.errors import ConfigError, HovizError
from hoviz.training.scaling_family import (
    DEFAULT_SIZES,
    KINDS,
    SIZES,
    FamilyRecipe,
    ModelSize,
    family_config,
    get_size,
    member_name,
)

FLOPS_CONVENTION = ("training FLOPs = 3 × flops_per_token × tokens: forward + backward (2×) of the causal useful "
                    "work counted by hoviz.flops.flops_per_token at block_size, 2 FLOPs per multiply-add")


@dataclass(frozen=True)
class Member:
    size: ModelSize
    kind: str

    @property
    def name(self) -> str:
        return member_name(self.size, self.kind)

    @property
    def arg(self) -> str:
        return f"{self.size.name}:{self.kind}"


@dataclass(frozen=True)
class MemberResult:
    """What one member's sidecar says, for the summary line."""

    name: str
    params: int
    tokens: int
    val_loss: float
    training_flops: float
    tokens_per_s: float
    wall_time_s: float


def scaling_record(meta: dict, member: Member) -> dict:
    """The sidecar's "scaling" entry, from what training recorded."""
    t = meta["training"]
    tokens = int(t["tokens_seen"])
    return {"family": "shakespeare dense vs [dense, simplicial2]", "kind": member.kind, "size": member.size.name,
            "n_layer": member.size.n_layer, "n_embd": member.size.n_embd, "n_head": member.size.n_head,
            "params": int(meta["params"]), "tokens": tokens, "val_loss": float(meta["metrics"]["val_loss"]),
            "flops_per_token": float(meta["flops_per_token"]),
            "training_flops": 3.0 * float(meta["flops_per_token"]) * tokens, "flops_convention": FLOPS_CONVENTION,
            "tokens_per_s": float(t["tokens_per_s"]), "wall_time_s": float(t["wall_time_s"]),
            "device": t["device"], "device_name": t["device_name"],
            "simplicial_kernel": t.get("simplicial_kernel") or ""}  # "triton" or "pytorch", where training records it


def run_member(member: Member, recipe: FamilyRecipe, out_dir: Path, keep_weights: bool = False) -> Path:
    """Train one member in this process; returns its sidecar path."""
    from hoviz.training.train import train
    stem = out_dir / member.name
    cfg = family_config(member.size, member.kind, recipe).replace(out=str(stem))
    weights = train(cfg)
    sidecar = stem.with_name(stem.name + ".json")
    meta = json.loads(sidecar.read_text())
    meta["scaling"] = scaling_record(meta, member)
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, sidecar)
    if not keep_weights and weights is not None:
        weights.unlink()
        print(f"{member.name}: weights removed (--keep-weights keeps them); sidecar {sidecar}", file=sys.stderr)
    return sidecar


def read_result(sidecar: Path) -> MemberResult:
    s = json.loads(sidecar.read_text())["scaling"]
    return MemberResult(sidecar.name[:-len(".json")], s["params"], s["tokens"], s["val_loss"], s["training_flops"],
                        s["tokens_per_s"], s["wall_time_s"])


def _member_argv(member: Member, recipe: FamilyRecipe, out_dir: Path, keep_weights: bool) -> list[str]:
    argv = [sys.executable, "-m", "hoviz", "scaling", "--out", str(out_dir), "--member", member.arg,
            "--tokens", str(recipe.tokens), "--batch-size", str(recipe.batch_size),
            "--block-size", str(recipe.block_size), "--eval-windows", str(recipe.eval_windows),
            "--seed", str(recipe.seed), "--device", recipe.device, "--threads", str(recipe.threads)]
    return argv + (["--keep-weights"] if keep_weights else [])


def run_parallel(members: list[Member], recipe: FamilyRecipe, out_dir: Path, parallel: int,
                 keep_weights: bool = False) -> list[Path]:
    """Each member in its own process, at most `parallel` at once, in the given order; raises if any fails."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    queue, running, failed, started = list(members), {}, [], {}
    while queue or running:
        while queue and len(running) < parallel:
            m = queue.pop(0)
            log = open(out_dir / f"{m.name}.log", "w")  # noqa: SIM115 (closed when the process ends)
            running[m] = (subprocess.Popen(_member_argv(m, recipe, out_dir, keep_weights), stdout=log,
                                           stderr=subprocess.STDOUT, env=env), log)
            started[m] = time.perf_counter()
            print(f"started {m.name}", file=sys.stderr)
        time.sleep(0.2)
        for m, (proc, log) in list(running.items()):
            if proc.poll() is not None:
                log.close()
                del running[m]
                print(f"{m.name}: {'done' if proc.returncode == 0 else f'FAILED (exit {proc.returncode})'} after "
                      f"{time.perf_counter() - started[m]:.0f} s", file=sys.stderr)
                if proc.returncode:
                    failed.append(m.name)
                    tail = (out_dir / f"{m.name}.log").read_text(errors="replace").splitlines()[-15:]
                    print("\n".join(f"  {m.name}| {line}" for line in tail), file=sys.stderr)
    if failed:
        raise ConfigError(f"member(s) {', '.join(failed)} failed; see their logs in {out_dir}")
    return [out_dir / f"{m.name}.json" for m in members]


def plan(sizes: list[str], kinds: list[str]) -> list[Member]:
    """Members largest first (the longest runs start first when run in parallel), simplicial2 before dense."""
    for k in kinds:
        if k not in KINDS:
            raise ConfigError(f"unknown scaling kind {k!r}; valid kinds: {', '.join(KINDS)}")
    chosen = [get_size(s) for s in sizes]
    chosen.sort(key=lambda s: -s.n_layer * s.n_embd ** 2)
    return [Member(s, k) for s in chosen for k in sorted(kinds, key=lambda k: k != "simplicial2")]


def _list(recipe: FamilyRecipe) -> None:
    from hoviz.model import GPT
    from hoviz.training.data import load_data
    cfg0 = family_config(SIZES["tiny"], "dense", recipe)
    vocab = len(load_data(cfg0).tokenizer)
    print(f"{recipe.tokens:,} tokens = {recipe.steps()} steps of {recipe.batch_size} × {recipe.block_size}; "
          f"vocab {vocab}")
    for size in SIZES.values():
        for kind in KINDS:
            cfg = family_config(size, kind, recipe)
            n = GPT(cfg.model_config(vocab)).num_params()
            print(f"  {member_name(size, kind):28s} L={size.n_layer} C={size.n_embd} H={size.n_head}  {n:,} params")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hoviz scaling", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="folder for the sidecars (and logs, and weights with --keep-weights)")
    ap.add_argument("--tokens", type=int, default=FamilyRecipe.tokens, help="training tokens per model")
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help=f"comma-separated, of {', '.join(SIZES)}")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS))
    ap.add_argument("--parallel", type=int, default=1, help="members trained at once, as separate processes")
    ap.add_argument("--keep-weights", action="store_true", help="keep each member's .safetensors")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batch-size", type=int, default=FamilyRecipe.batch_size)
    ap.add_argument("--block-size", type=int, default=FamilyRecipe.block_size)
    ap.add_argument("--eval-windows", type=int, default=FamilyRecipe.eval_windows)
    ap.add_argument("--seed", type=int, default=FamilyRecipe.seed)
    ap.add_argument("--threads", type=int, default=FamilyRecipe.threads, help="CPU threads per member (0: torch's)")
    ap.add_argument("--list", action="store_true", help="print the members and their parameter counts, train nothing")
    ap.add_argument("--member", help=argparse.SUPPRESS)  # SIZE:KIND, one member in this process (--parallel uses it)
    args = ap.parse_args(argv)
    try:
        recipe = FamilyRecipe(tokens=args.tokens, batch_size=args.batch_size, block_size=args.block_size,
                              eval_windows=args.eval_windows, seed=args.seed, device=args.device, threads=args.threads)
        recipe.steps()  # refuses too few tokens before anything starts
        if args.list:
            _list(recipe)
            return 0
        if args.out is None:
            raise ConfigError("name the output folder: --out DIR")
        if args.parallel < 1:
            raise ConfigError(f"--parallel must be at least 1, got {args.parallel}")
        args.out.mkdir(parents=True, exist_ok=True)
        if args.member:
            size, _, kind = args.member.partition(":")
            (member,) = plan([size], [kind])
            run_member(member, recipe, args.out, args.keep_weights)
            return 0
        members = plan([s for s in args.sizes.split(",") if s], [k for k in args.kinds.split(",") if k])
        t0 = time.perf_counter()
        if args.parallel == 1:
            paths = [run_member(m, recipe, args.out, args.keep_weights) for m in members]
        else:
            paths = run_parallel(members, recipe, args.out, args.parallel, args.keep_weights)
        for r in map(read_result, paths):
            print(f"{r.name:28s} {r.params:>11,} params  {r.tokens:,} tokens  val loss {r.val_loss:.4f}  "
                  f"{r.training_flops:.3e} FLOPs  {r.tokens_per_s:,.0f} tok/s  {r.wall_time_s:.0f} s")
        print(f"{len(paths)} member(s) in {time.perf_counter() - t0:.0f} s; sidecars in {args.out}")
    except HovizError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
