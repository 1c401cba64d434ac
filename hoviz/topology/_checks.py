"""Input checks for hoviz.topology: every bad input becomes one `TopologyError` before gudhi sees it.

gudhi is C++ and some inputs (NaN filtrations, absurd sizes) can take the whole process down, so matrices, radii,
caps and graphs are validated here, with messages that say what was wrong and what was expected.
"""

from __future__ import annotations

import numbers

import networkx as nx
import numpy as np

from hoviz.errors import TopologyError

MAX_TOKENS = 1024  # persistence does ~T^3 work: beyond this it is refused, not attempted


def as_square_matrix(a, name: str = "matrix") -> np.ndarray:
    """A numpy or torch (T, T) array as a float64 numpy copy, finite; TopologyError otherwise."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch.Tensor, without importing torch
        if a.is_complex():
            raise TopologyError(f"{name} must be real; got a complex tensor")
        a = a.detach().cpu().double().numpy()
    if np.iscomplexobj(a):
        raise TopologyError(f"{name} must be real; got a complex array")
    try:
        m = np.array(a, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TopologyError(f"{name} must be a numeric (T, T) array ({err})") from None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise TopologyError(f"{name} must be a square (T, T) array; got shape {m.shape}")
    if not np.isfinite(m).all():
        raise TopologyError(f"{name} has {int((~np.isfinite(m)).sum())} NaN or infinite entries")
    return m


def check_attention(a) -> np.ndarray:
    """An attention map (T, T) with weights in [0, 1], as float64."""
    m = as_square_matrix(a, "attention map")
    if m.size and (m.min() < 0.0 or m.max() > 1.0):
        raise TopologyError(f"attention weights must lie in [0, 1]; got values in [{m.min():.4g}, {m.max():.4g}]")
    return m


def check_distance(d, upper: float | None = None) -> np.ndarray:
    """A distance matrix: symmetric, zero diagonal, entries >= 0 (and <= `upper` if given), as float64."""
    m = as_square_matrix(d, "distance matrix")
    if m.size == 0:
        return m
    if m.min() < 0.0:
        raise TopologyError(f"distances must be >= 0; the smallest entry is {m.min():.4g}")
    if upper is not None and m.max() > upper:
        raise TopologyError(f"distances must be <= {upper}; the largest entry is {m.max():.4g} "
                            "(attention distances 1 - max(A, A^T) always are)")
    if np.abs(np.diag(m)).max() > 0.0:
        raise TopologyError("a distance matrix must have a zero diagonal")
    if not np.allclose(m, m.T, rtol=0.0, atol=1e-9):
        raise TopologyError(f"a distance matrix must be symmetric; max |D - D^T| = {np.abs(m - m.T).max():.3g}")
    return np.maximum(m, m.T)  # exact symmetry (a no-op for symmetric input)


def check_radius(r, name: str = "radius") -> float:
    """A radius in [0, 1] (attention distances live there)."""
    if isinstance(r, bool) or not isinstance(r, numbers.Real) or not (0.0 <= float(r) <= 1.0):
        raise TopologyError(f"{name} must be a number in [0, 1]; got {r!r}")
    return float(r)


def check_radii(radii) -> np.ndarray:
    """A 1-D array of radii, each in [0, 1]."""
    try:
        r = np.array(radii, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as err:
        raise TopologyError(f"radii must be numbers in [0, 1] ({err})") from None
    if not np.isfinite(r).all() or (r.size and (r.min() < 0.0 or r.max() > 1.0)):
        raise TopologyError(f"radii must be numbers in [0, 1]; got {radii!r}")
    return r


def check_count(k, name: str, minimum: int = 1, allow_none: bool = True) -> int | None:
    """An integer >= `minimum` (None allowed when `allow_none`): caps, iteration counts."""
    if k is None and allow_none:
        return None
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < minimum:
        raise TopologyError(f"{name} must be an integer >= {minimum}" + (" or None" if allow_none else "")
                            + f"; got {k!r}")
    return int(k)


def check_dim(d, allowed: tuple[int, ...], name: str = "max_dim") -> int:
    """A homology / simplex dimension from `allowed`."""
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or int(d) not in allowed:
        raise TopologyError(f"{name} must be one of {allowed}; got {d!r}")
    return int(d)


def check_graph(g, name: str = "graph") -> nx.Graph:
    """A simple undirected networkx graph: no directions, no parallel edges, no self-loops."""
    if not isinstance(g, nx.Graph):
        raise TopologyError(f"{name} must be a networkx.Graph; got {type(g).__name__}")
    if g.is_directed():
        raise TopologyError(f"{name} must be undirected; got a directed graph (use g.to_undirected())")
    if g.is_multigraph():
        raise TopologyError(f"{name} must be a simple graph; got a multigraph (use nx.Graph(g))")
    loops = nx.number_of_selfloops(g)
    if loops:
        raise TopologyError(f"{name} has {loops} self-loop(s); remove them (g.remove_edges_from(nx.selfloop_edges(g)))")
    return g


def check_size(T: int, limit: int = MAX_TOKENS) -> None:
    """Refuse more points than a computation can handle in reasonable time and memory."""
    if T > limit:
        raise TopologyError(f"{T} points are more than this computation accepts ({limit}); use a shorter prompt "
                            "or a window of it")
