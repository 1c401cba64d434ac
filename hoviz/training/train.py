"""Train a hoviz GPT from a preset: AdamW, linear warm-up + cosine decay, gradient clipping, bf16 autocast on CUDA.

    python -m hoviz train --preset shakespeare-dense [--steps 500 --mixers dense,simplicial2 ...]
    python -m hoviz train --preset shakespeare-dense --resume          # continue from NAME.resume.*
    torchrun --nproc_per_node=2 -m hoviz train --preset shakespeare-dense    # DistributedDataParallel
Every step's batch and dropout are seeded from (seed, rank, step), so a run, interrupted or not, is repeatable.
Only rank 0 evaluates (hoviz.training.evaluate) and saves; the sidecar records the curve, metric, audit and cost.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from hoviz.checkpoint import checkpoint_stem, save_checkpoint
from hoviz.data import batches
from hoviz.errors import ConfigError
from hoviz.flops import flops_per_token
from hoviz.mixers.simplicial import Simplicial2Attention
from hoviz.model import GPT
from hoviz.tokenizer import tokenizer_from_dict
from hoviz.training.config import TrainConfig
from hoviz.training.data import TrainData, load_data
from hoviz.training.evaluate import headline_metric
from hoviz.training.presets import LEAK_WHY, preset_doc
from hoviz.training.resume import load_resume, remove_resume, save_resume


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate for 0-based `step`: linear warm-up to cfg.lr over cfg.warmup steps, then cosine to cfg.min_lr."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1.0 + math.cos(math.pi * progress))


def step_seed(seed: int, rank: int, step: int, stream: int) -> int:
    """A well-mixed seed per (run seed, rank, step, stream): stream 0 draws the batch, stream 1 the dropout."""
    return int(np.random.SeedSequence([seed, rank, step, stream]).generate_state(1)[0])


@dataclass
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup(cfg: TrainConfig) -> tuple[Dist, torch.device]:
    """torchrun's env vars (WORLD_SIZE > 1) start DDP over NCCL (CUDA) or gloo (CPU); else one process."""
    env = os.environ
    d = Dist(int(env.get("RANK", "0")), int(env.get("WORLD_SIZE", "1")), int(env.get("LOCAL_RANK", "0")))
    name = cfg.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and d.world_size > 1:
        name = f"cuda:{d.local_rank}"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {name!r} asked for, but this torch sees no CUDA device; use --device cpu")
        if device.index is not None:
            torch.cuda.set_device(device)
    if d.world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return d, device


def out_stem(cfg: TrainConfig, preset: str) -> Path:
    name = cfg.out or preset
    if not name:
        raise ConfigError("name the run: --preset NAME or --out NAME")
    return checkpoint_stem(name)


def get_batch(data: TrainData, cfg: TrainConfig, g: torch.Generator, device) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, targets), each (B, T): next characters, or the label token at every position of a Match sequence."""
    if data.spec:
        x, y = data.spec.sample(cfg.batch_size, g)
        y = data.spec.targets(y)
    else:
        x, y = batches(data.train_ids, cfg.model.block_size, cfg.batch_size, g)
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig, device) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices and embeddings only (not biases or LayerNorm gains), as in nanoGPT."""
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=device.type == "cuda")


GPU_BLOCK_BYTES = 2 << 30  # working set of one 2-simplicial query block on a GPU


