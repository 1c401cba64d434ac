"""Vietoris-Rips persistence of attention maps and point clouds (Kushnareva et al. 2021; Perez & Reinauer 2022).

Attention convention: the filtration of D = 1 - max(A, A^T) ends at 1 (the distance of a zero weight); classes
still alive at 1 die at 1, except the one H0 class of the whole complex (death inf). The result equals a plain,
full gudhi Rips computation of the same matrix exactly (`reference_rips_persistence`), only much faster.
    >>> persistence_of_attention(np.eye(3))[0].tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, inf]]
"""

from __future__ import annotations

import gudhi
import numpy as np

from hoviz.errors import TopologyError
from hoviz.topology._checks import MAX_TOKENS, check_dim, check_distance, check_size
from hoviz.topology.distance import attention_distance, point_distance
from hoviz.topology.flag import flag_persistence

DIMS = (0, 1, 2)
MAX_TOKENS_REFERENCE = 384  # the full complex has T^3 / 6 triangles: 9.4M at 384, several GB soon after


def rips_persistence(D, max_dim: int = 1, end: float = np.inf) -> dict[int, np.ndarray]:
    """Vietoris-Rips persistence diagrams {k: (n, 2)} of a distance matrix, k = 0..max_dim.

    Parameters
    ----------
    D : (T, T) array
        Symmetric distances >= 0 with a zero diagonal.
    max_dim : int
        0, 1 or 2. H0 and H1 are fast (pruned complex); H2 uses gudhi's edge collapse and is slower.
    end : float
        The filtration's last value (1 for attention distances, inf for point clouds): classes alive at `end`
        die there, except the one H0 class of the whole complex.

    Returns
    -------
    dict of int to numpy.ndarray
        (n, 2) rows (birth, death) sorted; (0, 2) when there are none.

    Examples
    --------
    >>> rips_persistence([[0, 1, 1], [1, 0, 1], [1, 1, 0]])[0].tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, inf]]
    """
    max_dim = check_dim(max_dim, DIMS)
    end = float(end)
    if not end > 0:  # also rejects NaN
        raise TopologyError(f"end must be > 0 (or inf); got {end!r}")
    F = check_distance(D, upper=end if np.isfinite(end) else None)
    check_size(len(F), MAX_TOKENS)
    return flag_persistence(F, max_dim, end)


def persistence_of_attention(A, max_dim: int = 1) -> dict[int, np.ndarray]:
    """Persistence diagrams of an attention map's distance D = 1 - max(A, A^T), ending at 1.

    Parameters
    ----------
    A : numpy array or torch tensor, (T, T)
        Attention weights in [0, 1].
    max_dim : int
        Highest homology dimension (0, 1 or 2).

    Returns
    -------
    dict of int to numpy.ndarray
        {0: H0 bars, 1: H1 bars, ...}, each (n, 2). Finite H0 deaths are 1 - the weights of the maximum
        spanning tree of max(A, A^T); T = 0 gives empty (0, 2) arrays.

    Examples
    --------
    >>> A = np.array([[1.0, 0.0, 0.0], [0.75, 0.25, 0.0], [0.5, 0.25, 0.25]])
    >>> persistence_of_attention(A)[0].tolist()
    [[0.0, 0.25], [0.0, 0.5], [0.0, inf]]
    """
    return rips_persistence(attention_distance(A), max_dim, end=1.0)


def persistence_of_points(X, metric: str = "euclidean", max_dim: int = 1) -> dict[int, np.ndarray]:
    """Persistence diagrams of a point cloud X (T, C), e.g. the residual stream of a prompt.

    Parameters
    ----------
    X : numpy array or torch tensor, (T, C)
    metric : str
        ``"euclidean"`` or ``"cosine"``.
    max_dim : int
        Highest homology dimension (0, 1 or 2).

    Examples
    --------
    >>> square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> persistence_of_points(square)[1].round(3).tolist()
    [[1.0, 1.414]]
    """
    return rips_persistence(point_distance(X, metric), max_dim, end=np.inf)


def reference_rips_persistence(D, max_dim: int = 1) -> dict[int, np.ndarray]:
    """The plain, full gudhi computation (every simplex up to dimension max_dim + 1): slow, for checks and bench.

    With D <= 1 it follows the attention convention by itself: at 1 the complex is a full simplex. One change from
    gudhi's defaults: when the complex has no simplex above max_dim (T <= max_dim + 1) the top dimension is
    computed too, so that a single token keeps its H0 class [0, inf) (gudhi alone returns nothing for T = 1).

    Examples
    --------
    >>> reference_rips_persistence([[0, 1, 1], [1, 0, 1], [1, 1, 0]])[0].tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, inf]]
    """
    max_dim = check_dim(max_dim, DIMS)
    F = check_distance(D)
    check_size(len(F), MAX_TOKENS_REFERENCE)
    st = gudhi.RipsComplex(distance_matrix=F).create_simplex_tree(max_dimension=max_dim + 1)
    st.persistence(persistence_dim_max=st.dimension() <= max_dim)  # T = 1: gudhi would skip the lone H0 class
    out = {}
    for k in range(max_dim + 1):
        d = np.asarray(st.persistence_intervals_in_dimension(k), dtype=np.float64).reshape(-1, 2)
        out[k] = d[np.lexsort((d[:, 1], d[:, 0]))]
    return out


__all__ = ["persistence_of_attention", "persistence_of_points", "reference_rips_persistence", "rips_persistence"]
