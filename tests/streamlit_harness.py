"""Helpers shared by the app tests and scripts/bench_app.py: opening a link headlessly with AppTest, Debian's
Chromium flags, a free port, and `streamlit run app.py` as a subprocess that is always terminated.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(zoo: Path, log: Path):
    """`streamlit run app.py` on a free port with $HOVIZ_CHECKPOINTS = zoo; yields the base URL once it answers."""
    with streamlit_process(zoo, log) as (base, _proc):
        yield base


@contextlib.contextmanager
def streamlit_process(zoo: Path, log: Path, root: Path = ROOT):
    """As `streamlit_server`, yielding (base URL, the server's Popen) for callers that watch the process; `root` is
    the tree whose app.py is served (another checkout, for an A/B timing)."""
    port = free_port()
    env = {"HOVIZ_CONFIRM_S": "inf", **os.environ, "HOVIZ_CHECKPOINTS": str(zoo), "PYTHONUNBUFFERED": "1"}  # no
    # confirmation button unless the caller's environment asks for one: a busy machine's timings vary
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {base} within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def open_link(page_file: str, query: dict, default_prompt: str):
    """AppTest's first render of `page_file` (e.g. "pages/2_attention.py") opened with URL parameters `query`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"prompt": default_prompt, **query}.items():
        at.query_params[k] = v
    return at.switch_page(page_file).run()


def texts(elements) -> str:
    """The values of Streamlit elements (errors, warnings, ...) joined into one string."""
    return "\n".join(str(e.value) for e in elements)
