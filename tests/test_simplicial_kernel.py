"""The blockwise 2-simplicial kernel equals the plain (B, H, T, T, T) definition, values and gradients, and never
holds a (T, T, T) tensor (docs/theory.md §2.4). Tiny, seeded, CPU."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from hoviz.errors import AttentionInputError
from hoviz.mixers.simplicial import two_simplicial_attention, two_simplicial_reference
from hoviz.mixers.simplicial_blockwise import blockwise_two_simplicial, default_block_size, key_range


def inputs(T, B=2, H=2, D=4, dtype=torch.float64, seed=0, requires_grad=True):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(B, H, T, D, generator=g, dtype=dtype).requires_grad_(requires_grad) for _ in range(5)]


CASES = [  # (T, w1, w2, block_size)
    (1, None, None, None),
    (2, None, None, 1),
    (5, None, None, 2),
    (7, None, None, 3),
    (17, None, None, 4),  # T > block, not a multiple
    (16, None, None, 16),
    (9, None, None, 64),  # block larger than T
    (11, 1, 1, 3),  # w = 1: only (i, i)
    (11, 20, 30, 4),  # w > T: same as full causal
    (13, 3, 5, 4),  # w1 != w2
    (13, 6, 2, 5),
    (12, 4, None, 3),  # only one window
    (12, None, 4, 5),
    (15, 3, 3, None),
]


@pytest.mark.parametrize("T,w1,w2,bs", CASES)
def test_equals_definition_values_and_grads_float64(T, w1, w2, bs):
    xs = inputs(T)
    out = two_simplicial_attention(*xs, w1=w1, w2=w2, block_size=bs)
    ref = two_simplicial_reference(*xs, w1=w1, w2=w2)
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-12)
    dout = torch.randn_like(out)
    got = torch.autograd.grad(out, xs, dout)
    want = torch.autograd.grad(ref, xs, dout)
    for name, a, b in zip(("q", "k1", "k2", "v1", "v2"), got, want):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=lambda m, n=name: f"d{n}: {m}")


@pytest.mark.parametrize("T,w1,w2,bs", [(5, None, None, 2), (6, 2, 3, 2), (4, None, 1, 3)])
def test_gradcheck(T, w1, w2, bs):
    xs = inputs(T, B=1, H=2, D=3)
    assert torch.autograd.gradcheck(lambda *a: two_simplicial_attention(*a, w1=w1, w2=w2, block_size=bs), xs)


@pytest.mark.parametrize("which", [(0,), (4,), (1, 3), (2,), (0, 1, 2)])
def test_grads_for_any_subset_of_inputs(which):
    xs = inputs(9, requires_grad=False)
    for k in which:
        xs[k].requires_grad_(True)
    wanted = [xs[k] for k in which]
    dout = torch.randn(2, 2, 9, 4, dtype=torch.float64)
    got = torch.autograd.grad(two_simplicial_attention(*xs, w1=4, block_size=2), wanted, dout)
    want = torch.autograd.grad(two_simplicial_reference(*xs, w1=4), wanted, dout)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype,tol", [(torch.float32, 2e-5), (torch.bfloat16, 3e-2)])
def test_low_precision_close_to_float64(dtype, tol):
    xs = [x.detach().to(dtype).requires_grad_(True) for x in inputs(19, D=8)]
    out = two_simplicial_attention(*xs, w2=7, block_size=4)
    assert out.dtype == dtype
    xr = [x.detach().double().requires_grad_(True) for x in xs]  # the same (rounded) values, exactly
    ref = two_simplicial_reference(*xr, w2=7)
    assert (out.double() - ref).abs().max().item() <= tol * ref.abs().max().item()
    dout = torch.randn_like(ref)
    got = torch.autograd.grad(out, xs, dout.to(dtype))
    want = torch.autograd.grad(ref, xr, dout)
    for a, b in zip(got, want):
        assert a.dtype == dtype
        assert (a.double() - b).abs().max().item() <= tol * max(b.abs().max().item(), 1.0)


def test_non_contiguous_inputs():
    xs = inputs(10, requires_grad=False)
    nc = [x.transpose(2, 3).contiguous().transpose(2, 3) for x in xs]  # same values, (B, H, D, T) storage
    nc[0] = torch.stack([xs[0], xs[0]], dim=-1)[..., 0]  # strided view, stride 2 along D
    assert not any(t.is_contiguous() for t in nc)
    torch.testing.assert_close(two_simplicial_attention(*nc, w1=3, block_size=4),
                               two_simplicial_reference(*xs, w1=3), rtol=1e-10, atol=1e-12)


def test_causal_later_positions_never_change_earlier_outputs():
    T = 10
    xs = inputs(T, requires_grad=False)
    base = two_simplicial_attention(*xs, block_size=3)
    for t in range(T - 1):
        for k in range(5):
            ys = [x.clone() for x in xs]
            ys[k][:, :, t + 1:] = torch.randn_like(ys[k][:, :, t + 1:]) * 10
            out = two_simplicial_attention(*ys, block_size=3)
            torch.testing.assert_close(out[:, :, :t + 1], base[:, :, :t + 1], rtol=0, atol=1e-12)


def test_window_ignores_keys_outside_it():
    T, w1, w2 = 12, 3, 5
    xs = inputs(T, requires_grad=False)
    base = two_simplicial_attention(*xs, w1=w1, w2=w2, block_size=4)
    i = 9
    ys = [x.clone() for x in xs]
    ys[1][:, :, : i - w1 + 1] += 5.0  # k1 before i's window
    ys[3][:, :, : i - w1 + 1] += 5.0  # v1 likewise
    ys[2][:, :, : i - w2 + 1] += 5.0  # k2
    ys[4][:, :, : i - w2 + 1] += 5.0  # v2
    out = two_simplicial_attention(*ys, w1=w1, w2=w2, block_size=4)
    torch.testing.assert_close(out[:, :, i], base[:, :, i], rtol=0, atol=1e-12)


class LargestTensor(TorchDispatchMode):
    """Records the largest numel any op produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


