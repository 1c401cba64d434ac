"""The printed report: machine info, the app's speed targets, and the plain-text tables of one `python -m hoviz bench`
result (the JSON itself is written by `hoviz.bench.main`).
"""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import torch

from hoviz.bench.measure import MEMORY_METHODS


def targets(srows: list, wrows: list) -> list[dict]:
    """The speed targets set for the 2-core CPU, where this run measured what they need."""
    def get(rows, **kw):
        hit = [r for r in rows if all(r.get(k) == v for k, v in kw.items()) and r.get("ms")]
        return hit[0] if hit else None

    out = []
    for pas, what, key, limit in [("forward", "memory", "peak_mb", 1 / 8), ("forward", "time", "ms", 1.0),
                                  ("forward+backward", "time", "ms", 1.0),
                                  ("forward+backward", "memory", "peak_mb", 1 / 8)]:
        n, h = get(srows, impl="naive", T=256, **{"pass": pas}), get(srows, impl="hoviz", T=256, **{"pass": pas})
        if n and h:
            v = h[key] / max(n[key], 1e-3)
            out.append({"target": f"T=256 {pas} {what}, hoviz / naive", "value": round(v, 4), "limit": limit,
                        "met": v <= limit})
    h = get(srows, impl="hoviz", T=512, **{"pass": "forward+backward"})
    if h:
        out.append({"target": "T=512 forward+backward extra memory (MiB)", "value": h["peak_mb"], "limit": 1024,
                    "met": h["peak_mb"] <= 1024})
    for pas in ("forward", "forward+backward"):
        w = get(wrows, T=512, w1=32, w2=32, **{"pass": pas})
        if w:
            out.append({"target": f"T=512 {pas} speed-up, windows (32, 32) vs full causal",
                        "value": w["speedup_vs_full"], "limit": 10, "met": w["speedup_vs_full"] >= 10})
    return out


def machine_info(ctx, quick: bool) -> dict:
    cpu = platform.processor()
    try:
        cpu = next(x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines()
                   if x.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {"device": ctx["device"], "cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": quick,
            "dtype": str(ctx["dtype"]).split(".")[-1], "B": ctx["B"], "H": ctx["H"], "D": ctx["D"],
            "memory_method": MEMORY_METHODS[ctx["memory"]], "naive_budget_gib": ctx["naive_budget"] / 2**30,
            "timing": "median over repeats after one warm-up call; fwd+bwd FLOPs counted as 3x forward"}
    if hasattr(os, "getloadavg"):
        info["load_avg_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def table(title: str, rows: list, cols: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    if not rows:
        print("  (none)")
        return
    cells = [[h for h, _ in cols]] + [["-" if r.get(k) is None else _fmt(r.get(k)) for _, k in cols] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    for c in cells:
        print("  " + "  ".join(x.rjust(w) for x, w in zip(c, widths)))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    if isinstance(v, list):
        return ",".join(map(str, v))
    return str(v)


def side_by_side(rows: list) -> list:
    """One line per (T, pass): naive and hoviz next to each other."""
    out = {}
    for r in rows:
        o = out.setdefault((r["T"], r["pass"]), {"T": r["T"], "pass": r["pass"]})
        for k in ("ms", "peak_mb", "gflops", "note", "block_size", "vs_naive_time", "vs_naive_mem", "tflops"):
            if k in r:
                o[f"{r['impl']}_{k}"] = r[k]
    return list(out.values())


def report(res: dict, ctx: dict) -> None:
    m = res["machine"]
    print(f"hoviz bench on {m['device']} ({m['cpu']}, {m['cores']} cores, torch {m['torch']} with "
          f"{m['torch_threads']} threads, load {m.get('load_avg_start')}), {m['dtype']}, B={m['B']} H={m['H']} "
          f"D={m['D']}")
    print(f"memory: {m['memory_method']}.\ntime: {m['timing']}.")
    if res["cuda"].get("bf16_matmul_tflops"):
        print(f"cuda: {res['cuda']['name']}, bf16 8192^3 matmul {res['cuda']['bf16_matmul_tflops']:.1f} TFLOP/s")
    extra = [("TFLOP/s", "hoviz_tflops")] if ctx["device"] == "cuda" else []
    table("2-simplicial attention: naive (B,H,T,T,T) definition vs hoviz blockwise", side_by_side(res["simplicial2"]),
          [("T", "T"), ("pass", "pass"), ("naive ms", "naive_ms"), ("hoviz ms", "hoviz_ms"),
           ("time h/n", "hoviz_vs_naive_time"), ("naive MiB", "naive_peak_mb"), ("hoviz MiB", "hoviz_peak_mb"),
           ("mem h/n", "hoviz_vs_naive_mem"), ("hoviz GFLOP/s", "hoviz_gflops"), ("block", "hoviz_block_size"),
           *extra, ("naive", "naive_note")])
    table("2-simplicial windowed (hoviz), speed-up against full causal at the same T", res["windowed"],
          [("T", "T"), ("w1", "w1"), ("w2", "w2"), ("pass", "pass"), ("ms", "ms"), ("MiB", "peak_mb"),
           ("GFLOP/s", "gflops"), ("x vs full", "speedup_vs_full"), ("block", "block_size")])
    table("dense causal attention (reference)", res["dense"],
          [("T", "T"), ("impl", "impl"), ("pass", "pass"), ("ms", "ms"), ("MiB", "peak_mb"), ("GFLOP/s", "gflops")])
    print(f"\nmodels: {m['models']}")
    table("zoo models (FLOPs/token: analytic useful; counted = FlopCounterMode / analytic as executed)", res["models"],
          [("model", "model"), ("T", "T"), ("B", "B"), ("params", "params"), ("infer tok/s", "infer_tokens_per_s"),
           ("train tok/s", "train_tokens_per_s"), ("infer MiB", "infer_peak_mb"), ("train MiB", "train_peak_mb"),
           ("FLOPs/tok", "flops_per_token"), ("counted/exec", "counted_vs_executed"), ("note", "note")])
    table("app pipeline: trace + slices + every figure of one page vs a bare forward", res["pipeline"],
          [("model", "model"), ("tokens", "prompt_tokens"), ("page", "page"), ("forward ms", "forward_ms"),
           ("page ms", "page_ms"), ("x forward", "page_overhead"), ("figure KB", "figure_bytes"), ("note", "note")])
    table("targets (set for the 2-core CPU)", res["targets"], [("target", "target"), ("value", "value"), ("limit", "limit"),
                                                 ("met", "met")])
