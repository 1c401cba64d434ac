"""Hover text names the tokens: a cell of a 3-way slice, a mask slice or a head's matrix reads "query i 'x' → key j 'y'"."""

from __future__ import annotations

import numpy as np

from hoviz.viz.attention import head_heatmap
from hoviz.viz.hover import cell_tokens, pair_template, position_names
from hoviz.viz.threeway import mask_slice_figure, slice_heatmap, triangles_figure


def test_cell_tokens_pairs_row_and_column_tokens_with_visible_whitespace():
    cells = cell_tokens(["a", "\n"], [" ", "b"])
    assert cells.shape == (2, 2, 2) and list(cells[1, 0]) == ["↵", "␣"] and list(cells[0, 1]) == ["a", "b"]
    assert pair_template("query", "key", "w") == "query %{y} '%{customdata[0]}' → key %{x} '%{customdata[1]}'<br>w" \
                                                 "<extra></extra>"


def test_heatmaps_carry_the_tokens_of_each_cell():
    tokens = list("ab c")
    allowed = np.tril(np.ones((4, 4), bool))
    allowed[:, 0] = False  # column 0 masked everywhere: the slice is cropped to columns 1..3
    fig = slice_heatmap(np.full((4, 4), 1 / 16), tokens, allowed=allowed)
    hm = fig.data[0]
    assert "→" in hm.hovertemplate and "'%{customdata[0]}'" in hm.hovertemplate
    assert list(hm.x) == [1, 2, 3] and list(np.asarray(hm.customdata)[2, 1]) == ["c", "␣"]  # row 3 'c', column 2 ' '
    assert list(np.asarray(hm.customdata)[0, 0]) == ["b", "b"]  # row 1 'b', column 1 'b'
    mask = mask_slice_figure(allowed, 3, tokens).data[0]
    assert np.asarray(mask.customdata).shape == (4, 4, 2)
    head = head_heatmap(np.eye(4), tokens).data[0]  # the head's matrix: category axes named by position and token
    assert (head.y[3], head.x[0]) == ("3 'c'", "0 'a'") and head.customdata is None  # row 3 'c', column 0 'a'
    assert "query %{y} → key %{x}" in head.hovertemplate  # hovers "query 3 'c' → key 0 'a'" from O(T) names


def test_triangle_hover_names_the_query_and_its_keys():
    fig = triangles_figure(list("abcd"), 3, [(0, 2, 0.5)])
    assert "query 3 'd' → keys 0 'a', 2 'c'" in fig.data[0].hovertemplate


def test_graph_arrows_name_key_and_query_tokens():
    from hoviz.viz.attention import attention_graph

    pattern = np.tril(np.ones((3, 3))) / np.arange(1, 4)[:, None]
    fig = attention_graph(pattern, list("ab\n"), threshold=0.1)
    arrows = next(t for t in fig.data if t.name and t.name.startswith("direction"))
    assert "key 0 'a' → query 2 '↵'" in list(arrows.hovertext) and "%{hovertext}" in arrows.hovertemplate


def test_position_names_are_unique_and_name_pooled_blocks():
    assert position_names(list("ab a")) == ["0 'a'", "1 'b'", "2 '␣'", "3 'a'"]
    assert position_names(list("abcde"), 2) == ["0–1 'ab'", "2–3 'cd'", "4–4 'e'"]


def test_thumbnails_hover_token_text_when_given_tokens():
    from hoviz.viz.attention import heads_grid

    P = np.tril(np.ones((2, 6, 6))) / np.arange(1, 7)[:, None]
    hm = heads_grid(P, tokens=list("abcdef"), max_side=3).data[1]  # pooled 2 x 2: 3 cells a side
    assert list(hm.x) == ["0–1 'ab'", "2–3 'cd'", "4–5 'ef'"] and list(hm.y) == list(hm.x)
    assert "query %{y} → key %{x}" in hm.hovertemplate and "max w" in hm.hovertemplate
    assert list(heads_grid(P).data[0].x) == list(range(6))  # without tokens: numeric positions as before
