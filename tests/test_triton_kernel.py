"""The fused Triton 2-simplicial kernels (hoviz.kernels) against the float64 definition, on the CPU through
Triton's interpreter (TRITON_INTERPRET=1, set here before Triton is imported) at tiny shapes, so that a broken
kernel fails CI; the CUDA tests run only where a GPU is. Run: python -m pytest -q tests/test_triton_kernel.py
"""

import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # before anything imports triton (conftest.py sets it too)

import pytest
import torch

triton = pytest.importorskip("triton", reason="triton is a dev dependency (requirements-dev.txt): pip install it")

from hoviz.errors import AttentionInputError
from hoviz.kernels import Tile, Tiles, simplicial_attention
from hoviz.kernels.check import check_case
from hoviz.kernels.dispatch import fused_kernel

SMALL = Tile(16, 16, 1, 1)
WIDE = Tile(32, 16, 1, 1)  # 32 rows per program: two positions of a 16-head group, or blocks across positions


def _check(*args, tiles=None, seed=0):
    r = check_case(*args, seed=seed, tiles=tiles)
    assert r.finite, f"unwritten or non-finite elements: {r}"
    assert r.ok, f"errors over tolerance: {r.errors}"
    return r


def test_interpreter_is_on():
    assert triton.knobs.runtime.interpret, "TRITON_INTERPRET=1 must be set before triton is first imported"


@pytest.mark.parametrize("w1,w2", [(None, None), (3, 7), (7, 3), (40, 2)])  # full, w1 < w2, w1 > w2, w1 > T
def test_per_head_float32_matches_definition(w1, w2):
    r = _check(2, 2, 2, 19, 16, w1, w2, torch.float32)  # T = 19: odd, not a multiple of the 16-row tile
    assert max(r.errors.values()) < 1e-5


def test_single_position():
    _check(2, 2, 1, 1, 16, None, 3, torch.float32, seed=6)


@pytest.mark.parametrize("order", ["j", "l"])
def test_grouped_both_loop_orders(order):
    _check(1, 6, 2, 11, 16, 4, 9, torch.float32, tiles=Tiles(WIDE, SMALL, WIDE, order), seed=1)


def test_group_fills_rows_of_several_positions():
    _check(1, 3, 1, 13, 32, None, 5, torch.float32, tiles=Tiles(WIDE, WIDE, SMALL), seed=2)


@pytest.mark.parametrize("split,fold", [(True, False), (False, False), (True, True)])
def test_one_position_per_program_forward_variants(split, fold):
    """16 heads per K/V head, 16 rows per program: whole windows of inner keys run without the mask (split)."""
    tiles = Tiles(SMALL, SMALL, SMALL, split=split, fold=fold)
    _check(1, 16, 1, 35, 16, 3, 20, torch.float32, tiles=tiles, seed=5)


@pytest.mark.parametrize("w1,w2,order,fold", [(3, 20, "j", True), (5, 4, "auto", False), (None, 6, "l", True),
                                              (30, 30, "j", True)])
def test_diagonal_outer_loop(w1, w2, order, fold):
    """Outer loop over offsets a (row i takes j = i - a): per-head rows of consecutive positions, windows both ways,
    w1 past T, both loop orders, fold on and off; and a head group whose rows span positions."""
    tiles = Tiles(SMALL, SMALL, SMALL, order=order, fold=fold, diag=True)
    _check(1, 2, 2, 21, 16, w1, w2, torch.float32, tiles=tiles, seed=7)
    _check(1, 4, 1, 13, 16, w1, w2, torch.float32, tiles=Tiles(WIDE, SMALL, SMALL, order, diag=True), seed=8)


@pytest.mark.parametrize("diag,w1,w2", [(False, None, None), (False, 4, 9), (True, 3, 20), (True, 30, 5)])
def test_dq_dk1_pass_with_atomic_adds(diag, w1, w2):
    """dQ, dK1, dV1 in one pass: per-head, a head group over several positions (rows sharing a j), w1 past T."""
    _check(2, 2, 2, 21, 16, w1, w2, torch.float32, tiles=Tiles(SMALL, SMALL, SMALL, diag=diag), seed=9)
    _check(1, 4, 1, 13, 16, w1, w2, torch.float32, tiles=Tiles(WIDE, WIDE, SMALL, diag=diag), seed=10)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_inputs(dtype):
    _check(1, 2, 1, 17, 16, 6, 20, dtype, seed=3)  # w2 > T


def test_a_wrong_window_is_caught():
    """The check itself can fail: the kernel with windows (3, 7) is far from the definition with (4, 7)."""
    g = torch.Generator().manual_seed(4)
    xs = [torch.randn(1, 1, 12, 16, generator=g) for _ in range(5)]
    from hoviz.mixers.simplicial import two_simplicial_reference

    out = simplicial_attention(*xs, 3, 7)
    assert torch.allclose(out, two_simplicial_reference(*xs, w1=3, w2=7), atol=1e-5)
    assert not torch.allclose(out, two_simplicial_reference(*xs, w1=4, w2=7), atol=1e-3)


def test_bad_inputs_raise_attention_input_error():
    q = torch.randn(1, 4, 8, 16)
    k = torch.randn(1, 3, 8, 16)
    with pytest.raises(AttentionInputError, match="multiple of Hkv"):
        simplicial_attention(q, k, k, k, k)
    with pytest.raises(AttentionInputError, match="D in"):
        x = torch.randn(1, 1, 8, 24)
        simplicial_attention(x, x, x, x, x)
    with pytest.raises(AttentionInputError, match="w2"):
        simplicial_attention(q, q, q, q, q, 4, 0)


def test_cpu_tensors_keep_the_pytorch_path():
    assert fused_kernel(torch.randn(1, 1, 4, 16)) is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the interpreter tests cover the CPU)")
def test_cuda_dispatch_and_accuracy():  # pragma: no cover - GPU only
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compiled kernels, not the interpreter
    run = subprocess.run([sys.executable, "-m", "hoviz.kernels.check"], env=env, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr
