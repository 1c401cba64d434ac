"""Layout hygiene in a real browser: every page, with every zoo model (checkpoints/) that page is for, drawn by headless
Chromium; from the SVG's bounding boxes no Plotly title or axis title extends beyond its figure, the tick labels of one
axis do not overlap each other, an axis title does not overlap its tick labels, and no figure is empty.

One server and one browser for the whole module (the harness of tests/test_browser.py). Run:
`.venv/bin/python -m pytest -q tests/test_browser_layout.py`; screenshots of failures go to test-artifacts/browser/.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from hoviz.checkpoint import CHECKPOINT_DIR, list_checkpoints
from tests.streamlit_harness import streamlit_server
from tests.test_browser import ARTIFACTS, DRAWN, SHORT, Watched, browser  # noqa: F401  (browser: the shared fixture)

SLACK = 1.0  # px: rounding of SVG text boxes

# Runs in the page: one record per drawn Plotly figure with what breaks the rules (empty list: nothing).
PROBE = r"""() => {
  const box = e => e.getBoundingClientRect();
  const shown = e => { const b = box(e); return b.width > 0 && b.height > 0 && e.textContent.trim() !== '' &&
                       getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden'; };
  const overlap = (a, b, s) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > s &&
                               Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > s;
  const name = e => JSON.stringify(e.textContent.trim().slice(0, 60));
  return [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg')).map(p => {
    const fig = box(p.querySelector('.main-svg')), bad = [];
    const titleEl = p.querySelector('.infolayer .gtitle');
    const label = titleEl ? titleEl.textContent.trim().slice(0, 60) : '(untitled)';
    const marks = [...p.querySelectorAll('.mlayer path, .mlayer image, .mlayer text, .shapelayer path, ' +
      '.pielayer path, .polarlayer path, .layer-above .imagelayer image')]
      .filter(e => { const b = box(e); return b.width > 0 || b.height > 0; });
    if (!marks.length) bad.push('empty figure: nothing drawn in the plot area');
    const titles = [...p.querySelectorAll('.infolayer text')].filter(e =>
      /(^|\s)(gtitle|[xy]\d*title|cbtitle)(\s|$)/.test(e.getAttribute('class') || '') ||
      e.closest('.cbtitle')).filter(shown);
    for (const t of titles) {
      const b = box(t);
      if (b.left < fig.left - SLACK || b.right > fig.right + SLACK || b.top < fig.top - SLACK ||
          b.bottom > fig.bottom + SLACK)
        bad.push(`title ${name(t)} extends beyond the figure (${Math.round(b.left - fig.left)}..` +
                 `${Math.round(b.right - fig.left)} of ${Math.round(fig.width)} px wide, ` +
                 `${Math.round(b.top - fig.top)}..${Math.round(b.bottom - fig.top)} of ${Math.round(fig.height)} high)`);
    }
    const ticks = {};
    for (const sub of p.querySelectorAll('.cartesianlayer > g.subplot')) {
      const m = [...sub.classList].map(c => c.match(/^(x\d*)(y\d*)$/)).find(Boolean);
      if (!m) continue;
      for (const [ax, sel] of [[m[1], '.xaxislayer-above .xtick text'], [m[2], '.yaxislayer-above .ytick text']])
        ticks[ax] = (ticks[ax] || []).concat([...sub.querySelectorAll(sel)].filter(shown));
    }
    for (const [ax, labels] of Object.entries(ticks)) {
      const boxes = labels.map(box);
      let clash = null;
      for (let i = 0; i < boxes.length && !clash; i++)
        for (let j = i + 1; j < boxes.length && !clash; j++)
          if (overlap(boxes[i], boxes[j], SLACK)) clash = [labels[i], labels[j]];
      if (clash) bad.push(`${ax} axis: tick labels ${name(clash[0])} and ${name(clash[1])} overlap`);
      const title = p.querySelector(`.infolayer text.${ax}title`);
      if (title && shown(title)) {
        const hit = labels.find(l => overlap(box(l), box(title), SLACK));
        if (hit) bad.push(`${ax} axis: title ${name(title)} overlaps tick label ${name(hit)}`);
      }
    }
    return {figure: label, problems: bad};
  });
}""".replace("SLACK", str(SLACK))

LM_PAGES = ["", "attention", "audit", "complex"]  # pages for every model ("" = Prompt, served at "/")
S2_PAGES = ["threeway", "evidence"]  # pages for models with a 2-simplicial layer
FREE_PAGES = ["compare", "expressivity"]  # pages that take no model


def layout_visits() -> list[tuple[str, str | None]]:
    """(page path, model) for every page and every real-zoo model that page is for."""
    models = list_checkpoints(CHECKPOINT_DIR)
    s2 = []
    for name in models:
        try:
            mixers = json.loads((CHECKPOINT_DIR / f"{name}.json").read_text())["config"]["mixers"]
        except (OSError, ValueError, KeyError):
            continue
        if "simplicial2" in mixers:
            s2.append(name)
    return ([(p, m) for p in LM_PAGES for m in models] + [(p, m) for p in S2_PAGES for m in s2] +
            [(p, None) for p in FREE_PAGES])


VISITS = layout_visits()


@pytest.fixture(scope="module")
def real_app():
    if not VISITS or not list_checkpoints(CHECKPOINT_DIR):
        pytest.skip("no checkpoints in checkpoints/ (the real zoo): `make zoo`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(CHECKPOINT_DIR, ARTIFACTS / "streamlit-layout.log") as base:
        yield base


@pytest.fixture(scope="module")
def tab(browser):  # noqa: F811
    """One tab for every visit (a fresh tab per page would cost a websocket handshake and a first render each)."""
    watched = Watched(browser)
    yield watched
    watched.page.close()


@pytest.mark.parametrize(("path", "model"), VISITS, ids=[f"{p or 'prompt'}-{m or 'none'}" for p, m in VISITS])
def test_figures_lay_out_cleanly(real_app, tab, path, model):
    query = {} if model is None else {"model": model}
    if model is not None and model.startswith("shakespeare"):
        query["prompt"] = SHORT  # a short prompt keeps the audit and the complex cheap; task models keep theirs
    runs = tab.finished
    tab.page.goto(f"{real_app}/{path}?{urlencode(query)}", wait_until="domcontentloaded")
    tab.idle(runs)
    exceptions = tab.page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    tab.page.wait_for_function(f"{DRAWN} >= 1", timeout=30_000)
    figures = tab.page.evaluate(PROBE)
    assert figures, "no Plotly figure was drawn"
    problems = [f"[{f['figure']}] {p}" for f in figures for p in f["problems"]]
    if problems:
        tab.page.screenshot(path=str(ARTIFACTS / f"layout-{path or 'prompt'}-{model or 'none'}.png"), full_page=True)
    assert not problems, "\n".join(problems)
