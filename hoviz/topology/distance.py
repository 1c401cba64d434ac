"""Distances between tokens: from an attention map (Kushnareva et al., EMNLP 2021) or from a point cloud.

An attention weight becomes a distance D = 1 - max(A, A^T): an edge appears as soon as either direction attends,
and a zero weight is the largest distance, 1. Point clouds (the residual stream of a prompt, T x C) use Euclidean
or cosine distance. Everything is float64 so that every filtration value is exactly reproducible.
"""

from __future__ import annotations

import numpy as np

from hoviz.errors import TopologyError
from hoviz.topology._checks import check_attention

METRICS = ("euclidean", "cosine")


def attention_distance(A) -> np.ndarray:
    """Distance matrix D = 1 - max(A, A^T) with a zero diagonal, of a (T, T) attention map.

    Parameters
    ----------
    A : numpy array or torch tensor, (T, T)
        Attention weights in [0, 1] (a causal map is lower-triangular; that is fine).

    Returns
    -------
    numpy.ndarray, (T, T), float64
        Symmetric, zero diagonal, entries in [0, 1].

    Examples
    --------
    >>> attention_distance([[1.0, 0.0], [0.75, 0.25]])
    array([[0.  , 0.25],
           [0.25, 0.  ]])
    """
    a = check_attention(A)
    D = 1.0 - np.maximum(a, a.T)
    np.fill_diagonal(D, 0.0)
    return D


def point_distance(X, metric: str = "euclidean") -> np.ndarray:
    """Pairwise distances (T, T) of a point cloud X (T, C): ``"euclidean"`` or ``"cosine"`` (1 - cos, in [0, 2]).

    Examples
    --------
    >>> point_distance([[0.0, 0.0], [3.0, 4.0]])
    array([[0., 5.],
           [5., 0.]])
    >>> point_distance([[1.0, 0.0], [0.0, 2.0]], metric="cosine")
    array([[0., 1.],
           [1., 0.]])
    """
    if metric not in METRICS:
        raise TopologyError(f"metric must be one of {METRICS}; got {metric!r}")
    x = _points(X)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1)
        if (norms == 0).any():
            zero = np.flatnonzero(norms == 0)[:5].tolist()
            raise TopologyError(f"cosine distance is undefined for zero vectors (rows {zero})")
        u = x / norms[:, None]
        D = np.clip(1.0 - u @ u.T, 0.0, 2.0)
    else:
        D = np.empty((len(x), len(x)))
        step = max(1, (1 << 22) // max(x.size, 1))  # rows per chunk: (step, T, C) differences at a time
        for s in range(0, len(x), step):
            diff = x[s:s + step, None, :] - x[None, :, :]  # exact differences, not the Gram-matrix shortcut
            D[s:s + step] = np.sqrt(np.einsum("ijc,ijc->ij", diff, diff))
    D = np.maximum(D, D.T)  # exact symmetry
    np.fill_diagonal(D, 0.0)
    return D


def _points(X) -> np.ndarray:
    if hasattr(X, "detach") and hasattr(X, "cpu"):
        X = X.detach().cpu().double().numpy()
    try:
        x = np.array(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TopologyError(f"a point cloud must be a numeric (T, C) array ({err})") from None
    if x.ndim != 2:
        raise TopologyError(f"a point cloud must be a (T, C) array; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise TopologyError("the point cloud has NaN or infinite coordinates")
    return x


__all__ = ["METRICS", "attention_distance", "point_distance"]
