"""Fused Triton kernels for causal, windowed 2-simplicial attention (Roy et al. 2025, arXiv 2507.02754).

`from hoviz.kernels import simplicial_attention` imports Triton (lazily: the package itself does not, so that
`hoviz.mixers.simplicial` can ask `hoviz.kernels.dispatch` without it). On the CPU the kernels run under Triton's
interpreter (`TRITON_INTERPRET=1`, set before Triton is imported), which the tests use.
"""

_LAZY = {"SimplicialTriton": "autograd", "simplicial_attention": "autograd", "supports": "autograd",
         "Tile": "tuning", "Tiles": "tuning", "default_tiles": "tuning"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'hoviz.kernels' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"hoviz.kernels.{_LAZY[name]}"), name)
