"""Full-page screenshots of the 3-way, complex and expressivity pages on the real zoo (checkpoints/), headless Chromium.

Run: `.venv/bin/python scripts/screenshot_pages.py TAG` writes docs/screenshots/TAG-PAGE.png for each visit below
(TAG e.g. "before" or "after"). Uses the browser test's harness (tests/test_browser.py: Watched, one server).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hoviz.checkpoint import CHECKPOINT_DIR
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_server
from tests.test_browser import SHORT, Watched

OUT = ROOT / "docs" / "screenshots"
VISITS = [("threeway", {"model": "shakespeare-simplicial2", "prompt": SHORT}, 2),
          ("threeway-leaky", {"model": "shakespeare-simplicial2-leaky", "prompt": SHORT}, 2),
          ("complex", {"model": "shakespeare-gated-triangle", "prompt": SHORT}, 4),
          ("expressivity", {}, 3),
          ("expressivity-rook", {"pair": "rook", "wl_layout": "grid"}, 3)]


def main(tag: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    log = ROOT / "test-artifacts" / "streamlit-screenshots.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with streamlit_server(CHECKPOINT_DIR, log) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
        for name, query, charts in VISITS:
            tab = Watched(ctx)
            tab.open(f"{base}/{name.split('-')[0]}?{urlencode(query)}", charts)
            tab.page.screenshot(path=str(OUT / f"{tag}-{name}.png"), full_page=True)
            print(f"{tag}-{name}.png")
            tab.page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "before")
