"""`python -m hoviz bench [--quick] [--out PATH]`: one process, side by side, time and peak memory.

2-simplicial attention (Roy et al. 2025, arXiv 2507.02754): the plain (B, H, T, T, T) definition against hoviz's
blockwise kernel, full causal and windowed; dense attention (explicit softmax and fused SDPA) for reference; every
zoo checkpoint (tokens/s, memory, FLOPs/token); the app's trace pipeline; on CUDA, TFLOP/s against a measured bf16
matmul. Prints tables and writes JSON (default benchmarks/bench-<device>.json) for the app's Compare page.
On a CPU shared with other jobs pass --threads 1: with oversubscribed cores every OpenMP barrier can stall for a
scheduler slice, which hits the blockwise kernel's many small ops far harder than the naive path's few big ones.
"""

from __future__ import annotations

import argparse
import copy
import ctypes
import datetime
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from hoviz.config import GPTConfig
from hoviz.errors import HovizError
from hoviz.flops import causal_pairs, flops_per_token
from hoviz.mixers.simplicial import two_simplicial_attention, two_simplicial_reference
from hoviz.mixers.simplicial_blockwise import default_block_size
from hoviz.model import GPT

MiB = 2**20
BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
MEMORY_METHODS = {
    "hwm": "CPU peak = VmHWM - VmRSS of this process around one call: the high-water mark is reset through "
           "/proc/self/clear_refs, and during that call glibc's mmap threshold is pinned at 64 KiB with the heap "
           "trimmed first, so freed tensors leave the RSS and every measurement starts clean (checked against a fresh "
           "process per measurement: within ~2 MiB)",
    "subprocess": "CPU peak = VmHWM (or ru_maxrss) - VmRSS after setup and a T=8 warm-up (lazy library init), "
                  "in a fresh Python process per measurement",
    "cuda": "CUDA peak = torch.cuda.max_memory_allocated() - memory_allocated() around one call",
}


# ---------------------------------------------------------------- measuring

def _status_kb(field: str, path: str = "/proc/self/status") -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in {path}")


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def hwm_available() -> bool:
    """Whether this process can reset its own peak RSS (Linux >= 4.0, /proc writable)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmHWM") > 0 and _libc() is not None
    except OSError:
        return False


def malloc_mode(measuring: bool) -> None:
    """Pin glibc's thresholds (which also stops their dynamic raising): while measuring, every tensor above 64 KiB is
    mmapped and goes back to the OS when freed; while timing, blocks below 32 MiB are reused from the heap, as in
    glibc's steady state (64 KiB would add page faults to every mid-sized tensor and slow small-block code ~2x)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, 64 * 1024 if measuring else 32 * MiB)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 128 * 1024 if measuring else 64 * MiB)  # M_TRIM_THRESHOLD


def peak_extra_mb(run, device: str, method: str) -> float:
    """Peak memory above the baseline during one call of `run` (already warmed up), in MiB."""
    gc.collect(1)  # young generations only: a full collection costs ~0.1 s once torch is imported
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        out = run()
        torch.cuda.synchronize()
        del out
        return (torch.cuda.max_memory_allocated() - base) / MiB
    malloc_mode(measuring=True)
    try:
        _libc().malloc_trim(0)
        base = _status_kb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        out = run()
        peak = _status_kb("VmHWM")
        del out
    finally:
        malloc_mode(measuring=False)
    return max(0, peak - base) / 1024


