"""Compare: every zoo model's training curves on one chart, and the memory–expressivity chart: validation loss (or
balanced accuracy) against parameters, FLOPs per token and peak memory measured live here, with peak memory against
context length beside the theory (dense T², 2-simplicial T³ or T·w1·w2, simplicial T·(1 + m1 + m2) simplices), and
the kernel and model numbers of `python -m hoviz bench` (benchmarks/bench-*.json, or $HOVIZ_BENCHMARKS), and the
scaling series of `python -m hoviz scaling` (benchmarks/scaling/*.json, or $HOVIZ_SCALING_DIR) with its fitted slopes.
"""

import math
import os
from pathlib import Path

import streamlit as st

import hoviz
from hoviz.memory import METHOD
from hoviz.scaling import WEAK_FIT, fit_family, load_points
from hoviz.tasks import TASK_NAMES
from hoviz.views.compare import cost_row, kernel_theory_rows
from hoviz.viz.compare import (
    bench_memory_rows,
    bench_method,
    load_bench_files,
    model_kind,
    theory_rows,
)
from hoviz.viz.scaling import scaling_fit_figure
from pages.glue import cached_zoo, exports, frame, guide, url_state, zoo

frame.ensure_frame()
LENGTHS = (16, 32, 64, 128, 256, 512)
METRICS = {"val_loss": "validation loss (lower is better)", "balanced_accuracy": "balanced accuracy (Match tasks)"}


def bench_dir() -> Path:
    return Path(os.environ.get("HOVIZ_BENCHMARKS", Path(hoviz.__file__).resolve().parent.parent / "benchmarks"))


def scaling_dir() -> Path:
    """Sidecars of `python -m hoviz scaling`: benchmarks/scaling, or $HOVIZ_SCALING_DIR."""
    return Path(os.environ.get("HOVIZ_SCALING_DIR", bench_dir() / "scaling"))


st.header("Compare")
guide.ignores_sidebar("it compares every installed model, from their sidecars and measured here.")
entries = zoo.zoo()
if not entries:
    st.error(zoo.NO_CHECKPOINTS.format(dir=hoviz.checkpoint.checkpoint_dir()), icon="🚫")
    st.stop()
metas = {n: e.meta for n, e in entries.items()}
kinds = {n: model_kind(e.mixers) for n, e in entries.items()}

# ---------------------------------------------------------------- training curves
st.subheader("Training curves")
x = url_state.url_selectbox("x axis", ["step", "tokens", "wall_time"], "x", radio=True, horizontal=True,
                         format_func={"step": "step", "tokens": "tokens seen", "wall_time": "wall time"}.get)
is_task = {n: (m.get("task") or {}).get("name") in TASK_NAMES for n, m in metas.items()}  # Match3/2, not text
lm_curves = {n: m.get("curve") for n, m in metas.items() if m.get("curve") and not is_task[n]}
task_curves = {n: m.get("curve") for n, m in metas.items() if m.get("curve") and is_task[n]}
if not lm_curves and not task_curves:
    st.info("No sidecar records a training curve (`curve`); models trained with `python -m hoviz train` do.")
if lm_curves:
    exports.plot(cached_zoo.figure("curves", lm_curves, x=x, kinds=kinds, title="Language models: loss (solid: validation, "
                       "dashed: train)"), "training-curves")
    st.caption("Read it: lower is better; a validation curve far below its training curve is a warning sign (the "
               "leaky exhibit reads the future).")
if task_curves:
    has_acc = any(isinstance(r, dict) and "balanced_accuracy" in r for c in task_curves.values() for r in c)
    exports.plot(cached_zoo.figure("curves", task_curves, x=x, kinds=kinds, metric="balanced_accuracy" if has_acc else "loss",
                       title="Task models (Match3 / Match2)"), "training-curves-tasks")

# ---------------------------------------------------------------- memory–expressivity
st.subheader("Memory–expressivity")
c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
metric = url_state.url_selectbox("Expressivity axis", list(METRICS), "metric", where=c1, format_func=METRICS.get)
max_block = max((e.block_size for e in entries.values() if not e.error), default=16)
lengths = [t for t in LENGTHS if t <= max_block] or [max_block]
T = url_state.url_selectbox("Context length T", lengths, "T", default=min(128, lengths[-1]), where=c2,
                         help="FLOPs and memory at this length (a model with a smaller block size uses its own)")
traced = url_state.url_toggle("As the app traces", "traced", False, where=c3,
                           help="measure with every pattern hook on (dense layers materialise their (H, T, T) "
                                "pattern), as the attention pages do; off: the model's own inference path")
exhibits = url_state.url_toggle("Leaky exhibits", "exhibits", False, where=c4,
                             help="include models kept as exhibits of a bug (e.g. the leaky 2-simplicial mask): their "
                                  "validation loss is impossibly low because they read the future")
st.caption(f"Memory: {METHOD}. FLOPs: analytic (`hoviz.flops`, 2 per multiply-add, causal work averaged over "
           "positions).")

rows, failed = [], []
with st.spinner("Measuring peak memory..."):
    for name, e in entries.items():
        if e.error:
            failed.append(f"{name}: {e.error}")
            continue
        try:
            lm = zoo.load_model(name)
        except hoviz.HovizError as err:
            failed.append(f"{name}: {err}")
            continue
        t = min(int(T), lm.block_size)
        m = cached_zoo.measure(lm.ref, t, traced)
        rows.append(cost_row(name, kinds[name], lm.model, t, m["peak_bytes"], metas[name]))
for msg in failed:
    st.warning(f"Left out of the comparison: {msg}")
