"""Token ticks made clickable without a browser: the band of transparent tick targets along a heatmap's token axes
(one per position, inside the axis range, with token tooltips) and the routing of a click on them to other URL keys
than a click on a cell."""

from __future__ import annotations

import numpy as np
import pytest

from hoviz.viz.threeway import slice_heatmap
from pages.glue import linking

TOKENS = list("ab cdefg")


def event(**point):
    return {"selection": {"points": [point], "point_indices": [point.get("point_index", 0)], "box": [], "lasso": []}}


def causal_slice(i: int):
    allowed = np.zeros((8, 8), bool)
    allowed[: i + 1, : i + 1] = True
    return slice_heatmap(np.full((8, 8), 1 / 64), TOKENS, allowed=allowed, title="S")  # cropped to 0 .. i


@pytest.mark.parametrize("axis", ["x", "y"])
def test_tick_targets_lie_in_a_band_inside_the_plot_with_token_tooltips(axis):
    fig = linking.tick_targets(causal_slice(4), TOKENS, axis=axis, what="key l")
    ticks = [t for t in fig.data if t.name == linking.TICKS]
    assert len(ticks) == 1 and len(fig.data) == 2  # the heatmap and its band
    t = ticks[0]
    along, across = (t.x, t.y) if axis == "x" else (t.y, t.x)
    assert list(along) == [0, 1, 2, 3, 4] and [c[0] for c in t.customdata] == [0, 1, 2, 3, 4]
    assert t.hovertemplate[2] == "key l 2 '␣' → click: query i = 2<extra></extra>"  # visible whitespace
    lo, hi = sorted(fig.layout.yaxis.range if axis == "x" else fig.layout.xaxis.range)
    assert lo < across[0] < -0.5 < hi and -0.5 - lo == pytest.approx(5 / 25)  # inside the range, past the cells
    assert fig.layout.shapes[-1].fillcolor == "white"


def test_tick_targets_leave_the_input_figure_alone_and_refuse_an_unknown_axis():
    fig = causal_slice(3)
    linking.tick_targets(fig, TOKENS)
    assert len(fig.data) == 1
    with pytest.raises(ValueError, match="axis"):
        linking.tick_targets(fig, TOKENS, axis="z")


def test_a_click_on_a_tick_target_and_one_on_a_cell_set_different_keys():
    fig = linking.tick_targets(linking.clickable(causal_slice(4)), TOKENS)
    ticks = linking.curves_named(fig, [linking.TICKS])
    assert ticks == {2}  # heatmap 0, its cell targets 1, the tick band 2
    routes = [(ticks, {"i": "cd0"}), (None, {"key": "x"})]
    tick = event(curve_number=2, point_index=3, x=3, y=-1.3, customdata=[3])
    cell = event(curve_number=1, point_index=9, x=1, y=2, customdata=["c", "b", 0.01, 2, 1, 0])
    assert linking.routed_updates(tick, routes) == {"i": 3}
    assert linking.routed_updates(cell, routes) == {"key": 1}
    assert linking.routed_updates(tick, routes, bounds={"i": (0, 2)}) == {}
    assert linking.routed_updates(None, routes) == {}
    assert linking.routed_updates(cell, [(ticks, {"i": "cd0"})]) == {}  # no route for a cell: nothing changes
