"""The complex a simplicial-convolution mixer actually built, turned into the display form `lift` returns.

The trace (hoviz.trace.Trace.complex, one batch element) has edges (j, i) with j < i, triangles (j, k, i) sorted,
and their weights. Here it is checked and put in lexicographic order, so that the app draws, counts Betti numbers
of and builds Laplacians from exactly what the model used.
"""

from __future__ import annotations

import numpy as np

from hoviz.errors import TopologyError

KEYS = ("num_vertices", "edges", "edge_weights", "triangles", "triangle_weights")


def complex_from_trace(d) -> dict:
    """A traced complex (a `hoviz.records.TracedComplex`, or a dict of its fields) as a display-form dict (like
    `lift`'s, with weights instead of filtration values).

    Parameters
    ----------
    d : dict
        ``num_vertices`` T; ``edges`` (E, 2) ints (j, i), j < i; ``edge_weights`` (E,); ``triangles`` (F, 3)
        sorted ints (j, k, i); ``triangle_weights`` (F,). numpy arrays or torch tensors.

    Returns
    -------
    dict
        ``num_vertices``, ``edges`` (E, 2) int64 and ``edge_weights`` (E,) float64 in lexicographic order,
        ``triangles`` (F, 3) and ``triangle_weights`` (F,) likewise, ``max_dim`` 2.

    Examples
    --------
    >>> cx = complex_from_trace({"num_vertices": 3, "edges": [[1, 2], [0, 2], [0, 1]], "edge_weights": [.5, .6, .7],
    ...                          "triangles": [[0, 1, 2]], "triangle_weights": [.21]})
    >>> cx["edges"].tolist(), cx["edge_weights"].tolist()
    ([[0, 1], [0, 2], [1, 2]], [0.7, 0.6, 0.5])
    """
    if hasattr(d, "as_dict"):
        d = d.as_dict()
    if not isinstance(d, dict):
        raise TopologyError(f"a traced complex is a dict with keys {KEYS}; got {type(d).__name__}")
    missing = [k for k in KEYS if k not in d]
    if missing:
        raise TopologyError(f"the traced complex lacks {missing}; expected keys {KEYS}")
    T = _count(d["num_vertices"])
    if T is None:
        raise TopologyError(f"num_vertices must be an integer >= 0; got {d['num_vertices']!r}")
    edges, ew = _simplices(d["edges"], 2, "edges"), _weights(d["edge_weights"], "edge_weights")
    tris, tw = _simplices(d["triangles"], 3, "triangles"), _weights(d["triangle_weights"], "triangle_weights")
    for name, s, w in (("edges", edges, ew), ("triangles", tris, tw)):
        if len(s) != len(w):
            raise TopologyError(f"{len(s)} {name} but {len(w)} weights")
        if len(s) and (s.min() < 0 or s.max() >= T or (np.diff(s, axis=1) <= 0).any()):
            raise TopologyError(f"{name} must be rows of increasing token indices in [0, {T})")
    e_order, t_order = np.lexsort(edges.T[::-1]), np.lexsort(tris.T[::-1])
    edges, ew, tris, tw = edges[e_order], ew[e_order], tris[t_order], tw[t_order]
    key = edges[:, 0] * max(T, 1) + edges[:, 1]
    if (np.diff(key) == 0).any() or (np.diff(tris, axis=0) == 0).all(axis=1).any():
        raise TopologyError("the traced complex lists a simplex twice")
    faces = np.concatenate([tris[:, [0, 1]], tris[:, [0, 2]], tris[:, [1, 2]]])
    if len(faces) and not np.isin(faces[:, 0] * max(T, 1) + faces[:, 1], key).all():
        raise TopologyError("a traced triangle has an edge that is not among the traced edges")
    return {"num_vertices": T, "edges": edges, "edge_weights": ew, "triangles": tris, "triangle_weights": tw,
            "max_dim": 2}


def _count(x) -> int | None:
    """x as an int >= 0 (Python, numpy or 0-d torch), else None."""
    if hasattr(x, "item") and getattr(x, "ndim", 0) == 0:
        x = x.item()
    ok = isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x >= 0
    return int(x) if ok else None


def _simplices(x, width: int, name: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.size == 0:
        return np.zeros((0, width), np.int64)
    if a.ndim != 2 or a.shape[1] != width or not (np.issubdtype(a.dtype, np.integer)):
        raise TopologyError(f"{name} must be an int array of shape (n, {width}); got {a.dtype} {a.shape}")
    return a.astype(np.int64)


def _weights(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    try:
        w = np.asarray(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as err:
        raise TopologyError(f"{name} must be numbers ({err})") from None
    if not np.isfinite(w).all():
        raise TopologyError(f"{name} has NaN or infinite values")
    return w


__all__ = ["complex_from_trace"]
