"""Time `SimplicialHead.lse()` of one random head at T = 512 (D = 64, one thread) against one blockwise pass of its
raw logits: the slices' row-block masks keep lse at about the cost of that pass (no (T, T, T) mask is built).
    .venv/bin/python benchmarks/bench_lse.py
"""

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hoviz.threeway import ROWS_PER_BLOCK, SimplicialHead


def median_s(fn, n=5):
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


if __name__ == "__main__":
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    T, D = 512, 64
    q, k1, k2 = (torch.randn(T, D, generator=g) for _ in range(3))
    lse = median_s(lambda: SimplicialHead(q, k1, k2).lse())
    head = SimplicialHead(q, k1, k2)
    raw = median_s(lambda: [head._raw_logits(i0, min(T, i0 + ROWS_PER_BLOCK)) for i0 in range(0, T, ROWS_PER_BLOCK)])
    print(f"T={T} D={D}: lse() {lse:.3f} s, one pass of raw logits {raw:.3f} s (median of 5, 1 thread)")
