"""The kernel tables: 2-simplicial attention (Roy et al. 2025, arXiv 2507.02754) as the plain (B, H, T, T, T)
definition against hoviz's blockwise kernel, full causal and windowed, and dense causal attention (explicit
softmax and fused SDPA) for reference. Plans the rows with their jobs, then derives GFLOP/s and ratios.
"""

from __future__ import annotations

import math

import torch

from hoviz.flops import causal_pairs
from hoviz.mixers.simplicial_blockwise import default_block_size


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


def dense_explicit(q, k, v):
    """softmax(QKᵀ/√D) V with the (B, H, T, T) pattern materialised, as the app's traced path does."""
    T = q.shape[-2]
    logits = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])  # (B, H, T, T)
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    return logits.masked_fill(~causal, float("-inf")).softmax(-1) @ v  # (B, H, T, D)


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
