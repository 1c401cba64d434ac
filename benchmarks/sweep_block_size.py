"""Sweep the 2-simplicial kernel's query block size, to re-tune `BLOCK_OVERHEAD_PAIRS` on a new machine.

Prints min-of-n wall times (ms) of forward and forward+backward per block size next to the default choice.
    python benchmarks/sweep_block_size.py [cpu|cuda]
"""

import sys
import time

import torch

from hoviz.mixers.simplicial import two_simplicial_attention
from hoviz.mixers.simplicial_blockwise import default_block_size


def best_ms(fn, n, sync):
    fn()
    sync()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return round(min(times) * 1e3, 2)


def main(device="cpu"):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    B, H, D = 1, 4, 32
    for T, w in [(512, 8), (512, 32), (512, 128), (256, None), (512, None)]:
        xs = [torch.randn(B, H, T, D, device=device) for _ in range(5)]
        xg = [x.clone().requires_grad_(True) for x in xs]
        res = {}
        for bs in ([1, 2, 3, 4, 6, 8, 16] if w is None else [4, 8, 12, 16, 24, 32, 64]):
            with torch.no_grad():
                fwd = best_ms(lambda a=xs, w=w, bs=bs: two_simplicial_attention(*a, w1=w, w2=w, block_size=bs), 3, sync)
            fb = best_ms(lambda a=xg, w=w, bs=bs: two_simplicial_attention(*a, w1=w, w2=w, block_size=bs).sum()
                         .backward(), 3, sync)
            res[bs] = (fwd, fb)
        print(f"T={T} w={w} default={default_block_size(T, H, D, w1=w, w2=w, device=device)} {res}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
