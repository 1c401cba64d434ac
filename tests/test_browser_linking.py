"""Click-to-select in a real browser: on the 3-way page a click on a cell of the fixed-key heatmap (rows = query i)
moves the query i to that cell's row; the URL's `i` follows and the page redraws without error. Same harness as
tests/test_browser.py (Chromium through Playwright on `streamlit run app.py`, tiny fixture zoo).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.streamlit_harness import streamlit_server
from tests.test_browser import ARTIFACTS, SHORT, Watched, browser, zoo_models  # noqa: F401 (browser: a fixture)

# Pixel centre (viewport coordinates) of the click target of chart `n` whose row (y) is farthest from `avoid`, and
# that row.
TARGET = """([n, avoid]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')][n];
  const t = gd.data.find(d => d.name === 'click targets');
  const ys = Array.from(t.y), far = Math.max(...ys.map(y => Math.abs(y - avoid)));
  const k = ys.findIndex(y => Math.abs(y - avoid) === far);
  const xa = gd._fullLayout[(t.xaxis || 'x').replace('x', 'xaxis')], ya = gd._fullLayout[(t.yaxis || 'y').replace('y', 'yaxis')];
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();  // the plot area: axis pixel 0 at its corner
  return {x: area.left + xa.d2p(t.x[k]), y: area.top + ya.d2p(t.y[k]), row: t.y[k]};
}"""


@pytest.fixture(scope="module")
def tiny_app(tiny_zoo_dir):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(tiny_zoo_dir.path, ARTIFACTS / "streamlit-linking.log") as base:
        yield base, zoo_models(tiny_zoo_dir.path)


def test_clicking_a_heatmap_cell_sets_the_query(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/threeway?{urlencode({'model': models['simplicial2'], 'prompt': SHORT, 'i': 3})}", 5)
        assert tab.query()["i"] == "3"
        charts = tab.page.locator(".js-plotly-plot")
        fixed = next(n for n in range(charts.count()) if "fixed" in charts.nth(n).inner_text())
        target = tab.page.evaluate(TARGET, [fixed, 3])
        runs = tab.finished
        tab.page.mouse.move(target["x"], target["y"])
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('i') === '{target['row']}'",
                                   timeout=30_000)
        assert tab.query()["i"] == str(target["row"]) != "3"
        # five charts: the mask panel shows only for a leaky mask
        assert tab.page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].length >= 5")
        slider = tab.page.locator('[data-testid="stSlider"]').first.inner_text()
        assert str(target["row"]) in slider, slider  # the query slider moved with the URL
        tab.check("tiny-threeway-click")
    finally:
        tab.page.close()


# Pixel centre of the first click target over heatmap `m` (the m-th thumbnail) of chart `n`.
THUMB = """([n, m]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')][n];
  const t = gd.data.filter(d => d.name === 'click targets')[m];
  const xa = gd._fullLayout[(t.xaxis || 'x').replace('x', 'xaxis')], ya = gd._fullLayout[(t.yaxis || 'y').replace('y', 'yaxis')];
  const k = Math.floor(t.x.length / 2);
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();  // the first subplot's plot area
  const x0 = gd._fullLayout.xaxis, y0 = gd._fullLayout.yaxis;  // subplot m lies at its axes' offsets from the first
  return {x: area.left + xa._offset - x0._offset + xa.d2p(t.x[k]), y: area.top + ya._offset - y0._offset + ya.d2p(t.y[k])};
}"""


def test_clicking_a_head_thumbnail_picks_the_head(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/attention?{urlencode({'model': models['dense'], 'prompt': SHORT, 'head': 0})}", 4)
        heads = tab.page.evaluate("[...document.querySelectorAll('.js-plotly-plot')][0].data"
                                  ".filter(d => d.name === 'click targets').length")
        assert heads >= 2
        target = tab.page.evaluate(THUMB, [0, heads - 1])
        runs = tab.finished
        tab.page.mouse.move(target["x"], target["y"])
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('head') === '{heads - 1}'",
                                   timeout=30_000)
        tab.check("tiny-attention-click")
    finally:
        tab.page.close()


def test_clicking_a_head_point_picks_the_head_on_the_evidence_page(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/evidence?{urlencode({'model': models['simplicial2'], 'prompt': SHORT})}", 3)
        chart = tab.page.locator(".js-plotly-plot").first  # each head's score against its effect
        names = tab.page.evaluate("Array.from(document.querySelector('.js-plotly-plot').data[0].text)")
        picked = next(n for n in reversed(names) if n != tab.query().get("evhead"))
        runs = tab.finished
        chart.locator("g.trace.scatter").first.locator("path.point").nth(names.index(picked)).click(force=True)
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('evhead') === '{picked}'",
                                   timeout=30_000)
        tab.check("tiny-evidence-click")
    finally:
        tab.page.close()


# Pixel centre of the click target of chart `n` whose column (customdata[-2]) is farthest from `avoid` (a category axis).
COLUMN = """([n, avoid]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')][n];
  const t = gd.data.find(d => d.name === 'click targets');
  const cols = Array.from(t.customdata).map(c => c[c.length - 2]), far = Math.max(...cols.map(c => Math.abs(c - avoid)));
  const k = cols.findIndex(c => Math.abs(c - avoid) === far);
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {x: area.left + gd._fullLayout.xaxis.d2p(t.x[k]), y: area.top + gd._fullLayout.yaxis.d2p(t.y[k]), col: cols[k]};
}"""


def test_clicking_a_label_column_sets_the_match3_query(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    if not models["match3"]:
        pytest.skip("the tiny zoo has no Match3 model")
    tab = Watched(browser)
    try:
        tab.open(f"{base}/expressivity", 3)
        n = tab.page.evaluate("[...document.querySelectorAll('.js-plotly-plot')]"
                              ".findIndex(gd => gd.data.some(d => d.name === 'click targets'))")
        before = int(tab.query().get("m3i", -1))
        tab.page.locator(".js-plotly-plot").nth(n).scroll_into_view_if_needed()  # the mouse clicks in the viewport
        target = tab.page.evaluate(COLUMN, [n, before])
        runs = tab.finished
        tab.page.mouse.move(target["x"], target["y"])
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('m3i') === '{target['col']}'",
                                   timeout=30_000)
        tab.check("tiny-expressivity-click")
    finally:
        tab.page.close()


# Pixel centre of the tick target (the clickable band along a token axis) of chart `n` at position `pos` on the first
# band (the top one, along the x axis); its position and tooltip.
TICK = """([n, pos]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')][n];
  const t = gd.data.find(d => d.name === 'tick targets');
  const k = Array.from(t.x).indexOf(pos);
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {x: area.left + gd._fullLayout.xaxis.d2p(t.x[k]), y: area.top + gd._fullLayout.yaxis.d2p(t.y[k]),
          pos: t.customdata[k][0], tip: t.hovertemplate[k]};
}"""


def test_clicking_a_token_in_the_tick_band_sets_the_query(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/threeway?{urlencode({'model': models['simplicial2'], 'prompt': SHORT, 'i': 9})}", 5)
        n = tab.page.evaluate("[...document.querySelectorAll('.js-plotly-plot')]"
                              ".findIndex(gd => (gd.layout.title?.text || '').startsWith('S[9,'))")
        assert n >= 0
        tab.page.locator(".js-plotly-plot").nth(n).scroll_into_view_if_needed()  # the mouse clicks in the viewport
        target = tab.page.evaluate(TICK, [n, 4])  # a key of query 9's slice
        assert f"key l {target['pos']} '" in target["tip"] and f"→ click: query i = {target['pos']}" in target["tip"]
        tab.page.mouse.move(target["x"], target["y"])
        hover = tab.page.locator(".hoverlayer .hovertext").first
        hover.wait_for(timeout=10_000)
        assert f"query i = {target['pos']}" in hover.text_content()  # the tooltip names the token
        runs = tab.finished
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('i') === '{target['pos']}'",
                                   timeout=30_000)
        assert target["pos"] != 9
        tab.page.wait_for_function(f"[...document.querySelectorAll('.js-plotly-plot')].some(gd => "
                                   f"(gd.layout.title?.text || '').startsWith('S[{target['pos']},'))", timeout=30_000)
        assert tab.query()["key"] != ""  # the fixed key followed the new query (and is in the URL)
        tab.check("tiny-threeway-tick-click")
    finally:
        tab.page.close()


# Pixel centre (viewport) of point k of the trace called `name` in the chart that has one, after scrolling it into view.
POINT = """([name, k]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullData.some(d => d.name === name));
  const t = gd._fullData.find(d => d.name === name);
  const xa = gd._fullLayout[(t.xaxis || 'x').replace('x', 'xaxis')], ya = gd._fullLayout[(t.yaxis || 'y').replace('y', 'yaxis')];
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {x: area.left + xa.d2p(t.x[k]), y: area.top + ya.d2p(t.y[k]), cd: Array.from(t.customdata[k] || [])};
}"""
CHART_WITH = "name => [...document.querySelectorAll('.js-plotly-plot')].findIndex(g => g._fullData.some(d => d.name === name))"


def click_point(tab, name: str, k: int) -> dict:
    """Scroll the chart with trace `name` into view and click its point k; returns the point's customdata."""
    tab.page.locator(".js-plotly-plot").nth(tab.page.evaluate(CHART_WITH, name)).scroll_into_view_if_needed()
    target = tab.page.evaluate(POINT, [name, k])
    runs = tab.finished
    tab.page.mouse.move(target["x"], target["y"])
    tab.page.mouse.click(target["x"], target["y"])
    tab.idle(runs)
    return target


