"""Correctness of the fused Triton 2-simplicial kernels against the float64 definition, forward and all five grads.

`check_case` draws fresh random inputs, poisons every buffer the kernels write (NaN), and returns the relative
errors ‖x − ref‖/‖ref‖; the tests call it on the CPU under TRITON_INTERPRET=1. On a GPU:
`python -m hoviz.kernels.check --out check.json` runs the suite (odd T, windows past T, w1 > w2 and w1 < w2, grouped
and per-head, D 64 and 128, bf16/fp16/fp32) and exits 1 if any case misses its tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field

import torch

import hoviz.kernels.autograd as fused
from hoviz.kernels.tuning import Tiles
from hoviz.mixers.simplicial import two_simplicial_reference

# ‖err‖/‖ref‖ allowed per input dtype: (output, gradients). bf16 operands round P, dS and q ⊙ k1 to 8 bits.
TOLERANCE = {torch.float32: (1e-4, 1e-4), torch.float16: (3e-3, 6e-3), torch.bfloat16: (1.5e-2, 3e-2)}
NAMES = ("q", "k1", "k2", "v1", "v2")


@dataclass
class CaseResult:
    """One case's shape, windows, dtype and the relative errors of the output and the five gradients."""

    B: int
    Hq: int
    Hkv: int
    T: int
    D: int
    w1: int | None
    w2: int | None
    dtype: str
    order: str
    errors: dict = field(default_factory=dict)  # name -> ‖x − ref‖/‖ref‖ (‖x − ref‖ where ref = 0)
    finite: bool = True  # every element written (no poison NaN left) and finite
    ok: bool = False


def _reference(q, k1, k2, v1, v2, w1, w2):
    G = q.shape[1] // k1.shape[1]
    return two_simplicial_reference(q, *(t.repeat_interleave(G, 1) for t in (k1, k2, v1, v2)), w1=w1, w2=w2)


def check_case(B, Hq, Hkv, T, D, w1, w2, dtype, *, device="cpu", seed=0, tiles: Tiles | None = None) -> CaseResult:
    """Kernel vs float64 definition on fresh seeded inputs; gradients of all five inputs for a random dO."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    shapes = [(B, Hq, T, D)] + [(B, Hkv, T, D)] * 4
    x64 = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    xs = [t.to(device, dtype).requires_grad_() for t in x64]
    refs = [t.to(dtype).to(device, torch.float64).requires_grad_() for t in x64]  # the same rounded inputs
    dout = torch.randn(B, Hq, T, D, generator=g, dtype=torch.float64)
    fused.POISON = True
    try:
        out = fused.simplicial_attention(*xs, w1, w2, tiles=tiles)
        out.backward(dout.to(device, dtype))
    finally:
        fused.POISON = False
    ref = _reference(*refs, w1, w2)
    ref.backward(dout.to(device))
    res = CaseResult(B, Hq, Hkv, T, D, w1, w2, str(dtype).split(".")[-1], tiles.order if tiles else "auto")
    pairs = [("out", out, ref)] + [(f"d{n}", x.grad, r.grad) for n, x, r in zip(NAMES, xs, refs)]
    for name, a, b in pairs:
        res.finite &= bool(torch.isfinite(a).all())
        ref_norm = float(b.detach().norm())  # 0 when every row has one allowed triple (T = 1): then absolute
        res.errors[name] = float((a.detach().double() - b.detach()).norm()) / (ref_norm or 1.0)
    tol_out, tol_grad = TOLERANCE[dtype]
    res.ok = res.finite and res.errors["out"] < tol_out and all(
        e < tol_grad for n, e in res.errors.items() if n != "out")
    return res


def gpu_cases():
    """The GPU suite: (B, Hq, Hkv, T, D, w1, w2, dtype, order); `diag_cases` runs the per-head windowed ones again
    with the forward's diagonal outer loop."""
    bf, fp = torch.bfloat16, torch.float16
    return [
        (2, 3, 3, 67, 64, None, None, bf, "auto"),  # per-head, odd T, full causal
        (2, 3, 3, 67, 64, 40, 7, bf, "auto"),  # w1 > w2
        (2, 3, 3, 67, 64, 7, 40, bf, "j"),  # w1 < w2
        (2, 3, 3, 67, 64, 7, 40, bf, "l"),  # the other loop order
        (1, 2, 2, 131, 128, 300, 5, bf, "auto"),  # w1 > T
        (1, 2, 2, 131, 128, 32, 512, fp, "auto"),  # w2 > T, fp16
        (1, 8, 2, 45, 128, 4, 30, bf, "auto"),  # grouped, 4 heads per K/V head
        (1, 64, 1, 100, 128, 32, 512, bf, "auto"),  # the target layout, T not a multiple of any block
        (1, 64, 1, 77, 64, 64, 64, bf, "auto"),
        (1, 5, 1, 33, 64, 9, 17, bf, "auto"),  # odd group size
        (2, 2, 2, 50, 64, None, 20, torch.float32, "auto"),
    ]


def diag_cases():
    """The cases the diagonal outer loop (Tiles.diag) must pass too: windowed, per-head or spanning positions."""
    return [c for c in gpu_cases() if c[5] is not None or c[6] is not None]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m hoviz.kernels.check", description=__doc__.splitlines()[0])
    p.add_argument("--out", help="JSON path for the results")
    a = p.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device: run the CPU tests (tests/test_triton_kernel.py) instead", file=sys.stderr)
        return 2
    from hoviz.kernels.tuning import default_tiles, with_order

    results = []
    from dataclasses import replace

    cases = [(c, False) for c in gpu_cases()] + [(c, True) for c in diag_cases()]
    for seed, ((B, Hq, Hkv, T, D, w1, w2, dtype, order), diag) in enumerate(cases):
        tiles = replace(with_order(default_tiles(D, Hq // Hkv), order), diag=diag)
        r = check_case(B, Hq, Hkv, T, D, w1, w2, dtype, device="cuda", seed=seed, tiles=tiles)
        results.append(r)
        errs = " ".join(f"{k}={v:.2e}" for k, v in r.errors.items())
        print(f"{'ok  ' if r.ok else 'FAIL'} B={B} Hq={Hq} Hkv={Hkv} T={T} D={D} w=({w1},{w2}) {r.dtype} {order}"
              f"{' diag' if diag else ''}: {errs}",
              flush=True)
    # the public function dispatches here on CUDA
    from hoviz.mixers.simplicial import two_simplicial_attention

    q = torch.randn(2, 4, 70, 64, device="cuda", dtype=torch.bfloat16)
    same = bool(torch.equal(two_simplicial_attention(q, q, q, q, q, w1=8, w2=16),
                            fused.simplicial_attention(q, q, q, q, q, 8, 16)))
    print(f"two_simplicial_attention dispatches to the Triton kernel: {same}")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"cases": [asdict(r) for r in results], "dispatch": same, "tolerance":
                       {str(k).split(".")[-1]: v for k, v in TOLERANCE.items()}}, f, indent=1)
    return 0 if all(r.ok for r in results) and same else 1


if __name__ == "__main__":
    sys.exit(main())