@pytest.mark.parametrize("w", [None, 4])
def test_no_cubic_tensor_in_forward_or_backward(w):
    B, H, T, bs = 1, 2, 32, 2
    xs = inputs(T, B=B, H=H, dtype=torch.float32)
    with LargestTensor() as mode:
        two_simplicial_attention(*xs, w1=w, w2=w, block_size=bs).sum().backward()
    J = T if w is None else bs + w - 1
    assert mode.largest <= max(B * H * bs * J * J, B * H * T * 4)  # one block's (bq, J, L), or an input
    assert mode.largest < B * H * T**3 / 8


def test_saves_only_inputs_and_row_logsumexp_and_nothing_under_no_grad():
    B, H, T, D = 1, 2, 16, 4
    xs = inputs(T, B=B, H=H, D=D)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t.shape) or t, lambda t: t):
        two_simplicial_attention(*xs, block_size=4)
    assert saved and all(math.prod(s) <= B * H * T * D for s in saved)
    assert sorted(saved).count(torch.Size([B, H, T])) == 1  # the log-sum-exp
    with torch.no_grad():
        out = two_simplicial_attention(*xs)
    assert out.grad_fn is None and not out.requires_grad


def test_default_block_size_fits_budget_and_grows_for_windows():
    assert default_block_size(1, 4, 32) == 1
    budget = 2**20
    for T in (64, 300, 1024):
        bq = default_block_size(T, 4, 32, budget_bytes=budget)
        assert 1 <= bq <= T
        if bq > 1:
            assert 4 * bq * (2 * T * T + 6 * T * 32) * 4 <= budget
    assert default_block_size(512, 4, 32, w1=32, w2=32) > default_block_size(512, 4, 32)
    assert key_range(10, 14, 3) == (8, 14) and key_range(0, 4, 3) == (0, 4) and key_range(5, 9, None) == (0, 9)