def median_ms(run, device: str, repeats: int, warmup: int = 1, budget_s: float = 6.0) -> float:
    """Median wall time of `run` in ms over up to `repeats` calls after `warmup` (stops early past budget_s)."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(warmup):
        run()
    sync()
    times, start = [], time.perf_counter()
    while len(times) < repeats and (len(times) < 2 or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        run()
        sync()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


# ---------------------------------------------------------------- the cases, each built from a JSON-able spec

def naive_bytes(T: int, B: int, H: int, itemsize: int, backward: bool) -> int:
    """Estimated peak of the plain definition: 4 live (B, H, T, T, T) tensors forward, 6 with backward.

    Measured at T = 128 (float32): ~3.2 forward, ~3.7 with backward; the estimate errs on the safe side.
    """
    return (6 if backward else 4) * B * H * T**3 * itemsize + T**3


def _inputs(spec, n, device, dtype):
    g = torch.Generator(device="cpu").manual_seed(0)
    shape = (spec["B"], spec["H"], spec["T"], spec["D"])
    return [torch.randn(shape, generator=g).to(device, dtype).requires_grad_(spec["backward"]) for _ in range(n)]


def _call(fn, xs, backward):
    def run():
        if not backward:
            with torch.no_grad():
                return fn(*xs)
        out = fn(*xs)
        out.backward(torch.ones_like(out))
        for x in xs:
            x.grad = None
        return None
    return run


def _model(spec, device):
    if spec.get("name"):
        import hoviz
        return hoviz.load_checkpoint(spec["name"], device=device).model
    torch.manual_seed(0)
    return GPT(GPTConfig(**spec["config"])).to(device)


def model_run(model, T: int, B: int, train: bool, device: str):
    """One inference forward, or one training step (forward, loss, backward, AdamW), on random tokens."""
    g = torch.Generator(device="cpu").manual_seed(0)
    idx = torch.randint(model.config.vocab_size, (B, T + 1), generator=g).to(device)
    if not train:
        model = model.eval()

        def run():
            with torch.no_grad():
                return model(idx[:, :T])
        return run
    model = copy.deepcopy(model).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def step():
        _, loss = model(idx[:, :T], idx[:, 1:])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return step


def build_run(spec: dict, device: str, dtype: torch.dtype):
    """A closure for one measurement; specs are plain dicts so that a child process can rebuild them."""
    if spec["group"] in ("simplicial2", "windowed"):
        xs = _inputs(spec, 5, device, dtype)
        w = {"w1": spec.get("w1"), "w2": spec.get("w2")}
        if spec["impl"] == "naive":
            return _call(lambda *a: two_simplicial_reference(*a, **w), xs, spec["backward"])
        return _call(lambda *a: two_simplicial_attention(*a, **w), xs, spec["backward"])
    if spec["group"] == "dense":
        xs = _inputs(spec, 3, device, dtype)
        if spec["impl"] == "sdpa":
            return _call(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), xs, spec["backward"])
        return _call(dense_explicit, xs, spec["backward"])
    return model_run(_model(spec, device), spec["T"], spec["B"], spec["train"], device)


def dense_explicit(q, k, v):
    """softmax(QKᵀ/√D) V with the (B, H, T, T) pattern materialised, as the app's traced path does."""
    T = q.shape[-2]
    logits = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])  # (B, H, T, T)
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    return logits.masked_fill(~causal, float("-inf")).softmax(-1) @ v  # (B, H, T, D)


def measure_all(rows: list, ctx: dict, repeats: int) -> None:
    """Fill every row's jobs: all peak memories first, then all times (see `malloc_mode` for why two phases).

    A row's "_jobs" is a list of (prefix, spec); job results land in row[prefix + "peak_mb"] and row[prefix + "ms"].
    """
    jobs = [(row, prefix, spec) for row in rows for prefix, spec in row.get("_jobs", [])]
    dev, dtype = ctx["device"], ctx["dtype"]
    if ctx["memory"] == "hwm":
        malloc_mode(measuring=True)  # from here until the timing phase: no heap reuse of large blocks
    for row, prefix, spec in jobs:
        if ctx["memory"] == "subprocess":
            mb = _child_peak_mb(spec, ctx)
        else:
            build_run({**spec, "T": min(8, spec["T"])}, dev, dtype)()  # lazy library init is not the op's memory
            mb = peak_extra_mb(build_run(spec, dev, dtype), dev, ctx["memory"])
        row[prefix + "peak_mb"] = round(mb, 3)
    if ctx["memory"] == "hwm":
        malloc_mode(measuring=False)
    for row, prefix, spec in jobs:
        row[prefix + "ms"] = round(median_ms(build_run(spec, dev, dtype), dev, repeats), 4)
    for row in rows:
        row.pop("_jobs", None)


