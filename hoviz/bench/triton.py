"""`python -m hoviz bench --cuda`: the fused Triton 2-simplicial kernel (Roy et al. 2025, arXiv 2507.02754) on a GPU.

Forward and forward+backward TFLOP/s and peak extra memory, grouped (64 query heads, one K/V head) and per-head
(H = 16), beside dense causal SDPA and the PyTorch path at the same shapes; the zoo sizes full causal. FLOPs: the two
tensor-core contractions (q⊙k1·k2 and P·v2), 2 per multiply-add, over the (i, j, l) triples the windows allow; the
backward counts 2.5x the forward (FlashAttention's convention). Medians of CUDA-event timings after warm-up, inputs
rotated among sets. Writes benchmarks/bench-cuda-triton.json.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from hoviz.flops import causal_pairs

BWD_FACTOR = 2.5  # backward FLOPs per forward FLOP, FlashAttention's convention
OUT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench-cuda-triton.json"


@dataclass
class Row:
    """One measured shape and implementation."""

    impl: str  # "triton", "pytorch" (the blockwise path), "sdpa" (dense causal, FlashAttention)
    layout: str  # "grouped" (Hq query heads share Hkv K/V heads) or "per-head"
    passes: str  # "forward" or "forward+backward"
    B: int
    Hq: int
    Hkv: int
    T: int
    D: int
    w1: int | None
    w2: int | None
    ms: float | None = None
    tflops: float | None = None  # forward FLOPs (x3.5 with backward) / time
    peak_extra_mb: float | None = None  # CUDA allocator peak above the inputs' footprint, during one call
    useful_fraction: float | None = None  # allowed triples / triples the tiles compute (triton only)
    tiles: str | None = None
    note: str | None = None


def forward_flops(B, Hq, T, D, w1, w2, dense=False) -> float:
    """The two contractions over the allowed triples (dense: causal pairs, the edges below the diagonal)."""
    pairs = T * (T + 1) / 2 if dense else causal_pairs(T, w1, w2)
    return 4.0 * D * B * Hq * pairs


def useful_fraction(T, G, w1, w2, block_m, block_n, diag=False) -> float:
    """Allowed triples over the triples the forward's tiles compute (rows of BLOCK_M, inner keys in BLOCK_N; diag:
    the outer loop runs over offsets a < w1, so every row's outer key is allowed once it exists)."""
    W1, W2 = min(w1 or T, T), min(w2 or T, T)
    done = 0
    for r0 in range(0, T * G, block_m):
        i0, i1 = r0 // G, min((r0 + block_m - 1) // G, T - 1)
        nj = min(W1, i1 + 1) if diag else i1 - max(0, i0 - W1 + 1) + 1
        nl = i1 - max(0, i0 - W2 + 1) + 1
        done += nj * math.ceil(nl / block_n) * block_n * block_m
    return causal_pairs(T, w1, w2) * G / done


def time_ms(fn, n_sets: int, reps: int, warmup: int = 2) -> float:
    """Median of `reps` CUDA-event timings of fn(k) (k cycling over the input sets) after `warmup` calls."""
    for k in range(warmup):
        fn(k % n_sets)
    torch.cuda.synchronize()
    times = []
    for r in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn(r % n_sets)
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def peak_extra_mb(fn) -> float:
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn(0)
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def make_inputs(B, Hq, Hkv, T, D, n_sets, dtype, grad, dense=False):
    """n_sets of (q, k1, k2, v1, v2) (or (q, k, v) for dense), standard normal, and one dO."""
    gen = torch.Generator(device="cuda").manual_seed(0)
    shapes = [(B, Hq, T, D)] * 3 if dense else [(B, Hq, T, D)] + [(B, Hkv, T, D)] * 4
    sets = [[torch.randn(s, device="cuda", dtype=dtype, generator=gen).requires_grad_(grad) for s in shapes]
            for _ in range(n_sets)]
    return sets, torch.randn(B, Hq, T, D, device="cuda", dtype=dtype, generator=gen)


def runner(impl, sets, dout, w1, w2, backward, tiles=None):
    """fn(k): one call of `impl` on input set k (with backward: dO into every input, grads dropped)."""
    from hoviz.kernels.autograd import simplicial_attention
    from hoviz.mixers.simplicial_blockwise import blockwise_two_simplicial

    def call(xs):
        if impl == "sdpa":
            return F.scaled_dot_product_attention(*xs, is_causal=True)
        if impl == "triton":
            return simplicial_attention(*xs, w1, w2, tiles=tiles)
        G = xs[0].shape[1] // xs[1].shape[1]
        return blockwise_two_simplicial(xs[0], *(t.expand(-1, G, -1, -1) if G > 1 else t for t in xs[1:]), w1, w2,
                                        None)

    def fn(k):
        xs = sets[k]
        if not backward:
            with torch.no_grad():
                return call(xs)
        out = call(xs)
        out.backward(dout)
        for x in xs:
            x.grad = None
        return None

    return fn


def measure(row: Row, *, n_sets=3, reps=10, tiles=None, dtype=torch.bfloat16) -> Row:
    """Fill row.ms, tflops, peak_extra_mb (errors go to row.note)."""
    backward = row.passes != "forward"
    dense = row.impl == "sdpa"
    try:
        sets, dout = make_inputs(row.B, row.Hq, row.Hkv, row.T, row.D, n_sets, dtype, backward, dense)
        fn = runner(row.impl, sets, dout, row.w1, row.w2, backward, tiles)
        fn(0)  # compile / warm before the memory reading
        row.peak_extra_mb = round(peak_extra_mb(fn), 1)
        row.ms = round(time_ms(fn, n_sets, reps), 4)
        flops = forward_flops(row.B, row.Hq, row.T, row.D, row.w1, row.w2, dense) * (1 + BWD_FACTOR * backward)
        row.tflops = round(flops / row.ms / 1e9, 2)
    except Exception as e:  # noqa: BLE001 - a shape that does not fit is recorded, the sweep goes on
        row.note = f"{type(e).__name__}: {str(e)[:200]}"
    finally:
        sets = dout = fn = None
        torch.cuda.empty_cache()
    return row


