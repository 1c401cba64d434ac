"""Boundary matrices and Hodge Laplacians of a 2-dimensional simplicial complex (docs/theory.md §4.4).

Orientation, vertices a < b < c: ∂[a,b] = b - a, ∂[a,b,c] = [b,c] - [a,c] + [a,b]. B1 is (V, E), B2 is (E, F),
B1·B2 = 0, and L0 = B1 B1ᵀ, L1 = B1ᵀB1 + B2 B2ᵀ, L2 = B2ᵀB2 with dim ker L_k = β_k. Columns follow the order
of the complex's ``edges`` and ``triangles``. Dense numpy by default; torch sparse COO for large complexes.
"""

from __future__ import annotations

import warnings

import numpy as np

from hoviz.errors import TopologyError

MAX_DENSE = 6000  # largest side of a dense matrix returned (~290 MB of float64); beyond it use sparse=True


def incidence(cx: dict) -> tuple[tuple[int, int, int], tuple, tuple]:
    """Sizes (V, E, F) and the nonzeros (rows, cols, values) of B1 and B2 of a display-form complex."""
    V = int(cx["num_vertices"])
    edges = np.asarray(cx.get("edges", np.zeros((0, 2))), dtype=np.int64).reshape(-1, 2)
    tris = np.asarray(cx.get("triangles", np.zeros((0, 3))), dtype=np.int64).reshape(-1, 3)
    E, F = len(edges), len(tris)
    if E and (edges.min() < 0 or edges.max() >= V or (edges[:, 0] >= edges[:, 1]).any()):
        raise TopologyError(f"edges must be rows (a, b) with 0 <= a < b < {V}")
    if F and (tris.min() < 0 or tris.max() >= V or (np.diff(tris, axis=1) <= 0).any()):
        raise TopologyError(f"triangles must be rows (a, b, c) with 0 <= a < b < c < {V}")
    key = edges[:, 0] * V + edges[:, 1]
    order = np.argsort(key, kind="stable")
    if E and (np.diff(key[order]) == 0).any():
        raise TopologyError("the complex lists an edge twice")

    def edge_index(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = u * V + v
        pos = np.minimum(np.searchsorted(key[order], k), max(E - 1, 0))
        if len(k) and (E == 0 or (key[order][pos] != k).any()):
            raise TopologyError("a triangle has an edge that is not in the complex's edge list")
        return order[pos]

    cols1 = np.repeat(np.arange(E), 2)
    b1 = (edges.ravel(), cols1, np.tile([-1.0, 1.0], E))  # ∂[a,b] = b - a
    a_, b_, c_ = tris.T
    rows2 = np.stack([edge_index(b_, c_), edge_index(a_, c_), edge_index(a_, b_)], axis=1).ravel()
    b2 = (rows2, np.repeat(np.arange(F), 3), np.tile([1.0, -1.0, 1.0], F))  # [b,c] - [a,c] + [a,b]
    return (V, E, F), b1, b2


def boundary_matrices(cx: dict) -> tuple[np.ndarray, np.ndarray]:
    """Dense boundary matrices B1 (V, E) and B2 (E, F) of a display-form complex.

    Examples
    --------
    >>> B1, B2 = boundary_matrices({"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": [[0, 1, 2]]})
    >>> B1.astype(int).tolist(), B2.ravel().astype(int).tolist(), bool((B1 @ B2 == 0).all())
    ([[-1, -1, 0], [1, 0, -1], [0, 1, 1]], [1, -1, 1], True)
    """
    (V, E, F), b1, b2 = incidence(cx)
    _check_dense(V, E, F)
    B1, B2 = np.zeros((V, E)), np.zeros((E, F))
    B1[b1[0], b1[1]] = b1[2]
    B2[b2[0], b2[1]] = b2[2]
    return B1, B2


def hodge_laplacians(cx: dict, sparse: bool = False) -> tuple:
    """Hodge Laplacians (L0, L1, L2) of a display-form complex: (V, V), (E, E), (F, F).

    Parameters
    ----------
    cx : dict
        ``num_vertices``, ``edges`` (E, 2) rows a < b, ``triangles`` (F, 3) rows a < b < c whose edges are listed.
    sparse : bool
        Return torch sparse COO float64 tensors instead of dense numpy arrays (for large complexes).

    Examples
    --------
    >>> L0, L1, L2 = hodge_laplacians({"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": []})
    >>> L0.astype(int).tolist(), int(np.sum(np.linalg.eigvalsh(L1) < 1e-9)), L2.shape
    ([[2, -1, -1], [-1, 2, -1], [-1, -1, 2]], 1, (0, 0))
    """
    if sparse:
        return _sparse_laplacians(cx)
    B1, B2 = boundary_matrices(cx)
    return B1 @ B1.T, B1.T @ B1 + B2 @ B2.T, B2.T @ B2


def _sparse_laplacians(cx: dict) -> tuple:
    import torch  # only this path needs torch

    (V, E, F), b1, b2 = incidence(cx)

    def coo(nz, shape):
        idx = torch.as_tensor(np.stack([nz[0], nz[1]]), dtype=torch.int64)
        return torch.sparse_coo_tensor(idx, torch.as_tensor(nz[2]), shape, check_invariants=True).coalesce()

    B1, B2 = coo(b1, (V, E)), coo(b2, (E, F))
    with warnings.catch_warnings():  # torch calls its sparse-sparse product "beta"
        warnings.simplefilter("ignore", UserWarning)
        mm = torch.sparse.mm
        return (mm(B1, B1.t()).coalesce(), (mm(B1.t(), B1) + mm(B2, B2.t())).coalesce(), mm(B2.t(), B2).coalesce())


def _check_dense(V: int, E: int, F: int) -> None:
    if max(V, E, F) > MAX_DENSE:
        raise TopologyError(f"a complex with {V} vertices, {E} edges, {F} triangles is too large for dense "
                            f"matrices (limit {MAX_DENSE} per side); use hodge_laplacians(cx, sparse=True)")


__all__ = ["boundary_matrices", "hodge_laplacians", "incidence"]
