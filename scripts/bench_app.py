"""Benchmark the app as a user meets it: server-side warm reruns of every page (AppTest) for a 128-character prompt on
each zoo model, the attention page in a real browser (time to Plotly charts drawn, bytes over HTTP and the
websocket), the first render after a model switch, and a T = 512 attention view on a synthetic block-512 model.

Targets: warm rerun <= 0.5 s; attention page <= 1 s with <= 0.7 MB sent; model switch <= 2 s; T = 512 view < 5 s.
Writes benchmarks/app.json and prints a table. Needs Debian's chromium (Playwright drives it).
    .venv/bin/python scripts/bench_app.py [--zoo real|tiny|PATH] [--repeats 3] [--out benchmarks/app.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

import torch
from browser_meter import Meter, median_run, navigate, settle, switch_model, timed_visit

from hoviz import GPT, GPTConfig, list_checkpoints, save_checkpoint
from hoviz.checkpoint import CHECKPOINT_DIR, checkpoint_files
from hoviz.tokenizer import CharTokenizer
from hoviz.zoo import read_sidecar
from pages.glue.page_table import PAGE_FILES
from tests.streamlit_harness import CHROMIUM_ARGS, streamlit_server

PAGES = PAGE_FILES
TARGETS = {"warm_rerun_s": 0.5, "attention_browser_s": 1.0, "attention_bytes": 0.7e6, "model_switch_s": 2.0,
           "t512_attention_s": 5.0}
PASSAGE = ("ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n"
           "Arise, fair sun, and kill the envious moon,\nWho is already sick and pale with grief,\n")
SYNTHETIC = "synthetic-block512"  # [dense, dense]: the T = 512 attention view itself
SYNTHETIC_S2 = "synthetic-s2-block512"  # [dense, simplicial2]: optional, its forward alone is O(T³)


# ---------------------------------------------------------------- zoo and prompts
def prompt_for(directory: Path, name: str, chars: int) -> str:
    """A `chars`-character Shakespeare prompt the model can read; Match models get their own default sequence."""
    meta = read_sidecar(checkpoint_files(directory / name)[1])
    tok = meta["tokenizer"]
    if tok.get("kind") == "word":
        task = meta.get("task") or {}
        n = int(task.get("N", meta["config"]["block_size"]))
        return " ".join(str((7 * k + 3) % int(task.get("M", 10))) for k in range(n))
    vocab = set(tok["vocab"])
    text = "".join(c for c in PASSAGE * 8 if c in vocab)
    return text[:chars]


def tiny_zoo(directory: Path) -> None:
    from conftest import TINY_SPECS, make_checkpoint

    for seed, (name, (mixers, extra, char)) in enumerate(TINY_SPECS.items()):
        make_checkpoint(directory, name, mixers, char=char, seed=seed, **extra)


def synthetic_model(directory: Path, name: str, mixers: list[str]) -> str:
    """A random-init character model with block size 512 (C = 64, 4 heads, one layer per mixer)."""
    from conftest import SHAKESPEARE_VOCAB

    torch.manual_seed(0)
    tok = CharTokenizer(SHAKESPEARE_VOCAB)
    model = GPT(GPTConfig(vocab_size=len(tok), block_size=512, n_layer=len(mixers), n_head=4, n_embd=64,
                          mixers=mixers))
    save_checkpoint(directory / name, model.eval(), tok, meta={"task": {"name": "shakespeare"},
                                                               "metrics": {}, "note": "bench_app synthetic"})
    return name


# ---------------------------------------------------------------- server side: AppTest warm reruns
def server_reruns(directory: Path, names: list[str], chars: int, repeats: int) -> dict:
    """{model: {page: {"first_s", "warm_s"}}}: one AppTest session per model, every page, then warm reruns."""
    from streamlit.testing.v1 import AppTest

    os.environ["HOVIZ_CHECKPOINTS"] = str(directory)
    out = {}
    for name in names:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.query_params["model"] = name
        at.query_params["prompt"] = prompt_for(directory, name, chars)
        out[name] = {}
        for page, path in PAGES.items():
            at.switch_page(path)
            t0 = time.perf_counter()
            at.run()
            first = time.perf_counter() - t0
            warm = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - t0)
            out[name][page] = {"first_s": round(first, 3), "warm_s": round(statistics.median(warm), 3),
                               "exception": bool(at.exception)}
            print(f"  {name:28s} {page:13s} first {first:6.2f} s  warm {statistics.median(warm):6.3f} s", flush=True)
    return out


# ---------------------------------------------------------------- browser side
def browser_runs(directory: Path, names: list[str], chars: int, artifacts: Path, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    out = {"attention": {}, "navigate": {}, "model_switch": {}, "t512": {}}
    char_models = [n for n in names if n not in (SYNTHETIC, SYNTHETIC_S2) and
                   read_sidecar(checkpoint_files(directory / n)[1])["tokenizer"].get("kind") == "char"]
    with streamlit_server(directory, artifacts / "bench-streamlit.log") as base, sync_playwright() as p, \
            tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=chromium, args=CHROMIUM_ARGS,
                                                   headless=True, viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        meter = Meter(page)
        for name in names:
            if name in (SYNTHETIC, SYNTHETIC_S2):
                continue
            query = {"model": name, "prompt": prompt_for(directory, name, chars)}
            url = f"{base}/attention?{urlencode(query)}"
            first = timed_visit(page, meter, url)  # fresh server caches for this model (and, once, the static JS)
            again = median_run(lambda url=url: timed_visit(page, meter, url), repeats)  # reopened: server, browser caches warm
            nav = median_run(lambda q=query: navigate(page, meter, base, q), repeats)  # in-app: Prompt page -> sidebar link
            out["attention"][name] = {"first": first, "warm": again}
            out["navigate"][name] = nav
            print(f"  attention {name:28s} first {first['seconds']:6.2f} s {first['total_bytes'] / 1e6:6.2f} MB | "
                  f"reopened {again['seconds']:6.2f} s (run done {again['until_run_finished_s']:.2f}) "
                  f"{again['total_bytes'] / 1e6:6.3f} MB "
                  f"(ws {again['ws_bytes'] / 1e6:.3f} MB) | from the sidebar {nav:6.2f} s", flush=True)
        page.screenshot(path=str(artifacts / "bench-attention.png"))
        # model switch: open the attention page on one model, pick another in the sidebar (not loaded before)
        fresh = list(char_models)
        if len(fresh) >= 2:
            with streamlit_server(directory, artifacts / "bench-streamlit-switch.log") as base2:
                for a, b in zip(fresh, fresh[1:] + fresh[:1]):
                    runs = meter.finished
                    page.goto(f"{base2}/attention?{urlencode({'model': a, 'prompt': prompt_for(directory, a, chars)})}",
                              wait_until="commit")
                    settle(page, meter, runs, 3)
                    r = out["model_switch"][f"{a} -> {b}"] = switch_model(page, meter, b)
                    print(f"  switch {a} -> {b}: {r['seconds']:.2f} s (run finished after {r['until_run_finished_s']:.2f}"
                          " s)", flush=True)
        # T = 512: the synthetic block-512 models (the 2-simplicial one only with --t512-simplicial)
        text = "".join(c for c in PASSAGE * 40 if c in set(
            read_sidecar(checkpoint_files(directory / SYNTHETIC)[1])["tokenizer"]["vocab"]))[:512]
        runs = [("dense", SYNTHETIC, 0)] + ([("simplicial2", SYNTHETIC_S2, 1)] if SYNTHETIC_S2 in names else [])
        for kind, model, layer in runs:
            url = f"{base}/attention?{urlencode({'model': model, 'prompt': text, 'layer': layer})}"
            r = timed_visit(page, meter, url)  # the first view traces the 512-token prompt: what a user waits for
            again = median_run(lambda url=url: timed_visit(page, meter, url), repeats)
            out["t512"][kind] = {**r, "reopened_seconds": again["seconds"], "T": len(text), "model": model,
                                 "layer": layer}
            print(f"  T=512 {kind} layer: first {r['seconds']:.2f} s (run finished after {r['until_run_finished_s']:.2f}"
                  f" s), {r['total_bytes'] / 1e6:.2f} MB; reopened {again['seconds']:.2f} s", flush=True)
        page.screenshot(path=str(artifacts / "bench-t512.png"))
        ctx.close()
    return out


# ---------------------------------------------------------------- report
def summarise(res: dict) -> list[dict]:
    warm = [v["warm_s"] for m in res["server"].values() for v in m.values()]
    worst = max(((m, p, v["warm_s"]) for m, pages in res["server"].items() for p, v in pages.items()),
                key=lambda x: x[2])
    att = res["browser"]["attention"]
    att_s = max((v["warm"]["seconds"] for v in att.values()), default=None)
    att_b = max((v["warm"]["total_bytes"] for v in att.values()), default=None)
    switch = max((v["seconds"] for v in res["browser"]["model_switch"].values()), default=None)
    t512 = res["browser"]["t512"].get("dense", {}).get("seconds")
    nav = max(res["browser"]["navigate"].values(), default=None)
    rows = [("warm rerun, worst page (s)", worst[2], TARGETS["warm_rerun_s"], (f"{worst[0]} / {worst[1]}; median "
                                                                               f"over all {statistics.median(warm):.3f} s")),
            ("attention page in the browser (s)", att_s, TARGETS["attention_browser_s"], "reopened link, worst model"),
            ("attention page via the sidebar (s)", nav, TARGETS["attention_browser_s"], "in-app, worst model"),
            ("attention page bytes received", att_b, TARGETS["attention_bytes"], "HTTP + websocket, worst model"),
            ("first render after a model switch (s)", switch, TARGETS["model_switch_s"], "worst pair"),
            ("T=512 attention view, dense layer (s)", t512, TARGETS["t512_attention_s"], "first view (traces the prompt)")]
    s2 = res["browser"]["t512"].get("simplicial2", {}).get("seconds")
    if s2 is not None:
        rows.append(("T=512 attention view, 2-simplicial layer (s)", s2, TARGETS["t512_attention_s"],
                     "marginals Σ_l S of a (T, T, T) pattern"))
    return [{"measure": m, "value": v, "target": t, "met": v is not None and v <= t, "note": n}
            for m, v, t, n in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", default="auto", help="real (checkpoints/), tiny (test fixtures) or a folder")
    ap.add_argument("--repeats", type=int, default=3, help="warm reruns per page, browser visits per model (median)")
    ap.add_argument("--chars", type=int, default=128, help="prompt length")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "app.json"))
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--t512-simplicial", action="store_true",
                    help="also time a T=512 view of a 2-simplicial layer (its forward alone is O(T³): slow on a CPU)")
    a = ap.parse_args(argv)
    zoo = a.zoo if a.zoo != "auto" else ("real" if list_checkpoints(CHECKPOINT_DIR) else "tiny")
    artifacts = ROOT / "test-artifacts" / "bench"
    artifacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if zoo == "tiny":
            tiny_zoo(directory)
        else:  # link the real (or given) checkpoints next to the synthetic model
            src = CHECKPOINT_DIR if zoo == "real" else Path(zoo)
            for name in list_checkpoints(src):
                for link, target in zip(checkpoint_files(directory / name), checkpoint_files(src / name), strict=True):
                    link.symlink_to(target.resolve())
        names = list_checkpoints(directory)
        synthetic_model(directory, SYNTHETIC, ["dense", "dense"])
        extra = [synthetic_model(directory, SYNTHETIC_S2, ["dense", "simplicial2"])] if a.t512_simplicial else []
        print(f"zoo: {zoo} ({len(names)} models), prompt {a.chars} characters, load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores; server-side reruns (AppTest):")
        res = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                           "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
                           "load_avg": [round(x, 2) for x in os.getloadavg()]},
               "zoo": zoo, "models": names, "prompt_chars": a.chars, "targets": TARGETS,
               "method": {"server": "streamlit AppTest: first run, then the median of warm reruns with no change",
                          "browser": "Debian chromium via Playwright on `streamlit run`: time from navigation to all "
                                     "Plotly charts drawn and the script idle; bytes = HTTP response bodies as "
                                     "transferred + websocket frames received"}}
        res["server"] = server_reruns(directory, names, a.chars, a.repeats)
        res["browser"] = {"attention": {}, "model_switch": {}, "t512": {}, "navigate": {}} if a.skip_browser else \
            browser_runs(directory, names + [SYNTHETIC, *extra], a.chars, artifacts, a.repeats)
    res["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["summary"] = summarise(res)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    print(f"\n{'measure':46s} {'value':>12s} {'target':>10s}  met  note")
    for r in res["summary"]:
        v = "n/a" if r["value"] is None else f"{r['value']:.3f}" if r["value"] < 1e3 else f"{r['value'] / 1e6:.3f} MB"
        t = f"{r['target']:.3f}" if r["target"] < 1e3 else f"{r['target'] / 1e6:.2f} MB"
        print(f"{r['measure']:46s} {v:>12s} {t:>10s}  {'yes' if r['met'] else 'NO ':3s}  {r['note']}")
    print(f"\nwrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