def wait_param(tab, key: str, value) -> None:
    tab.page.wait_for_function(f"new URLSearchParams(location.search).get('{key}') === '{value}'", timeout=30_000)


# Index of the token node (not `avoid`) whose nearest arrowhead is farthest away, in the chart's data units.
CLEAR_NODE = """avoid => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullData.some(d => d.name === 'tokens'));
  const nodes = gd._fullData.find(d => d.name === 'tokens'), arrows = gd._fullData.find(d => d.name.startsWith('direction'));
  let best = -1, far = -1;
  for (let k = 0; k < nodes.x.length; k++) {
    if (k === avoid) continue;
    let near = Infinity;
    for (let a = 0; a < (arrows ? arrows.x.length : 0); a++)
      near = Math.min(near, Math.hypot(arrows.x[a] - nodes.x[k], arrows.y[a] - nodes.y[k]));
    if (near > far) { far = near; best = k; }
  }
  return best;
}"""


def test_clicking_a_graph_node_selects_the_query(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/attention?{urlencode({'model': models['dense'], 'prompt': SHORT, 'qi': 20})}", 4)
        assert tab.query()["qi"] == "20"
        node = tab.page.evaluate(CLEAR_NODE, 20)  # the node farthest from any arrowhead (a click there hits the node)
        target = click_point(tab, "tokens", node)  # customdata: position, self-weight
        assert round(target["cd"][0]) == node
        wait_param(tab, "qi", node)
        ring = tab.page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullData)"
                                 f".flat().filter(d => d.name === 'keys of query {node}').length")
        assert ring == 1  # the redrawn graph marks the new query's keys
        tab.check("tiny-attention-node-click")
    finally:
        tab.page.close()


