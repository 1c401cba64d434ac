"""Does the server's memory level off? Open the attention page of the featured model for N distinct prompts, one
after another in headless Chromium, and sample the Streamlit server's resident memory (VmRSS) every `--every`
prompts. Every cache in the app has a bound (max_entries), so RSS must stop growing once the caches are full.

Writes benchmarks/server-rss.json (the RSS curve, its last-quarter growth) and prints it. Needs Debian's chromium.
    .venv/bin/python scripts/bench_server_rss.py [--prompts 200] [--every 20] [--out benchmarks/server-rss.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hoviz.checkpoint import CHECKPOINT_DIR
from hoviz.zoo import default_model, list_zoo
from tests.streamlit_harness import CHROMIUM_ARGS, chromium_path, streamlit_process

LINES = ["But soft, what light through yonder window breaks?", "It is the east, and Juliet is the sun.",
         "Arise, fair sun, and kill the envious moon,", "Who is already sick and pale with grief,",
         "To be, or not to be, that is the question:", "Whether 'tis nobler in the mind to suffer",
         "The slings and arrows of outrageous fortune,", "Or to take arms against a sea of troubles"]
DRAWN = "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3"


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def prompt(k: int) -> str:
    """The k-th distinct prompt: two passage lines and a counter, so no two share a cache key."""
    return f"ROMEO:\n{LINES[k % len(LINES)]}\n{LINES[(3 * k + 1) % len(LINES)]} ({k})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--every", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "server-rss.json")
    args = ap.parse_args(argv)
    path = chromium_path()
    if path is None:
        print("needs Chromium: sudo apt-get install -y chromium", file=sys.stderr)
        return 2
    model = default_model(list_zoo(CHECKPOINT_DIR))
    from playwright.sync_api import sync_playwright

    curve, log = [], ROOT / "test-artifacts" / "streamlit-rss.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with streamlit_process(CHECKPOINT_DIR, log) as (base, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1400, "height": 2200})
        page = ctx.new_page()
        curve.append({"prompts": 0, "rss_mib": round(rss_mib(proc.pid), 1)})
        for k in range(1, args.prompts + 1):
            page.goto(f"{base}/attention?{urlencode({'model': model, 'prompt': prompt(k), 'layer': 1})}")
            page.wait_for_function(DRAWN, timeout=120_000)
            if k % args.every == 0:
                curve.append({"prompts": k, "rss_mib": round(rss_mib(proc.pid), 1)})
                print(curve[-1], flush=True)
        browser.close()
    quarter = [c for c in curve if c["prompts"] >= 0.75 * args.prompts]
    report = {"what": "Streamlit server RSS while opening the attention page for distinct prompts",
              "command": "python scripts/bench_server_rss.py " + " ".join(argv or sys.argv[1:]),
              "model": model, "curve": curve, "last_quarter_growth_mib": round(quarter[-1]["rss_mib"]
                                                                              - quarter[0]["rss_mib"], 1),
              "seconds": round(time.perf_counter() - t0, 1), "machine": platform.processor() or platform.machine(),
              "date": datetime.date.today().isoformat()}
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps({k: report[k] for k in ("model", "last_quarter_growth_mib", "seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
