"""The Weisfeiler-Leman ladder for the expressivity lab: for each graph pair, which rung k first separates it, with
the clique-complex Betti numbers beside, and which statements are theorems (cited) and which are measured here.

Rungs: k = 1 colour refinement, k >= 2 folklore k-WL (hoviz.topology.wl). Streamlit-free: records and plotly figures.
    >>> rows = ladder_rows(); [r.smallest_k for r in rows]  # doctest: +SKIP
    [1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from hoviz.topology import (
    WLResult,
    clique_complex_betti,
    hexagon,
    rook_graph,
    shrikhande_graph,
    two_triangles,
    wl_test,
)
from hoviz.viz.complex import tidy


def _star() -> nx.Graph:
    return nx.star_graph(3)


def _path() -> nx.Graph:
    return nx.path_graph(4)


# key -> (first name, builder, second name, builder): the pairs the ladder is shown on
LADDER_PAIRS: dict[str, tuple[str, Callable[[], nx.Graph], str, Callable[[], nx.Graph]]] = {
    "star-path": ("Star K1,3", _star, "Path P4", _path),
    "k3c6": ("2×K3", two_triangles, "C6", hexagon),
    "rook": ("Rook 4×4", rook_graph, "Shrikhande", shrikhande_graph),
}


@dataclass(frozen=True)
class LadderRow:
    """One pair on the ladder: every rung tried (up to the first that separates) and the pair's invariants."""

    key: str
    names: tuple[str, str]
    rungs: tuple[WLResult, ...]
    max_k: int
    betti: tuple[tuple[int, ...], tuple[int, ...]]
    triangles: tuple[int, int]
    four_cliques: tuple[int, int]

    @property
    def smallest_k(self) -> int | None:
        """The first rung that separates the pair, or None if none up to max_k does."""
        return self.rungs[-1].k if self.rungs[-1].separated else None


@dataclass(frozen=True)
class Claim:
    """One statement on the page: a theorem (with its citation) or a measurement this app makes (with its call)."""

    text: str
    kind: str  # "theorem" or "measured"
    source: str


CLAIMS = (
    Claim("Message-passing GNNs distinguish no more graphs than 1-WL colour refinement; GIN reaches that bound. "
          "Attention over a token graph is such a layer.", "theorem",
          "Xu, Hu, Leskovec & Jegelka, How Powerful are Graph Neural Networks?, ICLR 2019; Morris et al., "
          "Weisfeiler and Leman Go Neural: Higher-order Graph Neural Networks, AAAI 2019"),
    Claim("Layers on k-tuples (k-GNNs) are bounded by k-WL, a strict hierarchy above 1-WL.", "theorem",
          "Morris et al., AAAI 2019"),
    Claim("Folklore k-WL is as strong as (k+1)-dimensional WL and as the counting logic C^{k+1}; for every k there "
          "are non-isomorphic graph pairs (CFI graphs) that k-WL cannot separate.", "theorem",
          "Cai, Fürer & Immerman, An optimal lower bound on the number of variables for graph identification, "
          "Combinatorica 1992; Grohe, Descriptive Complexity, Canonisation, and Definable Graph Structure Theory, "
          "2017"),
    Claim("One layer of standard attention needs width × heads × precision growing with N to solve Match3; one "
          "third-order (2-simplicial) head solves it.", "theorem",
          "Sanford, Hsu & Telgarsky, Representational Strengths and Limitations of Transformers, NeurIPS 2023"),
    Claim("Each pair's smallest separating k, and the clique-complex Betti numbers beside it.", "measured",
          "hoviz.topology.wl_ladder and clique_complex_betti, computed when the page opens"),
    Claim("Each Match3 model's balanced accuracy and the pairwise-only oracle's, on the same sequences.", "measured",
          "python -m hoviz eval NAME (sidecar: metrics.balanced_accuracy, baselines.pairwise_oracle)"),
)