shown = [r for r in rows if r.get(metric) is not None and (exhibits or not r["exhibit"])]
if shown:
    exports.plot(cached_zoo.figure("cost", shown, metric=metric, T=int(T),
                       method="memory: peak live tensor bytes of one forward (TorchDispatchMode)"
                       + (", traced" if traced else "") + "; FLOPs: analytic (hoviz.flops)"),
                f"memory-expressivity-{metric}")
    st.caption("Read it: each panel places every model by one cost (x: parameters, FLOPs per token, peak memory) "
               "against its quality (y); the cheap and good sit left, at the top for accuracy, at the bottom for loss.")
else:
    st.info(f"No installed model records `{metric}` in its sidecar metrics; pick the other axis.")
st.dataframe(rows, hide_index=True, column_config={"peak_bytes": None})

# ---------------------------------------------------------------- memory against context length
st.subheader("Peak memory against context length")
names = [r["name"] for r in rows]
default = [n for n in names if not is_task[n]][:4] or names[:4]
picked = url_state.url_multiselect("Models", names, "mem", default=default, max_selections=6)
measured, theory = [], []
with st.spinner("Measuring..."):
    for name in picked:
        lm = zoo.load_model(name)
        Ts = [t for t in LENGTHS if t <= lm.block_size] or [lm.block_size]
        for t in Ts:
            m = cached_zoo.measure(lm.ref, t, traced)
            measured.append({"name": name, "kind": kinds[name], "T": t, "bytes": m["peak_bytes"]})
        theory += theory_rows(name, lm.model.config, Ts)
if picked:
    exports.plot(cached_zoo.figure("scaling", measured, theory, method=f"measured here: {METHOD}" + ("; traced" if traced else "")),
                "memory-scaling")
    st.caption("Read it: measured peak memory (solid) beside the theory (dashed); on these log-log axes a steeper "
               "slope is a higher power of T (T² for dense attention, T³ for a full 2-simplicial layer).")

# ---------------------------------------------------------------- scaling series
st.subheader("Scaling")
try:
    scaling_points = load_points(scaling_dir())
except hoviz.HovizError as err:
    scaling_points = []
    st.error(f"Cannot read the scaling sidecars: {err}")
if not scaling_points:
    st.info(f"No scaling sidecars in `{scaling_dir()}`. Train the family (dense vs [dense, simplicial2] at about 1, "
            "3 and 10 M parameters, same tokens) with `python -m hoviz scaling --out benchmarks/scaling --parallel 3` "
            "(a GPU run; `--list` shows the members), or point $HOVIZ_SCALING_DIR at a folder of them.")
else:
    scaling_fits = fit_family(scaling_points)
    exports.plot(scaling_fit_figure(scaling_points, scaling_fits), "scaling")
    st.warning(WEAK_FIT, icon="⚠️")
    st.dataframe([{"kind": f.kind, "against": f.x_name, "points": f.n, "slope": round(f.slope, 4),
                   "± standard error": None if math.isnan(f.slope_se) else round(f.slope_se, 4), "dof": f.dof,
                   "residual (rms of log loss)": round(f.residual_rms, 5)} for f in scaling_fits], hide_index=True)
    st.caption("Read it: loss ∝ xᵏ, so a more negative slope k gains more from each doubling of parameters or compute; "
               "FLOPs count the causal useful work of `hoviz.flops` (forward + backward = 3 × forward).")
    st.dataframe([{"name": p.name, "kind": p.kind, "params": p.params, "tokens": p.tokens,
                   "training FLOPs": f"{p.training_flops:.3e}", "val loss": p.val_loss,
                   "tokens/s": round(p.tokens_per_s), "device": p.device_name,
                   "2-simplicial kernel": p.simplicial_kernel if p.kind != "dense" else ""} for p in scaling_points],
                 hide_index=True)

# ---------------------------------------------------------------- bench files
st.subheader("Benchmark files")
benches = load_bench_files(bench_dir())
if not benches:
    st.info(f"No `bench-*.json` in `{bench_dir()}`. Run `python -m hoviz bench` (add `--quick` for a smoke run) "
            "to measure the kernels and every zoo model on this machine.")
else:
    files = [b["file"] for b in benches]
    which = url_state.url_selectbox("Bench file", files, "bench", default=files[-1])
    bench = next(b["data"] for b in benches if b["file"] == which)
    brows = bench_memory_rows(bench)
    kernel = [r for r in brows if r["group"] == "kernel"]
    if kernel:
        th = kernel_theory_rows(kernel)
        exports.plot(cached_zoo.figure("scaling", kernel, th, title="Attention kernels, forward (bench file)",
                           method=bench_method(bench)), "bench-kernels")
    model_rows = [r for r in brows if r["group"] == "model"]
    if model_rows:
        st.caption(f"Zoo models in {which} (inference at the batch B shown): {bench_method(bench)}")
        st.dataframe([{k: r.get(k) for k in ("name", "kind", "T", "B", "params", "flops_per_token")}
                      | {"peak_MiB": round(r["bytes"] / 2**20, 3)}
                      | ({"flops_per_token": round(r["flops_per_token"])} if r.get("flops_per_token") else {})
                      for r in model_rows], hide_index=True)
    if not brows:
        st.warning(f"{which} has no memory rows this page can read (sections simplicial2, dense, models).")

d1, d2 = st.columns(2)
exports.download_json("Download the comparison (JSON)", {"T": int(T), "traced": traced, "method": METHOD,
                                                        "models": rows, "memory_vs_T": measured, "theory": theory},
                     "hoviz-compare.json", key="dl-json", where=d1)
exports.download_json("Download training curves (JSON)", {n: m.get("curve") for n, m in metas.items()},
                     "hoviz-curves.json", key="dl-curves", where=d2)