def _fmt(r: Row) -> str:
    w = f"({r.w1},{r.w2})"
    extra = f" useful={r.useful_fraction:.2f}" if r.useful_fraction else ""
    res = f"{r.ms:9.3f} ms {r.tflops:7.1f} TFLOP/s {r.peak_extra_mb:9.1f} MB" if r.ms else f"-- {r.note}"
    return (f"{r.impl:8s} {r.layout:8s} {r.passes:16s} B={r.B} Hq={r.Hq} Hkv={r.Hkv} T={r.T} D={r.D} w={w:10s} "
            f"{res}{extra}")


def sweep(out: Path = OUT, Ts=(8192, 2048, 16384), pytorch_T=(2048,), budget_s: float = 400.0,
          tuned: dict | None = None) -> dict:
    """The kernel table: grouped and per-head, windows (32, 512) and (64, 64), D 128 and 64, fwd and fwd+bwd.

    `tuned` maps (layout or "zoo", passes) to the Tiles a tile sweep found fastest; default_tiles elsewhere.
    """
    from hoviz.kernels.tuning import default_tiles

    tuned = tuned or {}

    def tiles_for(layout, passes, D, G):
        return tuned.get((layout, passes)) or default_tiles(D, G)

    t0 = time.time()
    rows: list[Row] = []
    res = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "flops": __doc__.split("FLOPs: ")[1]
           .split(" Medians")[0].replace("\n", " "), "bwd_factor": BWD_FACTOR, "rows": rows}
    try:
        import triton

        res["triton"] = triton.__version__
    except ImportError:
        pass

    def save():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**res, "rows": [asdict(r) for r in rows]}, indent=1) + "\n")

    def add(row, **kw):
        if time.time() - t0 > budget_s:
            row.note = "skipped: the sweep's time budget ran out"
        else:
            measure(row, **kw)
        rows.append(row)
        print(_fmt(row), flush=True)
        save()

    for B, H, T in ((64, 4, 128), (64, 4, 512)):  # the zoo's models, full causal
        for passes in ("forward", "forward+backward"):
            for impl in ("triton", "pytorch", "sdpa"):
                tiles = tiles_for("zoo", passes, 64, 1)
                add(Row(impl, "per-head", passes, B, H, H, T, 64, None, None,
                        tiles=str(tiles) if impl == "triton" else None), reps=3 if impl == "pytorch" else 20,
                    n_sets=1 if impl == "pytorch" else 3, tiles=tiles)
    for T in Ts:
        for layout, B, Hq, Hkv in (("grouped", 4, 64, 1), ("per-head", 4, 16, 16)):
            for D in (128, 64):
                for w1, w2 in ((32, 512), (64, 64)):
                    for passes in ("forward", "forward+backward"):
                        tiles = tiles_for(layout, passes, D, Hq // Hkv)
                        r = Row("triton", layout, passes, B, Hq, Hkv, T, D, w1, w2, tiles=str(tiles))
                        r.useful_fraction = round(useful_fraction(T, Hq // Hkv, w1, w2, tiles.fwd.block_m,
                                                                  tiles.fwd.block_n, tiles.diag), 3)
                        add(r, tiles=tiles, reps=5 if T > 8192 else 10)
                        if (T in pytorch_T or (T == 8192 and passes == "forward" and (w1, w2) == (32, 512))) \
                                and D == 128:
                            add(Row("pytorch", layout, passes, B, Hq, Hkv, T, D, w1, w2), n_sets=1, reps=3)
                for passes in ("forward", "forward+backward"):
                    add(Row("sdpa", layout, passes, B, Hq, Hq, T, D, None, None), reps=10)
    res["wall_s"] = round(time.time() - t0, 1)
    save()
    return res


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m hoviz bench --cuda", description=__doc__.splitlines()[0])
    p.add_argument("--cuda", action="store_true")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--T", default="8192,2048,16384", help="comma-separated sequence lengths")
    p.add_argument("--budget-s", type=float, default=400.0, help="stop measuring (rows marked skipped) after this")
    p.add_argument("--tune", default="", help="tile-sweep these shapes first (hoviz.bench.triton_tiles.SHAPES) and "
                                              "use the fastest tiles; writes <out>-tiles.json")
    a, _ = p.parse_known_args(argv)
    if not torch.cuda.is_available():
        print("--cuda: no CUDA device here", flush=True)
        return 2
    tuned = {}
    if a.tune:
        from hoviz.bench.triton_tiles import SHAPES, best_tiles, sweep_shape

        sweep_rows = []
        for name in a.tune.split(","):
            rows = sweep_shape(name)
            sweep_rows += rows
            key = "zoo" if SHAPES[name][6] is None else SHAPES[name][0]
            for passes in ("forward", "forward+backward"):
                if best_tiles(rows, passes):
                    tuned[(key, passes)] = best_tiles(rows, passes)
            Path(a.out).with_suffix(".tiles.json").write_text(json.dumps({"rows": sweep_rows}, indent=1) + "\n")
        print("tuned:", {k: str(v) for k, v in tuned.items()}, flush=True)
    sweep(Path(a.out), tuple(int(t) for t in a.T.split(",")), budget_s=a.budget_s, tuned=tuned)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