def _count_cliques(g: nx.Graph, size: int) -> int:
    return sum(1 for c in nx.enumerate_all_cliques(g) if len(c) == size)


def ladder_row(key: str, max_k: int = 3) -> LadderRow:
    """Run the ladder on the pair ``LADDER_PAIRS[key]`` (k = 3 on 16 nodes takes well under a second)."""
    n1, f1, n2, f2 = LADDER_PAIRS[key]
    g1, g2 = f1(), f2()
    rungs = []
    for k in range(1, max_k + 1):
        rungs.append(wl_test(g1, g2, k=k))
        if rungs[-1].separated:
            break
    return LadderRow(key, (n1, n2), tuple(rungs), max_k,
                     (tuple(clique_complex_betti(g1)), tuple(clique_complex_betti(g2))),
                     (_count_cliques(g1, 3), _count_cliques(g2, 3)), (_count_cliques(g1, 4), _count_cliques(g2, 4)))


def ladder_rows(keys=None, max_k: int = 3) -> list[LadderRow]:
    """:func:`ladder_row` for each pair (all of :data:`LADDER_PAIRS` by default)."""
    return [ladder_row(k, max_k) for k in (keys or list(LADDER_PAIRS))]


def ladder_table(rows: list[LadderRow]) -> list[dict]:
    """One plain dict per pair for a table: the pair, the verdict per rung, the smallest k, Betti numbers."""
    out = []
    for r in rows:
        verdicts = {f"k={w.k}": "separated" if w.separated else "same" for w in r.rungs}
        verdicts.update({f"k={k}": "(not needed)" for k in range(len(r.rungs) + 1, r.max_k + 1)})
        out.append({"pair": f"{r.names[0]} vs {r.names[1]}", **verdicts,
                    "smallest separating k": r.smallest_k if r.smallest_k else f"> {r.max_k}",
                    "clique-complex Betti": f"{r.betti[0]} vs {r.betti[1]}",
                    "triangles": f"{r.triangles[0]} vs {r.triangles[1]}",
                    "4-cliques": f"{r.four_cliques[0]} vs {r.four_cliques[1]}"})
    return out


def ladder_figure(rows: list[LadderRow], height: int | None = None) -> go.Figure:
    """A grid of pairs (rows) by rungs k (columns): red where the rung cannot separate the pair, green where it
    first does, grey above it (a stronger rung separates whatever a weaker one does)."""
    max_k = max(r.max_k for r in rows)
    z = np.full((len(rows), max_k), np.nan)
    text = np.full((len(rows), max_k), "", dtype=object)
    for a, r in enumerate(rows):
        for w in r.rungs:
            z[a, w.k - 1] = 1.0 if w.separated else 0.0
            text[a, w.k - 1] = (f"separated<br>after {w.rounds} round(s)" if w.separated else "same colours")
        for k in range(len(r.rungs) + 1, max_k + 1):
            z[a, k - 1], text[a, k - 1] = 0.5, "separated<br>(implied)" if r.smallest_k else "not run"
    ys = [f"{r.names[0]} vs {r.names[1]}<br>Betti {r.betti[0]} vs {r.betti[1]}" for r in rows]
    xs = ["1-WL (colour refinement)"] + [f"folklore {k}-WL (≡ {k + 1}-WL)" for k in range(2, max_k + 1)]
    fig = go.Figure(go.Heatmap(z=z, x=xs, y=ys, zmin=0, zmax=1, showscale=False, xgap=3, ygap=3, text=text,
                               texttemplate="%{text}", colorscale=[[0, "#f4c7c3"], [0.5, "#e6e6e6"], [1, "#b7e1cd"]],
                               hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    tidy(fig, "The Weisfeiler-Leman ladder: the smallest k that tells each pair apart (computed here)",
         height or 140 + 90 * len(rows))
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    fig.update_xaxes(side="top", showgrid=False)
    return fig
