"""`python -m hoviz bench --quick` writes the JSON the Compare page reads; the analytic FLOP counter agrees with
torch's FlopCounterMode."""

from __future__ import annotations

import json

import pytest
import torch

from hoviz import bench
from hoviz.config import GPTConfig
from hoviz.flops import causal_pairs, flops_per_token
from hoviz.model import GPT

TOP = {"machine", "simplicial2", "windowed", "dense", "models", "pipeline", "cuda"}


def _positive_numbers(row: dict, keys) -> None:
    for k in keys:
        assert isinstance(row[k], (int, float)) and row[k] > 0, (k, row)


def test_quick_bench_json_schema(tiny_zoo, tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert TOP <= set(res)
    assert res["machine"]["device"] in ("cpu", "cuda") and res["machine"]["memory_method"]
    assert {r["impl"] for r in res["simplicial2"]} == {"naive", "hoviz"}
    for r in res["simplicial2"] + res["windowed"] + res["dense"]:
        _positive_numbers(r, ["T", "ms", "gflops"])
        assert r["peak_mb"] >= 0
    assert {r["impl"] for r in res["dense"]} == {"explicit", "sdpa"}
    assert any(r["w1"] is not None for r in res["windowed"])
    assert {r["model"] for r in res["models"]} == set(tiny_zoo.names)
    for r in res["models"]:
        _positive_numbers(r, ["infer_tokens_per_s", "train_tokens_per_s", "flops_per_token",
                              "flops_per_token_counted", "params"])
        assert r["counted_vs_executed"] == pytest.approx(1.0, rel=1e-6)
    assert len(res["pipeline"]) == len(tiny_zoo.names)
    for r in res["pipeline"]:
        _positive_numbers(r, ["forward_ms", "page_ms", "page_overhead", "figure_bytes"])
    printed = capsys.readouterr().out
    assert "naive" in printed and "tok/s" in printed and str(out) in printed


def test_quick_bench_without_checkpoints_says_so(empty_zoo, tmp_path, capsys):
    out = tmp_path / "b.json"
    assert bench.main(["--quick", "--T", "8", "--repeats", "1", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["models"] == [] and "no checkpoints" in res["machine"]["models"]
    assert "no checkpoints" in capsys.readouterr().out
    assert all(r["model"].startswith("init:") for r in res["pipeline"])


def test_naive_is_refused_above_the_budget(empty_zoo, tmp_path):
    out = tmp_path / "b.json"
    bench.main(["--quick", "--T", "8", "--repeats", "1", "--naive-budget-gb", "1e-6", "--out", str(out)])
    naive = [r for r in json.loads(out.read_text())["simplicial2"] if r["impl"] == "naive"]
    assert naive and all(r["ms"] is None and "skipped" in r["note"] for r in naive)


@pytest.mark.parametrize("mixers,extra", [
    (["dense", "dense"], {}),
    (["simplicial2", "dense"], {}),
    (["simplicial2", "simplicial2"], {"s2_window1": 5, "s2_window2": 3}),
    (["gated_triangle", "dense"], {}),
    (["scn", "dense"], {}),
    (["scn", "scn"], {"scn_order": 3, "scn_max_edges": 3, "scn_max_triangles": 2}),
    (["simplicial2", "dense"], {"s2_mask": "leaky", "s2_window1": 4}),
])
def test_flops_per_token_matches_flop_counter(mixers, extra):
    cfg = GPTConfig(n_layer=len(mixers), mixers=mixers, n_embd=32, n_head=4, block_size=64, **extra)
    torch.manual_seed(0)
    model = GPT(cfg)
    T, B = 23, 2
    counted = bench.counted_flops_per_token(model, T, B, "cpu")
    assert counted == pytest.approx(flops_per_token(cfg, T, executed=True, batch=B), rel=1e-9)
    assert flops_per_token(cfg, T) <= counted  # causal useful work never exceeds what runs


def test_flops_per_token_analytic_values():
    C, V = 128, 96
    assert flops_per_token(GPTConfig(n_layer=1, mixers=["dense"]), T=1) == 24 * C * C + 4 * C + 2 * C * V
    s2 = GPTConfig(n_layer=1, mixers=["simplicial2"], s2_window1=4, s2_window2=2)
    assert causal_pairs(6, 4, 2) == 1 + 2 * 2 + 3 * 2 + 4 * 2 * 3
    assert flops_per_token(s2, T=6) == pytest.approx(28 * C * C + 4 * C * causal_pairs(6, 4, 2) / 6 + 2 * C * V)


def test_broken_checkpoint_is_a_row_not_a_crash(broken_zoo, tmp_path):
    out = tmp_path / "b.json"
    assert bench.main(["--quick", "--T", "8", "--repeats", "1", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    rows = {r["model"]: r for r in res["models"]}
    assert "cannot load" in rows["tiny-broken"]["note"] and rows["tiny-dense"]["infer_tokens_per_s"] > 0
    assert any("cannot load" in r.get("note", "") for r in res["pipeline"])
