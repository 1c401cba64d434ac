"""A/B timing of a fresh link to the attention page: this tree's server and another tree's (e.g. a `git worktree` of an
older commit), visited alternately in one warm headless Chromium so both see the same machine load. Prints the median
seconds until the charts are drawn and the bytes received (HTTP + websocket), for the app's default link and for the
leaky 2-simplicial model with a 128-character prompt (scripts/bench_app.py's worst case).

    .venv/bin/python scripts/bench_attention_ab.py ../other-tree [--repeats 7]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "tests")]

from bench_app import prompt_for
from browser_meter import Meter, timed_visit

from hoviz.checkpoint import CHECKPOINT_DIR
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_process


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", type=Path, help="the other tree (its app.py is served)")
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    roots = {"other": a.other.resolve(), "this": ROOT}
    leaky = "shakespeare-simplicial2-leaky"
    queries = {"default link": {}, "leaky T=128": {"model": leaky, "prompt": prompt_for(CHECKPOINT_DIR, leaky, 128)}}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with contextlib.ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        servers = {k: stack.enter_context(streamlit_process(CHECKPOINT_DIR, logs / f"{k}.log", r))
                   for k, r in roots.items()}  # (base URL, process) per tree, stopped on the way out
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
            ctx = pw.chromium.launch_persistent_context(profile, executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                                        headless=True, viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            meter = Meter(page)
            for label, query in queries.items():
                urls = {k: f"{base}/attention?{urlencode(query)}" for k, (base, _) in servers.items()}
                for url in urls.values():  # warm-up: fills both servers' caches
                    timed_visit(page, meter, url, n=4)
                runs = {k: [] for k in urls}
                for _ in range(a.repeats):
                    for k, url in urls.items():
                        runs[k].append(timed_visit(page, meter, url, n=4))
                for k, rs in runs.items():
                    med = {f: statistics.median(r[f] for r in rs) for f in ("seconds", "until_run_finished_s",
                                                                           "total_bytes")}
                    print(f"{label:13s} {k:5s} fresh link {med['seconds']:.3f} s (run done "
                          f"{med['until_run_finished_s']:.3f} s), {med['total_bytes'] / 1e6:.3f} MB, median of "
                          f"{len(rs)}", flush=True)
            ctx.close()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
