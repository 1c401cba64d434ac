"""Click-to-select without a browser: a selection event (the dict st.plotly_chart reports) mapped to URL-key updates,
the transparent click targets laid over heatmaps, the selection mark, and url_state.select setting a widget that the
rerun then draws (and writes to the URL)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from pages.glue import linking


def event(**point):
    return {"selection": {"points": [point], "point_indices": [point.get("point_index", 0)], "box": [], "lasso": []}}


def test_a_heatmap_cell_click_maps_to_url_keys():
    ev = event(curve_number=1, point_index=7, x=4, y=9, customdata=[0.25, 9, 2, 1])  # z, row, col, trace
    assert linking.updates(ev, {"i": "y", "key": "x"}) == {"i": 9, "key": 4}
    assert linking.updates(ev, {"head": "point_index"}) == {"head": 7}
    assert linking.updates(ev, {"n": "trace", "z": "cd0", "r": "row", "c": "col"}) == {"n": 1, "z": 0, "r": 9, "c": 2}


def test_out_of_bounds_missing_and_empty_selections_change_nothing():
    ev = event(point_index=2, x=40.0, y=3)
    assert linking.updates(ev, {"i": "x"}, bounds={"i": (0, 31)}) == {}
    assert linking.updates(ev, {"i": "cd0"}) == {}  # no customdata on this point
    assert linking.updates(event(x="a"), {"i": "x"}) == {}  # a category axis: not a position
    empty = {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}
    for ev in (None, {}, empty):
        assert linking.updates(ev, {"i": "x"}) == {}
    assert linking.first_point(event(x=1.0, y=2.0)) == {"x": 1.0, "y": 2.0}


def test_floats_round_and_scalar_customdata_reads_as_cd0():
    assert linking.updates(event(x=2.9999, customdata=5), {"i": "x", "pos": "cd0"}) == {"i": 3, "pos": 5}


def test_only_points_of_the_named_traces_count():
    fig = go.Figure([go.Scatter(x=[0.5], y=[0.5], name="edges"), go.Scatter(x=[0, 1], y=[0, 1], name="tokens")])
    curves = linking.curves_named(fig, ("tokens",))
    assert curves == {1}
    assert linking.updates(event(curve_number=1, point_index=1), {"i": "point_index"}, curves=curves) == {"i": 1}
    assert linking.updates(event(curve_number=0, point_index=0), {"i": "point_index"}, curves=curves) == {}
    with pytest.raises(ValueError, match="no trace named nodes"):
        linking.curves_named(fig, ("nodes",))


def test_a_named_bar_or_labelled_point_gives_its_name():
    assert linking.updates(event(point_index=2, x="L1h2", y=0.3), {"evhead": "label"}) == {"evhead": "L1h2"}
    assert linking.updates(event(x=0.1, y=0.2, text="L0h1"), {"evhead": "text"}) == {"evhead": "L0h1"}
    assert linking.updates(event(x=0.1, y=0.2), {"evhead": "text"}) == {}


def test_an_unknown_field_is_refused():
    with pytest.raises(ValueError, match="unknown point field"):
        linking.updates(event(x=1), {"i": "column"})


def test_click_targets_cover_every_unmasked_cell_with_its_hover():
    z = np.array([[0.5, np.nan, np.nan], [0.2, 0.3, np.nan]])
    tokens = np.array([[["a", "a"], ["a", "b"], ["a", "c"]], [["b", "a"], ["b", "b"], ["b", "c"]]], dtype=object)
    fig = go.Figure(go.Heatmap(z=z, x=[10, 11, 12], y=[5, 6], customdata=tokens,
                               hovertemplate="j %{y} '%{customdata[0]}' l %{x} '%{customdata[1]}' S %{z:.3f}"))
    linking.clickable(fig)
    hm, over = fig.data
    assert hm.hoverinfo == "skip" and over.name == linking.OVERLAY
    assert list(zip(over.x, over.y, strict=True)) == [(10, 5), (10, 6), (11, 6)]  # NaN (masked) cells get no target
    assert [list(c) for c in over.customdata] == [["a", "a", 0.5, 0, 0, 0], ["b", "a", 0.2, 1, 0, 0],
                                                  ["b", "b", 0.3, 1, 1, 0]]
    assert over.hovertemplate == "j %{y} '%{customdata[0]}' l %{x} '%{customdata[1]}' S %{customdata[2]:.3f}"
    # what a click on the third target reports maps back to the cell's row and column
    point = {"x": over.x[2], "y": over.y[2], "customdata": list(over.customdata[2])}
    assert linking.updates({"selection": {"points": [point]}}, {"i": "y", "l": "x", "c": "col"}) == \
        {"i": 6, "l": 11, "c": 1}


def test_a_token_strip_is_clickable_on_its_text_and_on_category_axes():
    z = np.array([[np.nan, 1.0, 2.0], [0.5, np.nan, np.nan]])  # first token has no value; the last row is padded
    text = np.array([["a", "b", "c"], ["d", "", ""]], dtype=object)
    fig = linking.clickable(go.Figure(go.Heatmap(z=z, x=["a<br>0", "b<br>1", "c<br>2"], text=text)))
    over = fig.data[1]
    assert len(over.x) == 4 and over.x[0] == "a<br>0" and list(over.customdata[0]) == [None, 0, 0, 0]
    assert linking.read_field({"customdata": list(over.customdata[3])}, "col") == 0  # "d": row 1, column 0


def test_click_targets_thin_out_large_maps_and_follow_subplots():
    fig = go.Figure([go.Heatmap(z=np.ones((100, 100))), go.Heatmap(z=np.ones((4, 4)), xaxis="x2", yaxis="y2")])
    linking.clickable(fig, max_points=2500)
    big, small = fig.data[2], fig.data[3]
    assert len(big.x) == 50 * 50 and sorted(set(big.x))[:3] == [0, 2, 4]  # stride 2
    assert len(small.x) == 16 and small.xaxis == "x2" and small.yaxis == "y2"
    assert {c[-1] for c in small.customdata} == {1}  # field "trace": the second heatmap


def test_click_targets_read_a_figure_whose_arrays_are_base64():
    import json

    import plotly.io as pio

    fig = go.Figure(go.Heatmap(z=np.array([[0.1, np.nan], [0.3, 0.4]]), x=np.arange(2), y=np.arange(2)))
    encoded = go.Figure(json.loads(pio.to_json(fig)))  # as a cached figure comes back: arrays as {"bdata": ...}
    assert isinstance(encoded.data[0].z, dict)
    over = linking.clickable(encoded).data[1]
    assert list(zip(over.x, over.y, strict=True)) == [(0, 0), (0, 1), (1, 1)]
    assert [c[0] for c in over.customdata] == pytest.approx([0.1, 0.3, 0.4])


def test_mark_outlines_the_selected_row_and_column():
    fig = linking.mark(go.Figure(go.Heatmap(z=np.zeros((5, 5)))), x=2, y=3)
    col, row = fig.layout.shapes
    assert (col.x0, col.x1, col.yref) == (1.5, 2.5, "y domain")
    assert (row.y0, row.y1, row.xref) == (2.5, 3.5, "x domain")



def test_mark_subplot_frames_the_selected_thumbnail():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3)
    for c in range(3):
        fig.add_trace(go.Heatmap(z=np.zeros((2, 2))), row=1, col=c + 1)
    marked = linking.mark_subplot(fig, 2)
    assert not fig.layout.shapes  # the original is left alone
    (frame,) = marked.layout.shapes
    assert (frame.xref, frame.yref) == ("x3 domain", "y3 domain")


def _page():
    import streamlit as st

    from pages.glue import url_state

    url_state.start_run()
    st.button("click", on_click=url_state.select, args=({"i": 7},))
    url_state.url_slider("Query position i", "i", 0, 9, 2)
    url_state.finish_run()


def test_select_sets_the_widget_before_it_is_drawn_and_the_url_follows():
    at = AppTest.from_function(_page).run()
    assert at.slider[0].value == 2 and at.query_params["i"] == "2"
    at.button[0].click().run()
    assert not at.exception
    assert at.slider[0].value == 7 and at.query_params["i"] == "7"
    at.run()  # a later rerun keeps the clicked value
    assert at.slider[0].value == 7


def test_customdata_of_a_typed_array_arrives_as_a_dict_and_reads_by_index():
    # plotly sends numpy customdata as a typed array; a clicked point's row then reaches Python as {"0": .., "1": ..}
    ev = event(curve_number=6, point_index=48, customdata={"0": 48, "1": 0.0043})
    assert linking.updates(ev, {"i": "cd0"}, {"i": (0, 56)}) == {"i": 48}
    assert linking.updates(ev, {"i": "cd1"}) == {"i": 0}
