"""The zoo table: every checkpoint's inference and training-step jobs, tokens/s, and FLOPs/token, analytic
(`hoviz.flops`) cross-checked against torch's FlopCounterMode as executed.
"""

from __future__ import annotations

import copy

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from hoviz.bench.kernels import naive_bytes
from hoviz.config import GPTConfig
from hoviz.errors import HovizError
from hoviz.flops import flops_per_token
from hoviz.model import GPT


def _model(spec, device):
    if spec.get("name"):
        import hoviz
        return hoviz.load_checkpoint(spec["name"], device=device).model
    torch.manual_seed(0)
    return GPT(GPTConfig(**spec["config"])).to(device)


def model_run(model, T: int, B: int, train: bool, device: str):
    """One inference forward, or one training step (forward, loss, backward, AdamW), on random tokens."""
    g = torch.Generator(device="cpu").manual_seed(0)
    idx = torch.randint(model.config.vocab_size, (B, T + 1), generator=g).to(device)
    if not train:
        model = model.eval()

        def run():
            with torch.no_grad():
                return model(idx[:, :T])
        return run
    model = copy.deepcopy(model).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def step():
        _, loss = model(idx[:, :T], idx[:, 1:])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return step


def zoo(ctx) -> tuple[list[dict], str]:
    """Model specs: every checkpoint, else nothing (and a message saying so)."""
    import hoviz

    names = hoviz.list_checkpoints()
    if not names:
        return [], "no checkpoints in the zoo (checkpoints/ or $HOVIZ_CHECKPOINTS): models table empty; `make zoo`"
    return [{"name": n} for n in names], f"{len(names)} checkpoint(s)"


def plan_models(ctx, specs, T_max, batch) -> list:
    """One row per checkpoint, with an inference and a training-step job; FLOPs counted here."""
    rows = []
    for base in specs:
        row = {"model": base["name"], "device": ctx["device"]}
        try:
            model = _model(base, ctx["device"])
        except HovizError as e:  # a broken checkpoint is a row, not a crash
            rows.append({**row, "note": f"cannot load: {e}"})
            continue
        cfg = model.config
        T, B = min(cfg.block_size, T_max), batch
        if cfg.s2_mask == "leaky" and "simplicial2" in cfg.mixers:  # kept small: the exhibit's second key reads all T
            while B > 1 and cfg.n_layer * naive_bytes(T, B, cfg.n_head, 4, True) > ctx["naive_budget"]:
                B //= 2
            while T > 8 and cfg.n_layer * naive_bytes(T, B, cfg.n_head, 4, True) > ctx["naive_budget"]:
                T //= 2
        row.update(mixers=cfg.mixers, params=model.num_params(), T=T, B=B)
        row["flops_per_token"] = flops_per_token(cfg, T)
        row["flops_per_token_executed"] = flops_per_token(cfg, T, executed=True, batch=B, device=ctx["device"])
        row["flops_per_token_counted"] = counted_flops_per_token(model, T, B, ctx["device"])
        row["counted_vs_executed"] = round(row["flops_per_token_counted"] / row["flops_per_token_executed"], 4)
        row["_jobs"] = [(f"{k}_", {**base, "group": "model", "T": T, "B": B, "train": k == "train"})
                        for k in ("infer", "train")]
        rows.append(row)
    return rows


def derive_models(ctx, rows) -> None:
    for row in rows:
        for k in ("infer", "train"):
            if row.get(f"{k}_ms"):
                row[f"{k}_tokens_per_s"] = round(row["B"] * row["T"] / row[f"{k}_ms"] * 1e3, 1)
        if row.get("infer_ms"):
            row["infer_gflops"] = round(row["flops_per_token"] * row["infer_tokens_per_s"] / 1e9, 3)
            if ctx["device"] == "cuda":
                row["infer_tflops"] = round(row["infer_gflops"] / 1e3, 4)
                row["infer_fraction_of_matmul"] = round(row["infer_tflops"] / ctx["matmul_tflops"], 5)


def counted_flops_per_token(model, T: int, B: int, device: str) -> float:
    """FlopCounterMode's count of one forward, per token (CPU fused SDPA is taught to it: it has no formula)."""
    sdpa = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu:
            lambda q, k, v, *a, out_shape=None, **kw: sdpa_flop_count(q, k, v)}
    idx = torch.zeros(B, T, dtype=torch.long, device=device)
    counter = FlopCounterMode(display=False, custom_mapping=sdpa)
    with torch.no_grad(), counter:
        model.eval()(idx)
    return counter.get_total_flops() / (B * T)
