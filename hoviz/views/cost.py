"""What a slow job will cost before it runs: the causality audit and sampling, in seconds, from the job's sequence
lengths, the model's mixer kinds (their FLOPs per token, `hoviz.flops`, as the kernels execute them) and one
forward pass timed on this machine (median of 3 after a warm-up), which gives the seconds per FLOP.

    fwd = time_forward(model, T=64); est = audit_cost(model, T=64, n_samples=2, forward=fwd); print(est.text())
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass

import torch

from hoviz.flops import flops_per_token

EXPENSIVE_S = 10.0  # estimates above this ask for a confirmation first ($HOVIZ_CONFIRM_S overrides it)
CUBIC = ("simplicial2",)  # mixers whose work per sequence grows as T³


@dataclass(frozen=True)
class ForwardTiming:
    """One timed forward pass: `seconds` for a (1, T) batch, and what it says per FLOP and per token."""

    T: int
    seconds: float
    flops: float  # forward FLOPs of that pass (flops_per_token(executed=True) × T × batch)
    batch: int = 1

    @property
    def seconds_per_flop(self) -> float:
        return self.seconds / self.flops

    @property
    def ms_per_token(self) -> float:
        return 1e3 * self.seconds / (self.T * self.batch)


@dataclass(frozen=True)
class CostEstimate:
    """An estimate of a job's wall-clock seconds, and how it was obtained."""

    what: str
    seconds: float
    forwards: float  # forward passes the job runs, counted as (1, T) sequences; a backward counts as two
    timing: ForwardTiming
    cubic_layers: tuple[int, ...]  # layers whose cost grows as T³

    @property
    def duration(self) -> str:
        """'about 24.0 s' or 'about 3.1 min'."""
        return _seconds(self.seconds)

    @property
    def expensive(self) -> bool:
        return self.seconds > float(os.environ.get("HOVIZ_CONFIRM_S", EXPENSIVE_S))

    def text(self) -> str:
        why = (f"; layer(s) {', '.join(f'L{i}' for i in self.cubic_layers)} are 2-simplicial, so the cost grows "
               "as T³" if self.cubic_layers else "")
        return (f"Estimated {self.duration} for {self.what}: {self.forwards:,.0f} sequence forwards at the "
                f"rate of one forward of {self.timing.batch} × {self.timing.T} tokens timed just now on this machine "
                f"({self.timing.seconds * 1e3:.1f} ms, {self.timing.ms_per_token:.3f} ms per token), scaled by each "
                f"mixer's FLOPs{why}.")


def _seconds(s: float) -> str:
    return f"about {s:.1f} s" if s < 60 else f"about {s / 60:.1f} min"


def _flops(model, T: int) -> float:
    return flops_per_token(model.config, T, executed=True) * T


@torch.no_grad()
def time_forward(model, T: int, batch: int = 1, repeats: int = 3, seed: int = 0) -> ForwardTiming:
    """Median seconds of a no-grad forward of `batch` random sequences of length T, after a (1, T) warm-up pass.
    Time at the batch the job runs (the audit: both draws of a chunk of cuts): batching changes the rate."""
    T = min(T, model.config.block_size)
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(model.config.vocab_size, (batch, T), generator=g).to(next(model.parameters()).device)  # (B, T)
    model(x[:1])
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t0)
    return ForwardTiming(T, statistics.median(times), batch * _flops(model, T), batch)


def _cubic(model) -> tuple[int, ...]:
    return tuple(i for i, b in enumerate(model.blocks) if b.kind in CUBIC)


def audit_batch(T: int, chunk: int = 16) -> int:
    """The batch of one audit forward (both suffix draws of a chunk of cuts, hoviz.audit.audit_model)."""
    return 2 * min(chunk, T)


def time_audit_forward(model, T: int, budget_s: float = 1.0) -> ForwardTiming:
    """The timing an audit estimate uses: one (1, T) forward first; when a forward at the audit's own batch would
    take under `budget_s`, that one instead (batching raises a small model's rate several-fold), so the estimate
    itself never costs more than about a second plus one sequence's forward."""
    single = time_forward(model, T, repeats=1)
    batch = audit_batch(min(T, model.config.block_size))
    if single.seconds * batch > budget_s:
        return single
    return time_forward(model, T, batch=batch, repeats=3)


def audit_cost(model, T: int, n_samples: int, forward: ForwardTiming) -> CostEstimate:
    """hoviz.audit.audit_model at T: per sample 2T no-grad forwards (the suffix test) and T forward + backward
    passes (the gradient test, ~3 forwards each), all of length T."""
    T = min(T, model.config.block_size)
    forwards = n_samples * (2 * T + 3 * T)
    seconds = forwards * _flops(model, T) * forward.seconds_per_flop
    return CostEstimate(f"the audit (T = {T}, {n_samples} sequence{'s' if n_samples > 1 else ''})", seconds,
                        forwards, forward, _cubic(model))


def sample_cost(model, prompt_len: int, n_new: int, forward: ForwardTiming) -> CostEstimate:
    """Sampling n_new tokens: one forward per new token over the context so far (at most the block size)."""
    block = model.config.block_size
    contexts = Counter(min(prompt_len + k, block) for k in range(n_new))  # context length -> forwards at it
    flops = sum(n * _flops(model, t) for t, n in contexts.items())
    return CostEstimate(f"sampling {n_new} tokens", flops * forward.seconds_per_flop, n_new, forward, _cubic(model))


def total(estimates: list[CostEstimate], what: str) -> CostEstimate:
    """Several jobs as one estimate (seconds and forwards added; the slowest job's timing and cubic layers)."""
    slowest = max(estimates, key=lambda e: e.seconds)
    return CostEstimate(what, sum(e.seconds for e in estimates), sum(e.forwards for e in estimates), slowest.timing,
                        slowest.cubic_layers)
