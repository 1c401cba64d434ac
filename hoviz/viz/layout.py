"""Where vertices go in every graph and complex figure (one layout, networkx underneath), and the polyline
coordinates that draw all edges or all triangles of a figure as one trace (NaN separators, float32).
    >>> vertex_positions(4, [[0, 1]], layout="circular").shape
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def vertex_positions(n: int, edges=(), layout: str = "spring", seed: int = 0, dim: int = 2,
                     strengths=None, backbone: bool = True) -> np.ndarray:
    """Stable vertex coordinates (n, dim): ``spring`` (networkx's weighted Fruchterman-Reingold, seeded),
    ``circular`` (vertex order clockwise from the top) or ``strip`` (vertex order left to right).

    Parameters
    ----------
    n : int
        Number of vertices.
    edges : (E, 2) array-like
        Edges that pull vertices together in the spring layout.
    layout : str
        ``"spring"``, ``"circular"`` or ``"strip"``.
    seed : int
        Seed of the spring layout: the same complex and seed give the same picture.
    dim : int
        2 or 3.
    strengths : (E,) array-like, optional
        Larger pulls harder (e.g. attention weights); default all 1.
    backbone : bool
        Spring only: a weak pull between consecutive vertices (tokens in reading order), so that no token drifts off.

    Examples
    --------
    >>> vertex_positions(4, [[0, 1]], layout="circular").shape
    (4, 2)
    """
    if n == 0:
        return np.zeros((0, dim))
    if layout == "strip":
        pos = np.zeros((n, dim))
        pos[:, 0] = np.linspace(-1, 1, n) if n > 1 else 0.0
        pos[:, 1] = 0.25 * np.sin(np.arange(n) * 2.4)  # a gentle zigzag so that edges between neighbours show
        return pos
    angle = 2 * np.pi * np.arange(n) / n
    circle = np.column_stack([np.sin(angle), np.cos(angle)])  # (n, 2)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(edges)) if strengths is None else np.clip(np.asarray(strengths, dtype=float), 1e-3, None)
    g.add_weighted_edges_from((int(a), int(b), float(x)) for (a, b), x in zip(edges, w))
    if layout == "circular":
        return circle if dim == 2 else np.column_stack([circle, np.zeros(n)])
    if layout != "spring":
        raise ValueError(f"layout must be 'spring', 'circular' or 'strip', got {layout!r}")
    if backbone:  # a weak pull along reading order keeps every token in one connected picture: without it, spring
        pull = float(np.mean(w)) if len(w) else 1.0  # layouts push components and isolated tokens to the edges
        for i in range(n - 1):
            if not g.has_edge(i, i + 1):
                g.add_edge(i, i + 1, weight=0.15 * pull)
    init = dict(enumerate(circle)) if dim == 2 else None
    p = nx.spring_layout(g, dim=dim, seed=seed, pos=init, iterations=60, weight="weight")
    return np.array([p[i] for i in range(n)])


def graph_positions(g: nx.Graph, layout: str = "circular", seed: int = 0) -> dict:
    """Node -> (x, y): ``circular`` (node order), ``spring`` (seeded) or ``grid`` (nodes that are (row, col) pairs)."""
    if layout == "grid" and all(isinstance(v, tuple) and len(v) == 2 for v in g.nodes):
        # rows and columns bowed into parabolas: no three nodes of a row or column are collinear, so the triangles
        # inside a row or column (the Rook graph's cliques) have area and show
        rows, cols = max(v[0] for v in g.nodes), max(v[1] for v in g.nodes)
        return {v: (float(v[1]) + 0.2 * (v[0] - rows / 2) ** 2, -float(v[0]) + 0.2 * (v[1] - cols / 2) ** 2)
                for v in g.nodes}
    try:
        order = sorted(g.nodes)
    except TypeError:
        order = list(g.nodes)
    index = {v: k for k, v in enumerate(order)}
    edges = [(index[a], index[b]) for a, b in g.edges]
    pos = vertex_positions(len(order), edges, "spring" if layout == "spring" else "circular", seed, backbone=False)
    return {v: tuple(pos[index[v]]) for v in order}


def edge_trace_xy(pos: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, ...]:
    """Coordinates of all edges as one polyline per axis, NaN between edges (float32)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    out = []
    for d in range(pos.shape[1]):
        seg = np.full((len(edges), 3), np.nan, dtype=np.float32)
        seg[:, 0], seg[:, 1] = pos[edges[:, 0], d], pos[edges[:, 1], d]
        out.append(seg.ravel())
    return tuple(out)


def triangle_trace_xy(pos: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed outlines of all triangles (a, b, c, a, NaN) for one ``fill="toself"`` trace (float32)."""
    tri = np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
    out = []
    for d in range(2):
        seg = np.full((len(tri), 5), np.nan, dtype=np.float32)
        seg[:, :3] = pos[tri, d]
        seg[:, 3] = pos[tri[:, 0], d]
        out.append(seg.ravel())
    return out[0], out[1]
