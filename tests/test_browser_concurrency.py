"""Six viewers at once on one server: each browser context opens the attention page of the same shared model with its
own prompt, all at the same time, and each must see exactly the figure a solo viewer of its link sees (the plotly
data of the enlarged head's adjacency matrix, read back from the page), with no exception.

Timings (seconds from opening the link to the first drawn figure, p50 and p95 over the six viewers) are written to
test-artifacts/browser/concurrency.json; they are a report, not an assertion.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import numpy as np
import pytest

from hoviz.checkpoint import CHECKPOINT_DIR, list_checkpoints
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_server
from tests.test_browser import ARTIFACTS, PAGE_TIMEOUT_MS, Watched

MODEL = "shakespeare-simplicial2"
PROMPTS = ["ROMEO:\nBut soft, what light through yonder window breaks?",
           "JULIET:\nO Romeo, Romeo! wherefore art thou Romeo?\nDeny thy father",
           "HAMLET:\nTo be, or not to be, that is the question:",
           "MACBETH:\nIs this a dagger which I see before me,\nThe handle toward my hand?",
           "PORTIA:\nThe quality of mercy is not strain'd,",
           "KING RICHARD III:\nNow is the winter of our discontent\nMade glorious summer by this sun of York;"]
# every chart's title and its traces' z values, typed arrays made plain lists
READ_CHARTS = """() => {
  const plain = z => ArrayBuffer.isView(z) ? Array.from(z) : Array.isArray(z) ? z.map(plain) : z;
  return [...document.querySelectorAll('.js-plotly-plot')].map(e => ({
    title: ((e.layout || {}).title || {}).text || '', z: (e.data || []).map(t => t.z === undefined ? null : plain(t.z))}));
}"""
FIRST_FIGURE = "document.querySelector('.js-plotly-plot .main-svg') !== null"
DRAWN_OR_FAILED = f"{FIRST_FIGURE} || document.querySelector('[data-testid=\"stException\"]') !== null"


def matrix_of(charts) -> np.ndarray:
    """The enlarged head's adjacency matrix (the chart whose title says so), decoded from plotly's typed array."""
    found = [c["z"][0] for c in charts if "adjacency matrix" in c["title"]]
    assert len(found) == 1, [c["title"] for c in charts]
    z = found[0]
    if isinstance(z, dict):  # {"dtype": "f4", "bdata": base64, "shape": "T, T"}: how plotly ships numpy arrays
        shape = tuple(int(n) for n in str(z["shape"]).split(","))
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"])).reshape(shape)
    return np.array(z, dtype=np.float64)


def url(base: str, prompt: str) -> str:
    return f"{base}/attention?{urlencode({'model': MODEL, 'prompt': prompt, 'layer': 1})}"


@pytest.mark.skipif(MODEL not in list_checkpoints(CHECKPOINT_DIR), reason=f"{MODEL} is not in checkpoints/")
def test_simultaneous_viewers_each_see_their_own_figures(tmp_path):
    path = chromium_path()
    assert path, "Chromium is not installed (make test installs it)"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(CHECKPOINT_DIR, ARTIFACTS / "streamlit-concurrency.log") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            warm = Watched(browser.new_context())  # load the model once, so that the six runs overlap in tracing
            warm.open(url(base, "ROMEO: warm-up"), 3)
            tabs = [Watched(browser.new_context(viewport={"width": 1400, "height": 2200})) for _ in PROMPTS]
            starts = []
            for tab, prompt in zip(tabs, PROMPTS):  # all six links opened before any has drawn
                starts.append(time.perf_counter())
                tab.page.goto(url(base, prompt), wait_until="commit")
            first = []
            for tab, t0 in zip(tabs, starts):
                tab.page.wait_for_function(DRAWN_OR_FAILED, timeout=PAGE_TIMEOUT_MS)
                first.append(time.perf_counter() - t0)
            for k, tab in enumerate(tabs):
                if not tab.page.evaluate(f"() => {FIRST_FIGURE}"):
                    tab.check(f"concurrency-{k}")  # fails with the page's exception
            together = []
            for k, tab in enumerate(tabs):
                tab.idle(0)
                tab.page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3",
                                           timeout=PAGE_TIMEOUT_MS)
                tab.check(f"concurrency-{k}")  # no exception, no st.error, no console error
                together.append(matrix_of(tab.page.evaluate(READ_CHARTS)))
            solo, solo_s = [], []
            for prompt in PROMPTS:  # the same links, one viewer at a time
                tab = Watched(browser.new_context(viewport={"width": 1400, "height": 2200}))
                solo_s.append(tab.open(url(base, prompt), 3))
                solo.append(matrix_of(tab.page.evaluate(READ_CHARTS)))
        finally:
            browser.close()
    report = {"viewers": len(PROMPTS), "model": MODEL, "first_figure_s": [round(s, 3) for s in first],
              "p50_s": round(float(np.percentile(first, 50)), 3), "p95_s": round(float(np.percentile(first, 95)), 3),
              "solo_page_s": [round(s, 3) for s in solo_s]}
    (ARTIFACTS / "concurrency.json").write_text(json.dumps(report, indent=1))
    print(report)
    sizes = [z.shape[0] for z in solo]
    assert len(set(sizes)) > 1  # the prompts really differ in length, so a crossed figure cannot pass unseen
    wrong = [k for k in range(len(PROMPTS))
             if together[k].shape != solo[k].shape or not np.array_equal(together[k], solo[k], equal_nan=True)]
    assert not wrong, f"viewers {wrong} saw another prompt's figure (shapes {[together[k].shape for k in wrong]})"
