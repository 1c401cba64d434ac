"""The attention page's selections, view-level (no browser): the graph keeps at most k keys per query for the page's
top-k control, the matrix carries click strips for keys and queries, the selected query is ringed in the graph, and
the URL keys a strip or node click would set. `.venv/bin/python -m pytest -q tests/test_views_attention_links.py`
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from hoviz.views import attention
from hoviz.viz.attention import KEY_STRIP, QUERY_STRIP
from pages.glue import linking


def random_pattern(T: int, H: int = 2, seed: int = 0) -> np.ndarray:
    """(H, T, T) causal rows of random weights, each a distribution."""
    rng = np.random.default_rng(seed)
    P = np.tril(rng.random((H, T, T)) ** 4)
    return P / P.sum(-1, keepdims=True)


def drawn_edges(fig) -> int:
    """Edges drawn by the graph's width-bin line traces (each edge: 2 points then a gap)."""
    return sum(int(np.sum(~np.isnan(np.asarray(t.x, float)))) // 2 for t in fig.data
               if t.mode == "lines" and t.legendgroup == "edges")


@pytest.mark.parametrize("k", [1, 4])
def test_graph_keeps_at_most_k_keys_per_query(k):
    T = 24
    P = random_pattern(T)
    figs = attention.figures(P, np.tril(np.ones((T, T), bool)), list("abcdefghijklmnopqrstuvwx"), 1, threshold=0.0,
                             top_k=k)
    per_query = Counter(i for _, i, _ in figs.edges)
    assert max(per_query.values()) == k  # the control's k, reached by queries with more than k earlier keys
    assert per_query[T - 1] == k and per_query[1] == 1  # query 1 has one key besides itself
    assert drawn_edges(figs.graph) == len(figs.edges)  # the download's edges are the drawn ones
    a = np.where(np.eye(T, dtype=bool), 0.0, P[1])
    for j, i, w in figs.edges:  # each kept key is among its query's k heaviest
        assert w == pytest.approx(a[i, j]) and (a[i] > w).sum() < k
    assert f"top {k} keys per query" in figs.graph.layout.title.text


def test_more_keys_per_query_draw_more_edges():
    T = 24
    P, A = random_pattern(T), np.tril(np.ones((T, T), bool))
    counts = [len(attention.figures(P, A, ["t"] * T, 0, threshold=0.0, top_k=k).edges) for k in (2, 5)]
    assert counts[0] < counts[1] <= 5 * (T - 1)


def test_matrix_strips_click_to_a_key_or_a_query():
    T = 6
    figs = attention.figures(random_pattern(T), np.tril(np.ones((T, T), bool)), list("abcdef"), 0)
    fig = linking.clickable(figs.matrix, heatmaps=())  # what the page sends: no targets over the T x T cells
    assert not [t for t in fig.data if t.name == linking.OVERLAY]
    keys, queries = (next(t for t in fig.data if t.name == n) for n in (KEY_STRIP, QUERY_STRIP))
    assert len(keys.x) == len(queries.y) == T
    link, bounds = {"key": "cd0", "i": "cd1"}, {"key": (0, T - 1), "i": (0, T - 1)}
    curves = linking.curves_named(fig, [KEY_STRIP, QUERY_STRIP])
    key_cell = {"curve_number": 1, "point_index": 4, "customdata": list(keys.customdata[4])}
    query_cell = {"curve_number": 2, "point_index": 2, "customdata": list(queries.customdata[2])}
    assert linking.updates({"selection": {"points": [key_cell]}}, link, bounds, curves) == {"key": 4}
    assert linking.updates({"selection": {"points": [query_cell]}}, link, bounds, curves) == {"i": 2}
    assert keys.x[4] == "4 'e'" and queries.y[2] == "2 'c'"  # hover names the token
    x_cats, y_cats = fig.layout.xaxis.categoryarray, fig.layout.yaxis.categoryarray
    assert len(x_cats) == len(y_cats) == T + 1 and keys.y[0] == y_cats[-1] and queries.x[0] == x_cats[-1]


def test_graph_rings_the_selected_query_and_a_node_click_selects_it():
    T = 10
    P = random_pattern(T)
    figs = attention.figures(P, np.tril(np.ones((T, T), bool)), list("abcdefghij"), 0, query=7)
    fig = figs.graph
    ring = next(t for t in fig.data if t.name == "selected query")
    tokens = fig.data[-1]
    assert tokens.name == "tokens" and (ring.x[0], ring.y[0]) == (tokens.x[7], tokens.y[7])
    keys = next(t for t in fig.data if t.name == "keys of query 7")
    mine = sum(i == 7 for _, i, _ in figs.edges)
    assert 1 <= mine <= attention.GRAPH_TOP_K and np.sum(~np.isnan(np.asarray(keys.x, float))) == 2 * mine
    node = {"curve_number": len(fig.data) - 1, "point_index": 3, "customdata": list(tokens.customdata[3])}
    curves = linking.curves_named(fig, ["tokens"])
    assert linking.updates({"selection": {"points": [node]}}, {"i": "cd0"}, {"i": (0, T - 1)}, curves) == {"i": 3}
    edge = {"curve_number": 0, "point_index": 3, "customdata": [5, 6]}  # an arrowhead: not a token, ignored
    assert linking.updates({"selection": {"points": [edge]}}, {"i": "cd0"}, None, curves) == {}


def test_query_summary_reads_the_row():
    P = np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0.5, 0.1, 0.4]])
    s = attention.query_summary(P, list("a b"), 2, 0)
    assert s.startswith("query 2 'b' reads key 0 'a' with weight 0.500") and "1 '␣' 0.10" in s
    assert attention.query_summary(P, list("a b"), 1, 2) == "query 1 '␣' cannot read key 2 'b' (masked); its heaviest " \
                                                           "keys: 1 '␣' 0.75, 0 'a' 0.25"


def test_top_k_control_round_trips_the_url_and_thins_the_graph(tiny_zoo):
    import json

    from streamlit.testing.v1 import AppTest  # noqa: F401  (open_link builds one)

    from pages.glue.page_table import PAGE_FILES
    from tests.streamlit_harness import open_link

    at = open_link(PAGE_FILES["attention"], {"model": "tiny-dense", "topk": "1", "thr": "0", "qi": "5", "kj": "2"},
                   "ROMEO:\nBut soft, what light")
    assert not at.exception, [e.value for e in at.exception]
    assert (at.slider(key="topk").value, at.slider(key="qi").value, at.slider(key="kj").value) == (1, 5, 2)

    def graph_title(at):
        spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "edges:" in c.proto.spec)
        return spec["layout"]["title"]["text"]

    assert "top 1 keys per query" in graph_title(at)
    at.slider(key="topk").set_value(4).run()
    assert at.query_params["topk"] == "4" and "top 4 keys per query" in graph_title(at)
    assert "query 5 " in " ".join(i.value for i in at.info)  # the selected query's summary
