"""The one registry of token mixers. Each mixer maps (B, T, C) -> (B, T, C) and is built from a GPTConfig.

Adding a mixer touches its own file and one line below.
"""

from __future__ import annotations

from torch import nn

from hoviz.errors import ConfigError
from hoviz.mixers.dense import DenseAttention
from hoviz.mixers.gated_triangle import GatedTriangleAttention
from hoviz.mixers.scn import SimplicialConvolution
from hoviz.mixers.simplicial import Simplicial2Attention

MIXERS: dict[str, type[nn.Module]] = {
    "dense": DenseAttention,
    "simplicial2": Simplicial2Attention,
    "gated_triangle": GatedTriangleAttention,
    "scn": SimplicialConvolution,
}
COMPLEX_MIXERS = ("gated_triangle", "scn")  # mixers that lift the tokens to a complex (their hook_complex)


def build_mixer(name: str, config) -> nn.Module:
    if name not in MIXERS:
        raise ConfigError(f"unknown mixer {name!r}; known mixers: {sorted(MIXERS)}")
    return MIXERS[name](config)
