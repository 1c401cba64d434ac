"""Whether `two_simplicial_attention` hands a call to the fused Triton kernel (`hoviz.kernels.autograd`).

Yes for CUDA tensors the kernel supports when Triton imports, unless HOVIZ_TRITON=0 is set (which keeps the PyTorch
path, e.g. to compare the two), or inside `pytorch_path()` (FlopCounterMode sees no Triton kernel, so counting
runs there). Imports Triton only when asked, so CPU-only installs never need it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os

_PYTORCH_ONLY = contextvars.ContextVar("hoviz_pytorch_only", default=False)


@contextlib.contextmanager
def pytorch_path():
    """Within this block (this thread or task only), `two_simplicial_attention` keeps the PyTorch path."""
    token = _PYTORCH_ONLY.set(True)
    try:
        yield
    finally:
        _PYTORCH_ONLY.reset(token)


@functools.lru_cache(maxsize=1)
def _module():
    try:
        import hoviz.kernels.autograd as fused
    except ImportError:  # no Triton (or one too old for the kernels): the PyTorch path
        return None
    return fused


def fused_kernel(q):
    """`simplicial_attention` if the fused kernel should run on q (B, H, T, D), else None."""
    if not q.is_cuda or os.environ.get("HOVIZ_TRITON", "1") == "0" or _PYTORCH_ONLY.get():
        return None
    fused = _module()
    return fused.simplicial_attention if fused is not None and fused.supports(q) else None