def _child_peak_mb(spec: dict, ctx: dict) -> float:
    arg = json.dumps({"spec": spec, "dtype": str(ctx["dtype"]).split(".")[-1]})
    res = subprocess.run([sys.executable, "-m", "hoviz.bench", "--child", arg], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def _child(arg: str) -> int:
    """Measure one spec in this fresh process and print MiB."""
    import resource
    job = json.loads(arg)
    malloc_mode(measuring=True)
    dtype = getattr(torch, job["dtype"])
    build_run({**job["spec"], "T": min(8, job["spec"]["T"])}, "cpu", dtype)()  # lazy library init, not the op's
    run = build_run(job["spec"], "cpu", dtype)
    if hwm_available():  # import-time transients can leave ru_maxrss above the op's own peak
        print(peak_extra_mb(run, "cpu", "hwm"))
        return 0
    base = _status_kb("VmRSS")
    run()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)  # ru_maxrss is in KiB on Linux
    return 0


# ---------------------------------------------------------------- the tables: plan rows, measure, derive

def _pass(backward: bool) -> str:
    return "forward+backward" if backward else "forward"


def plan_kernels(ctx, Ts, windows) -> tuple[list, list, list]:
    """Rows (with jobs) of the simplicial2, windowed and dense tables."""
    B, H, D, dev = ctx["B"], ctx["H"], ctx["D"], ctx["device"]
    item = torch.finfo(ctx["dtype"]).bits // 8
    shape = {"B": B, "H": H, "D": D, "dtype": str(ctx["dtype"]).split(".")[-1], "device": dev}
    srows, wrows, drows = [], [], []
    for T in Ts:
        for backward in (False, True):
            for impl in ("naive", "hoviz"):
                row = {"impl": impl, "pass": _pass(backward), "T": T, **shape, "w1": None, "w2": None}
                est = naive_bytes(T, B, H, item, backward)
                if impl == "naive" and est > ctx["naive_budget"]:
                    row.update(ms=None, peak_mb=None, note=f"skipped: needs ~{est / 2**30:.1f} GiB > budget "
                                                          f"{ctx['naive_budget'] / 2**30:.1f} GiB")
                else:
                    row["_jobs"] = [("", {"group": "simplicial2", "impl": impl, "T": T, "B": B, "H": H, "D": D,
                                          "backward": backward})]
                srows.append(row)
            for impl in ("explicit", "sdpa"):
                drows.append({"impl": impl, "pass": _pass(backward), "T": T, **shape, "_jobs": [
                    ("", {"group": "dense", "impl": impl, "T": T, "B": B, "H": H, "D": D, "backward": backward})]})
    for w1, w2 in [(None, None)] + windows:
        for backward in (False, True):
            wrows.append({"impl": "hoviz", "pass": _pass(backward), "T": max(Ts), "w1": w1, "w2": w2, **shape,
                          "_jobs": [("", {"group": "windowed", "impl": "hoviz", "T": max(Ts), "B": B, "H": H, "D": D,
                                          "w1": w1, "w2": w2, "backward": backward})]})
    return srows, wrows, drows


