"""Time a freshly opened link to every page, as a newcomer meets it: no URL parameters (the app's own defaults:
the featured model, the default prompt), a new session per visit in a warm headless Chromium, seconds until the
script run finished and its Plotly charts are drawn (median of --repeats visits after one warm-up visit).

Writes benchmarks/pages.json and prints a table. Needs Debian's chromium.
    .venv/bin/python scripts/bench_pages.py [--repeats 3] [--out benchmarks/pages.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from browser_meter import Meter, timed_visit

from hoviz.checkpoint import CHECKPOINT_DIR
from pages.glue.page_table import PAGES
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_server


def visit(page, meter: Meter, url: str) -> float:
    """Seconds from opening `url` until its run finished and its first chart is drawn."""
    return timed_visit(page, meter, url, n=1)["seconds"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "pages.json")
    args = ap.parse_args(argv)
    path = chromium_path()
    if path is None:
        print("needs Chromium: sudo apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    rows = {}
    log = ROOT / "test-artifacts" / "bench-pages-streamlit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with streamlit_server(CHECKPOINT_DIR, log) as base, sync_playwright() as p, tempfile.TemporaryDirectory() as prof:
        ctx = p.chromium.launch_persistent_context(prof, executable_path=path, args=CHROMIUM_ARGS, headless=True,
                                                   viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        meter = Meter(page)
        for k, (_, _, _, route) in enumerate(PAGES):
            url = f"{base}/{'' if k == 0 else route}"  # the default page lives at "/"
            first = visit(page, meter, url)  # fills the server's caches for the defaults
            again = [visit(page, meter, url) for _ in range(args.repeats)]
            rows[route] = {"first_s": round(first, 3),
                                                     "fresh_link_median_s": round(statistics.median(again), 3)}
            print(f"{route:14s} first {first:6.2f} s   fresh link (median of "
                  f"{args.repeats}) {statistics.median(again):6.2f} s", flush=True)
        ctx.close()
    report = {"what": "a freshly opened link to each page with the app's defaults, headless Chromium, warm browser",
              "command": "python scripts/bench_pages.py " + " ".join(argv or sys.argv[1:]), "pages": rows,
              "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                          "load_avg": [round(x, 2) for x in os.getloadavg()]},
              "date": datetime.date.today().isoformat()}
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
