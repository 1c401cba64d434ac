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
    bwd_q: Tile = Tile()  # dQ, dK1, dV1 in one pass (hoviz.kernels.backward_qk1): query rows x inner keys
    bwd_kv2: Tile = Tile()  # tile of k2/v2 keys (block_m) x query-row chunks (block_n), scalar loop over k1
    order: str = "auto"
    split: bool = True  # forward: tiles every row may fully read skip the mask
    fold: bool = True  # forward: v1_j ⊙ per inner tile (faster on the H200: forward-variants-h200.json) or per j
    diag: bool = False  # forward: outer loop over offsets a (row i takes j = i - a) instead of one key j for all rows


def default_tiles(D: int, G: int, *, windowed: bool = True, interpret: bool = False) -> Tiles:
    """Tiles for head dim D, G query heads per K/V head, windowed or full causal: the fastest of the H200 sweep
    (bf16, D = 128, T = 8192 at (w1, w2) = (32, 512); full causal at B = 64, H = 4, T = 512, D = 64; see
    benchmarks/triton-sweep/). Windowed rows that span several positions take the diagonal outer loop (`diag`).
    The interpreter gets the smallest tiles."""
    if interpret:
        t = Tile(16, 16, 1, 1)
        return Tiles(t, t, t)
    fwd = Tile(64, 64, 4, 3)
    if not windowed:
        t = Tile(64, 64, 4, 2)
        return Tiles(fwd, t, t)
    t = Tile(64, 32, 4, 3)
    diag = G < fwd.block_m  # rows of several positions: each row's own outer key (per-head: useful 0.30 -> 0.89)
    return Tiles(fwd, t, t, diag=diag)


def with_order(tiles: Tiles, order: str) -> Tiles:
    """The same tiles with another loop order ("auto", "j" or "l")."""
    return replace(tiles, order=order)