def derive_kernels(ctx, srows, wrows, drows) -> None:
    """GFLOP/s of useful causal work (fwd+bwd counted as 3x forward), ratios, block sizes."""
    item = max(torch.finfo(ctx["dtype"]).bits // 8, 4)
    for r in srows + wrows + drows:
        if r.get("ms"):
            dense = r["impl"] in ("explicit", "sdpa")
            pairs = r["T"] * (r["T"] + 1) / 2 if dense else causal_pairs(r["T"], r["w1"], r["w2"])
            r["gflops"] = round(4 * r["D"] * r["H"] * r["B"] * pairs * (3 if "backward" in r["pass"] else 1)
                                / r["ms"] / 1e6, 3)
            _tflops(r, ctx)
        if r["impl"] == "hoviz":
            r["block_size"] = default_block_size(r["T"], r["H"], r["D"], B=r["B"], w1=r["w1"], w2=r["w2"],
                                                 itemsize=item, device=ctx["device"])
    for naive, hov in zip(srows[::2], srows[1::2]):
        if naive.get("ms"):
            hov["vs_naive_time"] = round(hov["ms"] / naive["ms"], 4)
            hov["vs_naive_mem"] = round(hov["peak_mb"] / max(naive["peak_mb"], 1e-3), 4)
    full = {r["pass"]: r["ms"] for r in wrows if r["w1"] is None and r["w2"] is None}
    for r in wrows:
        r["speedup_vs_full"] = round(full[r["pass"]] / r["ms"], 3)


def _tflops(row, ctx):
    if ctx["device"] == "cuda" and row.get("gflops"):
        row["tflops"] = round(row["gflops"] / 1e3, 3)
        row["fraction_of_matmul"] = round(row["tflops"] / ctx["matmul_tflops"], 4)


def zoo(ctx) -> tuple[list[dict], str]:
    """Model specs: every checkpoint, else nothing (and a message saying so)."""
    try:
        import hoviz
        names = hoviz.list_checkpoints()
    except ImportError as e:
        return [], f"checkpoint loader not importable ({e}): models table empty"
    if not names:
        return [], "no checkpoints in the zoo (checkpoints/ or $HOVIZ_CHECKPOINTS): models table empty; `make zoo`"
    return [{"name": n} for n in names], f"{len(names)} checkpoint(s)"


def plan_models(ctx, specs, T_max, batch) -> list:
    """One row per checkpoint, with an inference and a training-step job; FLOPs counted here."""
    rows = []
    for base in specs:
        row = {"model": base["name"], "device": ctx["device"]}
        try:
            model = _model(base, ctx["device"])
        except HovizError as e:  # a broken checkpoint is a row, not a crash
            rows.append({**row, "note": f"cannot load: {e}"})
            continue
        cfg = model.config
        T, B = min(cfg.block_size, T_max), batch
        if cfg.s2_mask == "leaky" and "simplicial2" in cfg.mixers:  # the exhibit runs the (T, T, T) definition
            while B > 1 and cfg.n_layer * naive_bytes(T, B, cfg.n_head, 4, True) > ctx["naive_budget"]:
                B //= 2
            while T > 8 and cfg.n_layer * naive_bytes(T, B, cfg.n_head, 4, True) > ctx["naive_budget"]:
                T //= 2
        row.update(mixers=cfg.mixers, params=model.num_params(), T=T, B=B)
        row["flops_per_token"] = flops_per_token(cfg, T)
        row["flops_per_token_executed"] = flops_per_token(cfg, T, executed=True, batch=B, device=ctx["device"])
        row["flops_per_token_counted"] = counted_flops_per_token(model, T, B, ctx["device"])
        row["counted_vs_executed"] = round(row["flops_per_token_counted"] / row["flops_per_token_executed"], 4)
        row["_jobs"] = [(f"{k}_", {**base, "group": "model", "T": T, "B": B, "train": k == "train"})
                        for k in ("infer", "train")]
        rows.append(row)
    return rows


def derive_models(ctx, rows) -> None:
    for row in rows:
        for k in ("infer", "train"):
            if row.get(f"{k}_ms"):
                row[f"{k}_tokens_per_s"] = round(row["B"] * row["T"] / row[f"{k}_ms"] * 1e3, 1)
        if row.get("infer_ms"):
            row["infer_gflops"] = round(row["flops_per_token"] * row["infer_tokens_per_s"] / 1e9, 3)
            if ctx["device"] == "cuda":
                row["infer_tflops"] = round(row["infer_gflops"] / 1e3, 4)
                row["infer_fraction_of_matmul"] = round(row["infer_tflops"] / ctx["matmul_tflops"], 5)


def counted_flops_per_token(model, T: int, B: int, device: str) -> float:
    """FlopCounterMode's count of one forward, per token (CPU fused SDPA is taught to it: it has no formula)."""
    sdpa = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu:
            lambda q, k, v, *a, out_shape=None, **kw: sdpa_flop_count(q, k, v)}
    idx = torch.zeros(B, T, dtype=torch.long, device=device)
    counter = FlopCounterMode(display=False, custom_mapping=sdpa)
    with torch.no_grad(), counter:
        model.eval()(idx)
    return counter.get_total_flops() / (B * T)


