"""Tile sweep of the fused Triton 2-simplicial kernels on a GPU: forward and backward launch shapes, both loop orders.

For one shape, times the forward under each candidate forward tile, then forward+backward under each candidate
backward tile (forward fixed at the best), and writes every timing. Run: `python -m hoviz.bench.triton_tiles --out F`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace

import torch

from hoviz.bench.triton import Row, _fmt, measure, useful_fraction
from hoviz.kernels.tuning import Tile, Tiles, default_tiles

# forward candidates per loop order (in the "l" order the small window's keys come in tiles: small ones waste less)
FWD = {"j": [Tile(64, 64, 4, 3), Tile(64, 64, 4, 4), Tile(64, 128, 4, 3), Tile(32, 64, 4, 3)],
       "l": [Tile(64, 32, 4, 3), Tile(32, 32, 4, 3)]}
# per-head windowed: the diagonal outer loop (every row's outer key allowed), so larger row blocks waste little
DIAG = [Tile(64, 64, 4, 3), Tile(64, 128, 4, 3), Tile(128, 64, 8, 3), Tile(128, 128, 8, 2), Tile(64, 64, 4, 4)]
BWD = [Tile(64, 64, 4, 2), Tile(32, 64, 4, 2), Tile(64, 32, 4, 3)]  # both backward kernels
SHAPES = {  # name -> (layout, B, Hq, Hkv, T, D, w1, w2)
    "grouped-d128": ("grouped", 4, 64, 1, 8192, 128, 32, 512),
    "perhead-d128": ("per-head", 4, 16, 16, 8192, 128, 32, 512),
    "grouped-d64": ("grouped", 4, 64, 1, 8192, 64, 32, 512),
    "zoo-512": ("per-head", 64, 4, 4, 512, 64, None, None),
    "zoo-128": ("per-head", 64, 4, 4, 128, 64, None, None),
}


def best_tiles(rows: list[dict], passes: str) -> Tiles | None:
    """The fastest measured tiles of these sweep rows for one pass."""
    done = [r for r in rows if r["passes"] == passes and r["ms"]]
    if not done:
        return None
    spec = min(done, key=lambda r: r["ms"])["tiles_spec"]
    return Tiles(**{k: Tile(**v) if isinstance(v, dict) else v for k, v in spec.items()})


def sweep_shape(name: str, orders=("j", "l"), fwd=FWD, bwd=BWD, reps=5) -> list[dict]:
    """Every candidate on one shape; returns rows as dicts (best forward first used for the backward sweep).
    Per-head windowed shapes also try the diagonal outer loop (`Tiles.diag`) with the smaller window outside."""
    layout, B, Hq, Hkv, T, D, w1, w2 = SHAPES[name]
    base = default_tiles(D, Hq // Hkv)
    orders = orders[:1] if layout == "grouped" else orders  # a head group fills the rows: the small window outside
    out = []

    def run(tiles, passes):
        r = Row("triton", layout, passes, B, Hq, Hkv, T, D, w1, w2, tiles=str(tiles))
        r.useful_fraction = round(useful_fraction(T, Hq // Hkv, w1, w2, tiles.fwd.block_m, tiles.fwd.block_n,
                                                    tiles.diag), 3)
        measure(r, tiles=tiles, reps=reps)
        print(f"[{name}] {_fmt(r)}", flush=True)
        out.append({"shape": name, **asdict(r), "tiles_spec": asdict(tiles)})
        return r

    candidates = [(t, order, False) for order in orders for t in fwd[order]]
    if layout == "per-head" and (w1 is not None or w2 is not None):
        candidates += [(t, "auto", True) for t in DIAG]
    best = None
    for t, order, diag in candidates:
        r = run(replace(base, fwd=t, order=order, diag=diag), "forward")
        if r.ms and (best is None or r.ms < best[0]):
            best = (r.ms, t, order, diag)
    if best is None:
        return out
    _, t_fwd, order, diag = best
    for t in bwd:  # one tile for both backward kernels at a time
        run(Tiles(t_fwd, t, t, order, diag=diag), "forward+backward")
    return out


def forward_variants(name: str, reps: int = 10) -> list[dict]:
    """The forward's SPLIT (unmasked interior tiles) and FOLD (v1 per tile) variants at the default tiles, the
    default measured first and last (its spread is the noise)."""
    layout, B, Hq, Hkv, T, D, w1, w2 = SHAPES[name]
    base = default_tiles(D, Hq // Hkv, windowed=w1 is not None or w2 is not None)
    out = []
    for split, fold in ((True, False), (False, False), (True, True), (False, True), (True, False)):
        tiles = replace(base, split=split, fold=fold)
        r = measure(Row("triton", layout, "forward", B, Hq, Hkv, T, D, w1, w2, tiles=str(tiles)), tiles=tiles,
                    reps=reps)
        print(f"[{name}] split={split} fold={fold} {_fmt(r)}", flush=True)
        out.append({"shape": name, "split": split, "fold": fold, **asdict(r)})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m hoviz.bench.triton_tiles", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, of {list(SHAPES)}")
    p.add_argument("--variants", action="store_true", help="the forward's split/fold variants instead")
    a = p.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device", file=sys.stderr)
        return 2
    rows = []
    for name in a.shapes.split(","):
        rows += forward_variants(name) if a.variants else sweep_shape(name)
        with open(a.out, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