def tune_for_cuda(model: GPT, batch_size: int) -> None:
    """Run 2-simplicial layers in a few large query blocks on a GPU. The kernel's default is tuned for CPU caches and
    at training batch sizes picks one row per block, which leaves a GPU launch-bound. Exact either way."""
    torch.backends.cuda.matmul.allow_tf32 = True
    for m in model.modules():
        if isinstance(m, Simplicial2Attention):
            T, D = model.config.block_size, m.head_dim
            per_row = batch_size * m.n_head * (2 * T * T + 6 * T * D) * 4  # bytes of one query row's slabs
            m.block_size = max(1, min(T, GPU_BLOCK_BYTES // per_row))


def git_commit() -> str:
    if os.environ.get("HOVIZ_GIT_COMMIT"):
        return os.environ["HOVIZ_GIT_COMMIT"]
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def measured_flops_per_token(model: GPT) -> float:
    """Forward FLOPs of one full-context sequence, counted by torch's FlopCounterMode, per token (through the PyTorch
    path: the counter cannot see inside the fused Triton kernel)."""
    from torch.utils.flop_counter import FlopCounterMode

    from hoviz.kernels.dispatch import pytorch_path
    T = model.config.block_size
    x = torch.zeros(1, T, dtype=torch.long, device=next(model.parameters()).device)
    with torch.no_grad(), pytorch_path(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops() / T


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def train(cfg: TrainConfig, preset: str = "", resume: bool = False) -> Path | None:
    """Run (or continue) training; returns the checkpoint's weights path, or None if stopped before the last step."""
    d, device = setup(cfg)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    stem = out_stem(cfg, preset)
    state: dict = {"step": 0, "curve": [], "tokens_seen": 0, "wall_time_s": 0.0, "resumed_at": []}
    tokenizer = None
    if resume:
        model_state, optim_state, saved = load_resume(stem)
        tokenizer = tokenizer_from_dict(saved["tokenizer"])
        preset = preset or saved.get("preset", "")
        state = {k: saved[k] for k in state} | {"resumed_at": saved["resumed_at"] + [saved["step"]]}
    data = load_data(cfg, tokenizer)
    torch.manual_seed(cfg.seed)
    model = GPT(cfg.model_config(len(data.tokenizer))).to(device)
    optimizer = make_optimizer(model, cfg, device)
    if resume:
        try:
            model.load_state_dict({k: v.to(device) for k, v in model_state.items()})
            optimizer.load_state_dict(optim_state)
        except (RuntimeError, ValueError, KeyError) as e:
            raise ConfigError(f"the resumed state does not fit this config (changed a model field?): "
                              f"{str(e).splitlines()[0]}") from e
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda"
                                                    else None) if d.world_size > 1 else model
    cuda = device.type == "cuda"
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    if cuda:
        tune_for_cuda(model, max(cfg.batch_size, cfg.model.block_size))  # the audit runs block_size rows at once
        torch.cuda.reset_peak_memory_stats(device)
    tokens_per_step = cfg.batch_size * cfg.model.block_size * d.world_size
    stop = cfg.stop_at or cfg.steps
    start = state["step"]
    if start >= stop:
        raise ConfigError(f"the resumed run is already at step {start}; raise --steps (now {cfg.steps}) to go on")

    def save_state(step: int) -> None:
        wall = state["wall_time_s"] + time.perf_counter() - t0
        save_resume(stem, model, optimizer, {**state, "step": step, "wall_time_s": wall, "preset": preset,
                                             "config": cfg.to_dict(),
                                             "tokenizer": data.tokenizer.to_dict(),
                                             "seeds": "batch/dropout of step s on rank r: SeedSequence([seed, r, s, 0/1])"})

    metric = data.metric_name
    loss_sum, n_losses, eval_time, completed = torch.zeros((), device=device), 0, 0.0, start
    t0 = time.perf_counter()
    bar = tqdm(total=cfg.steps, initial=start, disable=not d.is_main, desc=preset or stem.name, mininterval=2.0,
               dynamic_ncols=True, file=sys.stderr)
    old_handler = signal.signal(signal.SIGTERM, _raise_interrupt) if d.is_main else None
    model.train()
    try:
        for step in range(start, stop):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, cfg)
            x, y = get_batch(data, cfg, torch.Generator().manual_seed(step_seed(cfg.seed, d.rank, step, 0)), device)
            torch.manual_seed(step_seed(cfg.seed, d.rank, step, 1))  # dropout
            with autocast:
                _, loss = net(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            loss_sum += loss.detach()
            n_losses += 1
            done = completed = step + 1
            state["tokens_seen"] += tokens_per_step
            bar.update(1)
            if done % cfg.eval_every == 0 or done == cfg.steps:
                if d.world_size > 1:
                    dist.all_reduce(loss_sum, op=dist.ReduceOp.AVG)
                train_loss, loss_sum, n_losses = loss_sum.item() / n_losses, loss_sum * 0, 0
                if d.is_main:
                    te = time.perf_counter()
                    value = headline_metric(model, data, cfg)
                    eval_time += time.perf_counter() - te
                    run_time = time.perf_counter() - t0
                    wall = state["wall_time_s"] + run_time
                    tok_s = tokens_per_step * (done - start) / max(run_time - eval_time, 1e-9)
                    state["curve"].append({"step": done, "train_loss": round(train_loss, 5), metric: round(value, 5),
                                           "tokens_seen": state["tokens_seen"], "wall_time_s": round(wall, 2),
                                           "lr": lr_at(step, cfg)})
                    bar.set_postfix_str(f"loss {train_loss:.3f} {metric} {value:.4f} {tok_s:,.0f} tok/s")
                    tqdm.write(f"step {done}: train loss {train_loss:.4f}  {metric} {value:.4f}", file=sys.stderr)
            if d.is_main and (done % cfg.resume_every == 0 or done == cfg.stop_at) and done < cfg.steps:
                save_state(done)
    except KeyboardInterrupt:
        if d.is_main and completed > start:
            save_state(completed)
            print(f"\ninterrupted after step {completed}; continue with --resume", file=sys.stderr)
        raise
    finally:
        bar.close()
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)
    elapsed = time.perf_counter() - t0
    if not d.is_main or stop < cfg.steps:
        return None
    peak = torch.cuda.max_memory_allocated(device) if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    value = state["curve"][-1][metric]
    return _finish(cfg, preset, stem, model, data, state, value, elapsed, eval_time, peak, d, device, start)


def _simplicial_kernel(device, mixers) -> str | None:
    """Which path ran 2-simplicial attention: the fused Triton kernel or the PyTorch (blockwise) path; None when the
    model has no 2-simplicial layer."""
    from hoviz.kernels.dispatch import fused_kernel
    if "simplicial2" not in mixers:
        return None
    probe = torch.empty(1, 1, 1, 64, device=device, dtype=torch.bfloat16)  # (B, H, T, D), as under bf16 autocast
    return "triton" if fused_kernel(probe) is not None else "pytorch"


def _finish(cfg, preset, stem, model, data, state, value, elapsed, eval_time, peak, d, device, start) -> Path:
    """Audit, count FLOPs, write the checkpoint and its sidecar, drop the resumable pair."""
    from hoviz.audit import audit_model
    rep = audit_model(model, len(data.tokenizer), T=cfg.audit_T, name=stem.name)
    tokens_this_run = (cfg.steps - start) * cfg.batch_size * cfg.model.block_size * d.world_size
    meta = {
        "task": data.task_meta(cfg),
        "training": {
            "preset": preset, "preset_doc": preset_doc(preset) if preset else "", "config": cfg.to_dict(),
            "steps": cfg.steps, "tokens_seen": state["tokens_seen"],
            "wall_time_s": round(state["wall_time_s"] + elapsed, 2),
            "tokens_per_s": round(tokens_this_run / max(elapsed - eval_time, 1e-9), 1),
            "device": str(device), "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
            else (platform.processor() or platform.machine() or "cpu"),
            "precision": "bf16 autocast" if device.type == "cuda" else "fp32",
            "simplicial_kernel": _simplicial_kernel(device, cfg.model.mixers),
            "peak_memory_bytes": int(peak),
            "peak_memory_kind": "torch.cuda.max_memory_allocated" if device.type == "cuda" else "ru_maxrss (process)",
            "git_commit": git_commit(), "world_size": d.world_size, "torch": torch.__version__,
            "resumed_at": state["resumed_at"],
        },
        "curve": state["curve"],
        "metrics": {data.metric_name: value},
        "baselines": data.baselines(cfg),
        "audit": {"leaks": rep.leaks, "worst": rep.worst, "T": rep.T, "first_leak": rep.first_leak,
                  "tolerance": rep.tolerance},
        "flops_per_token_measured": measured_flops_per_token(model),
        "flops_per_token": float(flops_per_token(model.config, model.config.block_size)),
    }
    if cfg.model.s2_mask == "leaky":
        meta["exhibit"] = {"leak": True, "why": LEAK_WHY}
    weights, _ = save_checkpoint(stem, model, data.tokenizer, meta)
    remove_resume(stem)
    print(f"{stem.name}: {data.metric_name} {value:.4f} after {cfg.steps} steps, {state['tokens_seen']:,} tokens, "
          f"{meta['training']['wall_time_s']:.0f} s, {meta['training']['tokens_per_s']:,.0f} tok/s; audit "
          f"{'LEAKS' if rep.leaks else 'causal'}; saved {weights}", file=sys.stderr)
    return weights