def page_work(model, idx: torch.Tensor) -> tuple[str, int]:
    """Everything the app computes for one view of `idx`: the trace, the slices and every figure of the 3-way page
    (the attention page for a model without a 2-simplicial layer). Returns (page name, bytes of figure JSON)."""
    from hoviz.trace import run_with_trace
    from hoviz.viz import attention as va
    from hoviz.viz import threeway as vt

    T = idx.shape[1]
    tokens = [str(int(t)) for t in idx[0].tolist()]
    _, tr = run_with_trace(model, idx)
    kinds = [b.kind for b in model.blocks]
    if "simplicial2" in kinds:
        layer, i = kinds.index("simplicial2"), T - 1
        head = tr.simplicial(layer, 0, 0)
        scores = tr.threeway(layer)[0].numpy()  # (H, T), from the statistics the traced forward kept
        S, allowed, triples = head.query_slice(i), head.mask_slice(i), head.top_triples(i, 8)
        K = head.key_slice("j", max(0, i - 1))
        figs = [vt.slice_heatmap(S.numpy(), tokens, allowed=allowed.numpy()), vt.mask_slice_figure(allowed.numpy(), i, tokens),
                vt.triangles_figure(tokens, i, triples), vt.slice_heatmap(K.numpy(), tokens, ylabel="query i"),
                vt.threeway_bar(scores.mean(1), highlight=0), vt.threeway_profile(scores[0], tokens, i=i)]
        page = "threeway"
    else:
        if "dense" in kinds:
            P = tr.pattern(kinds.index("dense"))[0].float().numpy()  # (H, T, T)
        else:  # a simplicial-conv layer shows its edge affinities as one "head"
            P = va.affinity_matrix(tr.complex(kinds.index("simplicial_conv")))[None]
        figs = [va.heads_grid(P), va.head_heatmap(P[0], tokens), va.attention_graph(P[0], tokens),
                va.entropy_bar(va.head_entropy(P), T=T)]
        page = "attention"
    return page, sum(len(f.to_json()) for f in figs)


def bench_pipeline(model, idx: torch.Tensor, *, device: str = "cpu", repeats: int = 5) -> dict:
    """Time the app's work for one prompt (`page_work`: trace, slices, figures) against a bare forward pass."""
    model = model.eval()

    def bare():
        with torch.no_grad():
            return model(idx)
    fwd = median_ms(bare, device, repeats)
    page, payload = page_work(model, idx)
    work = median_ms(lambda: page_work(model, idx), device, repeats)
    return {"prompt_tokens": idx.shape[1], "forward_ms": round(fwd, 3), "page": page, "page_ms": round(work, 3),
            "page_overhead": round(work / fwd, 3), "figure_bytes": payload}


def matmul_tflops(device: str, n: int = 8192, repeats: int = 10) -> float:
    a, b = (torch.randn(n, n, device=device, dtype=torch.bfloat16) for _ in range(2))
    return 2 * n**3 / median_ms(lambda: a @ b, device, repeats, warmup=3) / 1e9


# ---------------------------------------------------------------- report

def targets(srows: list, wrows: list) -> list[dict]:
    """Issue 6's targets, where this run measured what they need."""
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
    table("targets (issue 6, set for the 2-core CPU)", res["targets"], [("target", "target"), ("value", "value"), ("limit", "limit"),
                                                 ("met", "met")])


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
    a = p.parse_args(argv)
    if a.child:
        return _child(a.child)
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
                           for k in ("dense", "simplicial2", "simplicial_conv")]
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


if __name__ == "__main__":
    sys.exit(main())
