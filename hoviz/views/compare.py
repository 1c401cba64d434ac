"""The compare page's numbers that are not read from files: the closed-form memory of the attention kernels a
bench file measured (the naive 2-simplicial definition's (B, H, T, T, T) logits, the dense explicit (B, H, T, T)
pattern), drawn beside the measured rows. The measured ones come from `hoviz.memory` and the bench files.

    theory = kernel_theory_rows([r for r in bench_memory_rows(bench) if r["group"] == "kernel"])
"""

from __future__ import annotations

from hoviz.flops import flops_per_token

METRICS = ("val_loss", "balanced_accuracy")  # the expressivity axes a sidecar's metrics may record


def cost_row(name: str, kind: str, model, T: int, peak_bytes: int, meta: dict) -> dict:
    """One model's row of the memory–expressivity chart: parameters, analytic FLOPs per token at T, the measured
    peak bytes, its sidecar metrics and whether it is an exhibit."""
    metrics = meta.get("metrics") or {}
    return {"name": name, "kind": kind, "T": T, "params": model.num_params(),
            "flops_per_token": flops_per_token(model.config, T), "peak_bytes": peak_bytes,
            "peak_MiB": round(peak_bytes / 2**20, 3), **{k: metrics.get(k) for k in METRICS},
            "exhibit": bool(meta.get("exhibit"))}


def kernel_theory_rows(kernel_rows: list[dict]) -> list[dict]:
    """One closed-form row per measured naive or explicit kernel row: 4 bytes per float32 logit."""
    out = []
    for r in kernel_rows:
        b, h, T = r.get("B") or 1, r.get("H") or 1, r["T"]
        if r.get("impl") == "naive":
            out.append({**r, "name": "naive 2-simplicial: B·H·T³·4 bytes", "bytes": 4.0 * b * h * T ** 3})
        elif r.get("impl") == "explicit":
            out.append({**r, "name": "explicit dense: B·H·T²·4 bytes", "bytes": 4.0 * b * h * T ** 2})
    return out