@pytest.mark.parametrize("bad", [
    lambda xs: (xs[0][:, :, :-1], *xs[1:]),  # mismatched T
    lambda xs: (*xs[:4], xs[4].float()),  # mismatched dtype
    lambda xs: (xs[0][0], *xs[1:]),  # 3-D
    lambda xs: [x[:, :, :0] for x in xs],  # empty
    lambda xs: (xs[0].long(), *[x.long() for x in xs[1:]]),  # integer
    lambda xs: (xs[0].numpy(), *xs[1:]),  # not a tensor
])
def test_bad_inputs_raise(bad):
    xs = inputs(4, requires_grad=False)
    with pytest.raises(AttentionInputError):
        two_simplicial_attention(*bad(xs))


@pytest.mark.parametrize("kw", [{"w1": 0}, {"w2": -3}, {"w1": 2.5}, {"w1": True}, {"block_size": 0},
                                {"block_size": 1.5}])
def test_bad_windows_and_block_sizes_raise(kw):
    with pytest.raises(AttentionInputError):
        two_simplicial_attention(*inputs(4, requires_grad=False), **kw)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_cuda_matches_cpu(dtype):
    xs = inputs(33, D=8, dtype=torch.float32)
    xc = [x.detach().cuda().to(dtype).requires_grad_(True) for x in xs]
    out = two_simplicial_attention(*xc, w1=9, block_size=8)
    ref = two_simplicial_reference(*xs, w1=9)
    tol = 2e-5 if dtype == torch.float32 else 3e-2
    assert (out.float().cpu() - ref).abs().max().item() <= tol * ref.abs().max().item()
    dout = torch.randn_like(ref)
    for a, b in zip(torch.autograd.grad(out, xc, dout.cuda().to(dtype)), torch.autograd.grad(ref, xs, dout)):
        assert (a.float().cpu() - b).abs().max().item() <= tol * max(b.abs().max().item(), 1.0)


def test_autocast_does_not_change_the_kernel():
    """Under bf16 autocast the kernel keeps float32 in forward and backward: both match the float64 definition."""
    g = torch.Generator().manual_seed(3)
    ins = [torch.randn(1, 2, 9, 4, generator=g, requires_grad=True) for _ in range(5)]
    ref = two_simplicial_reference(*[t.double() for t in ins])
    ref_grads = torch.autograd.grad(ref.sum(), ins)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = two_simplicial_attention(*ins)
    grads = torch.autograd.grad(out.sum(), ins)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref.float(), rtol=1e-5, atol=1e-5)
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b.float(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("w1,w2", [(None, None), (3, 5), (6, 2)])
@pytest.mark.parametrize("bs", [1, 4, None])
def test_blockwise_leaky_mask_matches_the_definition(w1, w2, bs):
    """The exhibit's leaky mask (only j <= i) through the blockwise kernel: output and all five gradients equal the
    materialised definition in float64, so the leak is exact and never needs a (T, T, T) tensor."""
    g = torch.Generator().manual_seed(1)
    ins = [torch.randn(2, 2, 11, 4, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(5)]
    out = blockwise_two_simplicial(*ins, w1, w2, bs, mask="leaky")
    ref = two_simplicial_reference(*ins, w1=w1, w2=w2, mask="leaky")
    assert torch.allclose(out, ref, atol=1e-12, rtol=0)
    r = torch.randn(out.shape, generator=g, dtype=torch.float64)
    got = torch.autograd.grad((out * r).sum(), ins)
    want = torch.autograd.grad((ref * r).sum(), ins)
    assert all(torch.allclose(a, b, atol=1e-10, rtol=0) for a, b in zip(got, want))
    causal = blockwise_two_simplicial(*ins, w1, w2, bs)
    assert not torch.allclose(out, causal)  # the leak is real: later keys l change the output
