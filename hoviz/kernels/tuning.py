"""Launch shapes of the Triton 2-simplicial kernels: tile sizes, warps and pipeline depth per kernel.

`default_tiles` picks them from the head dim, the head group and the device; `python -m hoviz.kernels.device_run`
sweeps alternatives on a GPU. On the CPU (Triton's interpreter, `TRITON_INTERPRET=1`) the smallest tiles are used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Tile:
    """One kernel's launch shape: rows per program (block_m), inner keys per tile (block_n), warps, stages."""

    block_m: int = 64
    block_n: int = 64
    warps: int = 4
    stages: int = 2


@dataclass(frozen=True)
class Tiles:
    """Launch shapes of the kernels; `order` "j" keeps k1 (window w1) in the scalar outer loop, "l" swaps."""

    fwd: Tile = Tile()
    bwd_q: Tile = Tile()
    bwd_kv2: Tile = Tile()  # tile of k2/v2 keys (block_m) x query-row chunks (block_n), scalar loop over k1
    bwd_kv1: Tile = Tile()  # dK1/dV1: "rows" kernel (block_m rows, block_n inner keys) or the swapped tile kernel
    order: str = "auto"
    kv1: str = "rows"  # "rows" (one program per outer key) or "tiles" (bwd_kv2's kernel with the roles swapped)


def default_tiles(D: int, G: int, *, interpret: bool = False) -> Tiles:
    """Tiles for head dim D and G query heads per K/V head (measured on an H200, bf16; see benchmarks/)."""
    if interpret:
        t = Tile(16, 16, 1, 1)
        return Tiles(t, t, t, t)
    fwd = Tile(128 if G >= 2 else 64, 64, 8 if D == 128 and G >= 2 else 4, 3)
    bwd_q = Tile(64, 64, 4, 2)
    bwd_kv = Tile(64, 64, 4, 2)
    return Tiles(fwd, bwd_q, bwd_kv, bwd_kv)


def with_order(tiles: Tiles, order: str) -> Tiles:
    """The same tiles with another loop order ("auto", "j" or "l")."""
    return replace(tiles, order=order)
