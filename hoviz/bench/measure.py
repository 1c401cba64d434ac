"""Measuring one call: median wall time, and peak memory above a baseline (CPU high-water mark, a fresh child
process, or CUDA's allocator); `measure_all` runs every planned job, all memories first, then all times.
Jobs are JSON-able specs (see `build_run`) so that `python -m hoviz.bench --child SPEC` can rebuild one.
On a CPU shared with other jobs pass --threads 1: with oversubscribed cores every OpenMP barrier can stall for a
scheduler slice, which hits the blockwise kernel's many small ops far harder than the naive path's few big ones.
"""

from __future__ import annotations

import ctypes
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from hoviz.bench.kernels import _call, _inputs, dense_explicit
from hoviz.bench.models import _model, model_run
from hoviz.mixers.simplicial import two_simplicial_attention, two_simplicial_reference

MiB = 2**20
MEMORY_METHODS = {
    "hwm": "CPU peak = VmHWM - VmRSS of this process around one call: the high-water mark is reset through "
           "/proc/self/clear_refs, and during that call glibc's mmap threshold is pinned at 64 KiB with the heap "
           "trimmed first, so freed tensors leave the RSS and every measurement starts clean (checked against a fresh "
           "process per measurement: within ~2 MiB)",
    "subprocess": "CPU peak = VmHWM (or ru_maxrss) - VmRSS after setup and a T=8 warm-up (lazy library init), "
                  "in a fresh Python process per measurement",
    "cuda": "CUDA peak = torch.cuda.max_memory_allocated() - memory_allocated() around one call",
}


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
                         cwd=Path(__file__).resolve().parents[2], check=True)
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


def matmul_tflops(device: str, n: int = 8192, repeats: int = 10) -> float:
    a, b = (torch.randn(n, n, device=device, dtype=torch.bfloat16) for _ in range(2))
    return 2 * n**3 / median_ms(lambda: a @ b, device, repeats, warmup=3) / 1e9
