"""What scripts/bench_app.py measures in a real browser tab (Playwright): bytes received over HTTP and the websocket,
script runs the Streamlit server reported finished, and the seconds until a page's Plotly charts are drawn after
opening a link, clicking a sidebar link or switching the model. Used by bench_app.py only.
"""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlencode

DRAWN = "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length"


class Meter:
    """Bytes received by a tab (HTTP response bodies as transferred, websocket frames) and the script runs the server
    reported finished (ForwardMsg.script_finished): a view is drawn when its run finished and Plotly drew the charts."""

    def __init__(self, page) -> None:
        self.page, self.http, self.ws, self.requests, self.finished = page, 0, 0, [], 0
        page.on("requestfinished", lambda r: self.requests.append(r))
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        data = payload if isinstance(payload, bytes) else payload.encode()
        self.ws += len(data)
        msg = ForwardMsg()
        with contextlib.suppress(Exception):
            msg.ParseFromString(data)
            self.finished += msg.WhichOneof("type") == "script_finished"

    def reset(self) -> None:
        self.http, self.ws, self.requests[:] = 0, 0, []

    def total(self) -> dict:
        http = sum(max(0, r.sizes()["responseBodySize"]) for r in self.requests)
        return {"http_bytes": http, "ws_bytes": self.ws, "total_bytes": http + self.ws}


def settle(page, meter: Meter, runs: int, n: int, timeout_s: float = 300) -> float:
    """Until a script run after the first `runs` has finished, no run is in progress, and n charts are drawn.
    Returns perf_counter() when the run's script_finished message arrived."""
    deadline = time.monotonic() + timeout_s
    while meter.finished <= runs:
        if time.monotonic() > deadline:
            raise TimeoutError("the script run never finished")
        page.wait_for_timeout(10)
    finished = time.perf_counter()
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_s * 1e3)
    page.wait_for_function(f"{DRAWN} >= {n}", timeout=timeout_s * 1e3)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # painted
    return finished


def timed_visit(page, meter: Meter, url: str, n: int = 3) -> dict:
    meter.reset()
    runs = meter.finished
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    finished = settle(page, meter, runs, n)
    return {"seconds": round(time.perf_counter() - t0, 3), "until_run_finished_s": round(finished - t0, 3),
            **meter.total()}


def navigate(page, meter: Meter, base: str, query: dict) -> float:
    """From the Prompt page, click "Attention graph" in the sidebar: seconds until its charts are drawn."""
    runs = meter.finished
    page.goto(f"{base}/?{urlencode(query)}", wait_until="commit")
    settle(page, meter, runs, 2)
    runs = meter.finished
    t0 = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Attention graph").first.click()
    settle(page, meter, runs, 3)
    return round(time.perf_counter() - t0, 3)


def switch_model(page, meter: Meter, name: str) -> dict:
    """Pick `name` in the sidebar's model selectbox; seconds until the page has run and is drawn again."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    option = page.locator('[role="option"]').filter(has_text=name).first
    runs = meter.finished
    t0 = time.perf_counter()
    option.click()
    finished = settle(page, meter, runs, 3)
    return {"seconds": round(time.perf_counter() - t0, 3), "until_run_finished_s": round(finished - t0, 3)}


def median_run(fn, repeats: int):
    """fn() `repeats` times; the run with the median seconds (fn returns seconds or a dict with "seconds")."""
    runs = [fn() for _ in range(repeats)]
    runs.sort(key=lambda r: r["seconds"] if isinstance(r, dict) else r)
    return runs[len(runs) // 2]
