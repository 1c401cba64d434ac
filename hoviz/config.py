"""`GPTConfig`: the one dataclass that describes a hoviz model; it is saved in every checkpoint and rebuilt from it.

A model is a nanoGPT-style stack of pre-LayerNorm blocks whose token mixer is chosen per layer by name
(`dense`, `simplicial2`, `gated_triangle`, `scn`; see `hoviz.mixers`). Unknown keys are refused, never ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hoviz.errors import ConfigError


@dataclass
class GPTConfig:
    vocab_size: int = 96
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    mixers: list[str] = field(default_factory=lambda: ["dense"] * 4)  # one mixer name per layer
    # simplicial2: windows (None = full causal), the fallback biases k2 += 1/D, v2 += 1 (FBGEMM's reference),
    # and the mask: "causal" (j <= i and l <= i) or "leaky" (only j <= i: the classic bug, kept as an exhibit).
    s2_window1: int | None = None
    s2_window2: int | None = None
    s2_fallback_bias: bool = True
    s2_mask: str = "causal"
    # gated_triangle and scn: Vietoris-Rips radius on d = 1 - a, and the caps on edges / triangles born at each token.
    scn_radius: float = 0.9
    scn_max_edges: int = 8
    scn_max_triangles: int = 8
    scn_order: int = 2  # scn: order K of the Hodge-Laplacian polynomial filters (powers 0..K)

    def __post_init__(self) -> None:
        self.mixers = list(self.mixers)
        if len(self.mixers) != self.n_layer:
            raise ConfigError(f"mixers lists {len(self.mixers)} names but n_layer is {self.n_layer}: give one per layer")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd", "scn_max_edges", "scn_max_triangles",
                     "scn_order"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("s2_window1", "s2_window2"):
            w = getattr(self, name)
            if w is not None and w < 1:
                raise ConfigError(f"{name} must be a positive window or None, got {w}")
        if self.s2_mask not in ("causal", "leaky"):
            raise ConfigError(f"s2_mask must be 'causal' or 'leaky', got {self.s2_mask!r}")
        if not 0.0 <= self.scn_radius <= 1.0:
            raise ConfigError(f"scn_radius must lie in [0, 1], got {self.scn_radius}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GPTConfig:
        return build_dataclass(cls, d)


def build_dataclass(cls, d: dict):
    """Build dataclass `cls` from `d`, refusing keys it does not have (a typo must not silently train the wrong model)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} key(s) {unknown}; valid keys: {sorted(names)}")
    try:
        return cls(**d)
    except TypeError as e:
        raise ConfigError(f"bad {cls.__name__}: {e}") from e
