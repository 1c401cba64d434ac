"""The app in a real browser: `streamlit run app.py` as a subprocess, driven by Debian's Chromium through Playwright.

Every page (/ = Prompt, /attention, /threeway, /audit, /complex, /compare, /expressivity, /evidence) must draw its Plotly charts
with no Streamlit exception, no st.error and no browser console error; screenshots go to test-artifacts/browser/.
The tiny fixture zoo always runs; the real zoo (checkpoints/) too when it has checkpoints.
A missing Chromium FAILS (CI installs it: `apt-get install -y chromium`); set HOVIZ_SKIP_BROWSER=1 to skip on purpose.

Known benign console noise, filtered and nothing else: opening a page URL directly (/complex), Streamlit's frontend
first probes /complex/_stcore/health and /complex/_stcore/host-config (404, "Failed to load resource") before the
root's endpoints; only these 404s are ignored, and every other failed response fails the test. The Prompt page is
the default page, which Streamlit serves at "/" only: "/prompt" logs "The page that you have requested does not seem
to exist" and redirects to "/", so the test opens "/".
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest

from hoviz.checkpoint import CHECKPOINT_DIR, list_checkpoints
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
BENIGN_404 = re.compile(r"/[a-z]+/_stcore/(health|host-config)$")
SHORT = "ROMEO:\nBut soft, what light through yonder window breaks?"
PAGE_TIMEOUT_MS = 120_000


def zoo_models(directory: Path) -> dict[str, str | None]:
    """Pick a model of each kind from the sidecars: dense / simplicial2 / complex-lifting (scn, gated_triangle) language models, match3."""
    picks: dict[str, str | None] = {"dense": None, "simplicial2": None, "lift": None, "match3": None}
    for name in list_checkpoints(directory):
        try:
            meta = json.loads((directory / f"{name}.json").read_text())
        except (OSError, ValueError):
            continue
        mixers = meta.get("config", {}).get("mixers", [])
        task = (meta.get("task") or {}).get("name")
        leaky = meta.get("config", {}).get("s2_mask") == "leaky"
        if task == "match3":
            picks["match3"] = picks["match3"] or name
            continue
        if task in ("match2",) or leaky:
            continue
        kind = "lift" if {"scn", "gated_triangle"} & set(mixers) else "simplicial2" if "simplicial2" in mixers else \
            "dense" if set(mixers) == {"dense"} else None
        if kind and picks[kind] is None:
            picks[kind] = name
    return picks


def visits(models: dict) -> list[tuple[str, dict, int]]:
    """(path, query, minimum number of Plotly charts) for every page."""
    dense = models["dense"] or models["simplicial2"] or models["lift"]
    s2, scn = models["simplicial2"] or dense, models["lift"] or dense
    q = {"prompt": SHORT}
    return [("", {"model": dense, **q}, 2),  # the default page (Prompt) lives at "/"; Streamlit has no "/prompt" route
            ("attention", {"model": dense, **q}, 3),
            ("threeway", {"model": s2, **q}, 2 if models["simplicial2"] else 0),
            ("audit", {"model": dense, **q}, 1),
            ("complex", {"model": scn, **q}, 5 if models["lift"] else 4),
            ("compare", {}, 3),
            ("expressivity", {}, 3 if models["match3"] else 1),
            ("evidence", {"model": s2, **q}, 3 if models["simplicial2"] else 1)]


ZOOS = ["tiny"] + (["real"] if list_checkpoints(CHECKPOINT_DIR) else [])


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A persistent-context Chromium (fresh user-data dir), headless."""
    path = chromium_path()
    if path is None:
        if os.environ.get("HOVIZ_SKIP_BROWSER") == "1":
            pytest.skip("HOVIZ_SKIP_BROWSER=1 and no chromium on PATH")
        pytest.fail("Chromium is not installed: `apt-get install -y chromium` (CI's .ci/run does); "
                    "set HOVIZ_SKIP_BROWSER=1 to skip the browser tests on purpose")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")), executable_path=path,
            args=CHROMIUM_ARGS, headless=True, viewport={"width": 1400, "height": 2200})
        yield ctx
        ctx.close()


@pytest.fixture(scope="module", params=ZOOS)
def app(request, tiny_zoo_dir):
    """(base URL, zoo name, models by kind) of a running app on the tiny or the real zoo."""
    directory = tiny_zoo_dir.path if request.param == "tiny" else CHECKPOINT_DIR
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(directory, ARTIFACTS / f"streamlit-{request.param}.log") as base:
        yield base, request.param, zoo_models(directory)


DRAWN = "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length"


