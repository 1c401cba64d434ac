"""`python -m hoviz bench [--quick] [--out PATH]`: one process, side by side, time and peak memory.

2-simplicial attention (Roy et al. 2025, arXiv 2507.02754), naive vs blockwise, full causal and windowed, with dense
attention for reference (`kernels`); every zoo checkpoint (`models`); the app's trace pipeline (`pipeline`); on CUDA,
TFLOP/s against a measured bf16 matmul. Prints tables (`report`) and writes JSON (default
benchmarks/bench-<device>.json) for the app's Compare page. On a shared CPU pass --threads 1 (see `measure`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import torch

from hoviz.bench.kernels import dense_explicit, derive_kernels, naive_bytes, plan_kernels
from hoviz.bench.measure import (
    MEMORY_METHODS,
    MiB,
    _child,
    _status_kb,
    build_run,
    hwm_available,
    malloc_mode,
    matmul_tflops,
    measure_all,
    median_ms,
    peak_extra_mb,
)
from hoviz.bench.models import _model, counted_flops_per_token, derive_models, model_run, plan_models, zoo
from hoviz.bench.pipeline import bench_pipeline, page_work
from hoviz.bench.report import machine_info, report, side_by_side, table, targets
from hoviz.errors import HovizError

__all__ = [
    "BENCH_DIR", "MEMORY_METHODS", "MiB", "bench_pipeline", "build_run", "counted_flops_per_token", "dense_explicit",
    "derive_kernels", "derive_models", "hwm_available", "machine_info", "main", "malloc_mode", "matmul_tflops",
    "measure_all", "median_ms", "model_run", "naive_bytes", "page_work", "peak_extra_mb", "plan_kernels",
    "plan_models", "report", "run_all", "side_by_side", "table", "targets", "zoo",
]

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m hoviz bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    p.add_argument("--out", help="JSON path (default benchmarks/bench-<device>.json)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--dtype", choices=["float32", "bfloat16", "float64"], help="default float32 (bfloat16 on CUDA)")
    p.add_argument("--T", help="comma-separated sequence lengths (default 64,128,256,512)")
    p.add_argument("--repeats", type=int, help="timed calls per measurement (default 5, quick 2)")
    p.add_argument("--naive-budget-gb", type=float, default=4.0, help="largest estimated naive footprint to run")
    p.add_argument("--memory", choices=["auto", "hwm", "subprocess"], default="auto", help="CPU peak-memory method")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's; --quick uses 1)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--cuda", action="store_true", help="the fused Triton kernel's GPU table (hoviz.bench.triton); "
                                                        "with --out and --T")
    a = p.parse_args(argv)
    if a.child:
        return _child(a.child)
    if a.cuda:
        from hoviz.bench.triton import main as cuda_main

        return cuda_main(["--out", a.out or str(BENCH_DIR / "bench-cuda-triton.json")] + (["--T", a.T] if a.T else []))
    device = ("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device
    if device == "cuda" and not torch.cuda.is_available():
        print("--device cuda: no CUDA device here", file=sys.stderr)
        return 2
    memory = "cuda" if device == "cuda" else a.memory
    if memory == "auto":
        memory = "hwm" if hwm_available() else "subprocess"
    if memory == "hwm":
        malloc_mode(measuring=False)
    dtype = getattr(torch, a.dtype or ("bfloat16" if device == "cuda" else "float32"))
    quick = a.quick
    B, H, D = (1, 2, 8) if quick else (1, 4, 32)
    Ts = [int(t) for t in a.T.split(",")] if a.T else ([16, 32] if quick else [64, 128, 256, 512])
    windows = [(4, 4), (8, 2)] if quick else [(8, 8), (32, 32), (64, 16), (128, 128)]
    repeats = a.repeats or (2 if quick else 5)
    avail = _status_kb("MemAvailable", "/proc/meminfo") * 1024 if Path("/proc/meminfo").exists() and device == "cpu" else math.inf
    ctx = {"device": device, "dtype": dtype, "memory": memory, "B": B, "H": H, "D": D,
           "naive_budget": min(a.naive_budget_gb * 2**30, avail / 2)}
    threads = torch.get_num_threads()
    if a.threads or quick:
        torch.set_num_threads(a.threads or 1)  # tiny sizes gain nothing from threads, and lose a lot when shared
    try:
        res = run_all(ctx, quick, Ts, windows, repeats)
    finally:
        torch.set_num_threads(threads)
    out = Path(a.out) if a.out else BENCH_DIR / f"bench-{device}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1, default=str) + "\n")
    report(res, ctx)
    print(f"\nwrote {out}")
    return 0


def run_all(ctx: dict, quick: bool, Ts: list, windows: list, repeats: int) -> dict:
    """Every table, in one process."""
    device = ctx["device"]
    torch.manual_seed(0)
    res = {"machine": machine_info(ctx, quick), "cuda": {"available": torch.cuda.is_available()}}
    if device == "cuda":
        ctx["matmul_tflops"] = matmul_tflops(device)
        res["cuda"].update(name=torch.cuda.get_device_name(), bf16_matmul_tflops=round(ctx["matmul_tflops"], 2))
    res["simplicial2"], res["windowed"], res["dense"] = plan_kernels(ctx, Ts, windows)
    specs, zoo_msg = zoo(ctx)
    res["models"] = plan_models(ctx, specs, 32 if quick else 256, 1 if quick else 4)
    measure_all(res["simplicial2"] + res["windowed"] + res["dense"] + res["models"], ctx, repeats)
    derive_kernels(ctx, res["simplicial2"], res["windowed"], res["dense"])
    derive_models(ctx, res["models"])
    res["pipeline"] = []
    pipe_specs = specs or [{"name": None, "config": {"mixers": [k] * 4}, "label": f"init:{k}"}
                           for k in ("dense", "simplicial2", "gated_triangle", "scn")]
    for spec in pipe_specs:
        try:
            model = _model(spec, device)
        except HovizError as e:
            res["pipeline"].append({"model": spec["name"], "note": f"cannot load: {e}"})
            continue
        idx = torch.randint(model.config.vocab_size, (1, min(32 if quick else 128, model.config.block_size)),
                            device=device)
        res["pipeline"].append({"model": spec.get("label") or spec["name"],
                                **bench_pipeline(model, idx, device=device, repeats=repeats)})
    res["targets"] = targets(res["simplicial2"], res["windowed"])
    if hasattr(os, "getloadavg"):
        res["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["machine"]["models"] = zoo_msg
    return res
