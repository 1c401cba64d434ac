"""Hodge spectra of a display-form complex (eigenvalues of L0, L1, L2; zeros counted are the Betti numbers), and the
prefix of a complex that a causal layer's position i sees (vertices <= i, every simplex born at its largest vertex).

    spec = hodge_spectra(prefix_complex(cx, i)); spec.betti    # == betti_numbers(prefix_complex(cx, i))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hoviz.errors import TopologyError
from hoviz.topology.hodge import hodge_laplacians

ZERO = 1e-8  # eigenvalues of the integer Laplacians below this (relative to the largest, floor 1) count as zero


@dataclass(frozen=True)
class HodgeSpectra:
    """Sorted eigenvalues of L0 (V,), L1 (E,), L2 (F,) and the Betti numbers they give (dim ker L_k = β_k)."""

    eigenvalues: tuple[np.ndarray, np.ndarray, np.ndarray]
    betti: tuple[int, int, int]
    tolerance: float


def hodge_spectra(cx: dict, tol: float = ZERO) -> HodgeSpectra:
    """Eigenvalues of the Hodge Laplacians of `cx` (dense, float64) and the number of zero ones in each dimension.

    Examples
    --------
    >>> spec = hodge_spectra({"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": []})
    >>> spec.betti, spec.eigenvalues[0].round(6).tolist()
    ((1, 1, 0), [0.0, 3.0, 3.0])
    """
    eig = tuple(np.linalg.eigvalsh(L) if len(L) else np.zeros(0) for L in hodge_laplacians(cx))
    top = max([1.0] + [float(np.abs(e).max()) for e in eig if len(e)])
    betti = tuple(int((np.abs(e) < tol * top).sum()) for e in eig)
    return HodgeSpectra(eigenvalues=eig, betti=betti, tolerance=tol * top)


def prefix_complex(cx: dict, i: int) -> dict:
    """The subcomplex on vertices 0..i: what position i of a causal layer saw. Per-simplex arrays are kept aligned.

    Examples
    --------
    >>> cx = {"num_vertices": 4, "edges": [[0, 1], [1, 3]], "edge_weights": [0.5, 0.7], "triangles": []}
    >>> p = prefix_complex(cx, 2); p["num_vertices"], p["edges"].tolist(), p["edge_weights"].tolist()
    (3, [[0, 1]], [0.5])
    """
    n = int(cx["num_vertices"])
    if not 0 <= i < max(n, 1) or n == 0:
        raise TopologyError(f"position {i} is outside the complex's vertices 0..{n - 1}")
    edges = np.asarray(cx.get("edges", np.zeros((0, 2))), dtype=np.int64).reshape(-1, 2)
    tris = np.asarray(cx.get("triangles", np.zeros((0, 3))), dtype=np.int64).reshape(-1, 3)
    keep_e, keep_t = edges.max(1, initial=-1) <= i, tris.max(1, initial=-1) <= i
    out = {k: v for k, v in cx.items() if k not in ("edges", "triangles")}
    out.update(num_vertices=i + 1, edges=edges[keep_e], triangles=tris[keep_t])
    for key, value in cx.items():
        arr = np.asarray(value) if isinstance(value, (list, np.ndarray)) else None
        if arr is None or key in ("edges", "triangles") or arr.ndim == 0:
            continue
        if key.startswith("edge") and len(arr) == len(edges):
            out[key] = arr[keep_e]
        elif key.startswith("triangle") and len(arr) == len(tris):
            out[key] = arr[keep_t]
        elif key.startswith("vertex") and len(arr) == n:
            out[key] = arr[: i + 1]
    return out


__all__ = ["ZERO", "HodgeSpectra", "hodge_spectra", "prefix_complex"]