# Pixel centre of node `k` (point k of the trace named "tokens") of chart `n`.
NODE = """([n, k]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')][n];
  const t = gd._fullData.find(d => d.name === 'tokens');  // its coordinates decoded (the figure may send base64)
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {x: area.left + gd._fullLayout.xaxis.d2p(t.x[k]), y: area.top + gd._fullLayout.yaxis.d2p(t.y[k]),
          tip: t.hovertext[k]};
}"""


def test_clicking_a_token_node_rings_it_on_the_complex_page(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/complex?{urlencode({'model': models['dense'], 'prompt': SHORT, 'r': '0.05', 'cx_i': 2})}",
                 4)
        n = tab.page.evaluate("[...document.querySelectorAll('.js-plotly-plot')]"
                              ".findIndex(gd => (gd.layout.title?.text || '').startsWith('Vietoris'))")
        assert n >= 0
        ring = tab.page.evaluate(f"[...document.querySelectorAll('.js-plotly-plot')][{n}].data"
                                 ".filter(d => d.name === 'selected token').map(d => d.hovertext[0])")
        assert len(ring) == 1 and ring[0].startswith("selected: token 2 '"), ring
        tab.page.locator(".js-plotly-plot").nth(n).scroll_into_view_if_needed()
        target = tab.page.evaluate(NODE, [n, 7])
        assert target["tip"].startswith("token 7 '")
        runs = tab.finished
        tab.page.mouse.move(target["x"], target["y"])
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function("new URLSearchParams(location.search).get('cx_i') === '7'", timeout=30_000)
        tab.page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].some(gd => gd.data.some(d => "
                                   "d.name === 'selected token' && String(d.hovertext[0]).startsWith('selected: token 7 ')))",
                                   timeout=30_000)
        tab.check("tiny-complex-node-click")
    finally:
        tab.page.close()


def test_clicking_a_token_of_the_delta_strip_selects_it_on_the_evidence_page(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/evidence?{urlencode({'model': models['simplicial2'], 'prompt': SHORT, 'evi': 3})}", 3)
        find = ("[...document.querySelectorAll('.js-plotly-plot')]"
                ".findIndex(gd => (gd.layout.title?.text || '').includes('Δ log-loss per token'))")
        tab.page.wait_for_function(f"{find} >= 0", timeout=30_000)  # drawn after the intervened run, maybe later
        n = tab.page.evaluate(find)
        assert n >= 0
        tab.page.locator(".js-plotly-plot").nth(n).scroll_into_view_if_needed()
        target = tab.page.evaluate(COLUMN, [n, 3])  # the cell of the first row farthest from position 3
        runs = tab.finished
        tab.page.mouse.move(target["x"], target["y"])
        hover = tab.page.locator(".hoverlayer .hovertext").first
        hover.wait_for(timeout=10_000)
        assert f"pos {target['col']} " in hover.text_content()  # the tooltip names position and token
        tab.page.mouse.click(target["x"], target["y"])
        tab.idle(runs)
        tab.page.wait_for_function(f"new URLSearchParams(location.search).get('evi') === '{target['col']}'",
                                   timeout=30_000)
        tab.check("tiny-evidence-strip-click")
    finally:
        tab.page.close()


def test_clicking_the_matrix_strips_selects_key_and_query(tiny_app, browser):  # noqa: F811
    base, models = tiny_app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/attention?{urlencode({'model': models['dense'], 'prompt': SHORT, 'qi': 20, 'kj': 3})}", 4)
        n = tab.page.evaluate(CHART_WITH, "key strip")
        names = tab.page.evaluate(f"[...document.querySelectorAll('.js-plotly-plot')][{n}]._fullData.map(d => d.name)")
        assert "click targets" not in names  # no targets over the matrix cells: the strips are the click targets
        assert click_point(tab, "key strip", 11)["cd"] == [11, -1]
        wait_param(tab, "kj", 11)
        assert click_point(tab, "query strip", 9)["cd"] == [-1, 9]
        wait_param(tab, "qi", 9)
        assert tab.query()["kj"] == "11"  # the key stays
        tab.check("tiny-attention-strip-click")
    finally:
        tab.page.close()