class Watched:
    """A new tab whose console errors, page errors and failed responses are recorded, and which counts the script
    runs the server reports finished (ForwardMsg.script_finished on the websocket)."""

    def __init__(self, ctx):
        self.page = ctx.new_page()
        self.console: list[str] = []
        self.failed: list[str] = []
        self.finished = 0
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes):
            msg = ForwardMsg()
            with contextlib.suppress(Exception):
                msg.ParseFromString(payload)
                if msg.WhichOneof("type") == "script_finished":
                    self.finished += 1

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and BENIGN_404.search(url):
            return
        self.console.append(f"{msg.text} ({url})")

    def open(self, url: str, min_charts: int) -> float:
        """Go to url, wait for its script run to finish and min_charts Plotly charts drawn; seconds taken."""
        t0 = time.perf_counter()
        runs = self.finished
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_selector('[data-testid="stApp"]', timeout=PAGE_TIMEOUT_MS)
        self.idle(runs)
        self.page.wait_for_function(f"{DRAWN} >= {min_charts}", timeout=PAGE_TIMEOUT_MS)
        return time.perf_counter() - t0

    def idle(self, runs: int) -> None:
        """Wait until more than `runs` script runs have finished and no run is in progress (status widget gone)."""
        deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
        while self.finished <= runs:
            assert time.monotonic() < deadline, "the script run never finished"
            self.page.wait_for_timeout(50)
        self.page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                    timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_timeout(200)  # let Plotly draw what the last messages carried

    def check(self, shot: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
        exceptions = self.page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, exceptions.first.inner_text()
        errors = self.page.locator('[data-testid="stAlertContentError"]')
        assert errors.count() == 0, errors.first.inner_text()
        assert not self.console, self.console
        assert all(BENIGN_404.search(f.split(" ", 1)[1]) for f in self.failed), self.failed

    def query(self) -> dict:
        return {k: v[-1] for k, v in parse_qs(urlparse(self.page.url).query).items()}


@pytest.mark.parametrize("page_name", ["prompt", "attention", "threeway", "audit", "complex", "compare",
                                       "expressivity", "evidence"])
def test_page_renders(app, browser, page_name):
    base, zoo, models = app
    path, query, min_charts = next(v for v in visits(models) if v[0] == ("" if page_name == "prompt" else page_name))
    tab = Watched(browser)
    try:
        seconds = tab.open(f"{base}/{path}?{urlencode(query)}", min_charts)
        charts = tab.page.locator(".js-plotly-plot")
        assert charts.count() >= min_charts
        for k in range(charts.count()):  # every chart drew an SVG with content, not an empty box
            assert charts.nth(k).locator(".main-svg").count() >= 1
        if min_charts:  # the modebar offers the image download (PNG/SVG, the sidebar's choice)
            assert tab.page.locator('.modebar-btn[data-title^="Download plot"]').count() >= 1
        tab.check(f"{zoo}-{page_name}")
        assert seconds < PAGE_TIMEOUT_MS / 1000
    finally:
        tab.page.close()


def test_url_state_round_trips_in_the_browser(app, browser):
    base, zoo, models = app
    model = models["lift"] or models["dense"]
    tab = Watched(browser)
    try:
        tab.open(f"{base}/complex?{urlencode({'model': model, 'prompt': SHORT, 'r': '0.42', 'cap': '3'})}", 4)
        q = tab.query()
        assert q["r"] == "0.42" and q["cap"] == "3" and q["model"] == model and q["src"] == "attention"
        radius = tab.page.locator('[data-testid="stSlider"]').filter(has_text="Radius r")  # by label: the SCN
        assert "0.42" in radius.first.inner_text()  # layer's position slider may be drawn above it
        tab.open(f"{base}/expressivity?pair=rook", 1)
        assert tab.query()["pair"] == "rook"
        if models["match3"]:  # interact: switch the Match3 sequence to "type one"; the URL follows, clean rerun
            runs = tab.finished
            tab.page.get_by_text("type one", exact=True).click()
            tab.idle(runs)
            assert tab.query()["m3mode"] == "typed" and tab.query()["pair"] == "rook"
        tab.check(f"{zoo}-url-round-trip")
    finally:
        tab.page.close()


def test_bad_url_values_warn_in_the_browser(app, browser):
    base, zoo, models = app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/complex?{urlencode({'model': models['dense'], 'prompt': SHORT, 'r': '7', 'cap': 'x'})}", 4)
        warnings = tab.page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
        assert sum("Ignored URL parameter" in w for w in warnings) == 2, warnings
        tab.check(f"{zoo}-bad-url")
    finally:
        tab.page.close()


def test_complex_page_exports_its_data(app, browser):
    """The download buttons hand over the complex and diagrams (JSON: strict, inf as null; NPZ: the arrays)."""
    base, zoo, models = app
    tab = Watched(browser)
    try:
        tab.open(f"{base}/complex?{urlencode({'model': models['dense'], 'prompt': SHORT, 'r': '0.8'})}", 4)
        with tab.page.expect_download() as info:
            tab.page.get_by_text("Download the complex (JSON)").click()
        data = json.loads(Path(info.value.path()).read_text())
        assert data["radius"] == 0.8 and data["model"] == models["dense"]
        assert len(data["tokens"]) == len(SHORT) and len(data["betti"]) == 3
        assert all(len(e) == 2 for e in data["edges"]) and all(len(t) == 3 for t in data["triangles"])
        assert data["H0"][-1][1] is None  # the one class that never dies
        with tab.page.expect_download() as info:
            tab.page.get_by_text("Download diagrams and complexes (NPZ)").click()
        with np.load(info.value.path()) as npz:
            assert {"distance", "H0", "H1", "betti_curves", "edges", "triangles"} <= set(npz.files)
            assert npz["distance"].shape == (len(SHORT), len(SHORT))
        tab.check(f"{zoo}-exports")
    finally:
        tab.page.close()
