"""Causality audit: does any output at position <= t depend on a token after t? (docs/theory.md §2.3)

Two independent tests on random inputs, for every cut t at once (one batch row per cut):
  suffix:   replace tokens after t, measure max |Δ logits[<= t]|;
  gradient: ∂(r · logits_t)/∂embedding_s for s > t, with a random direction r; also the influence map (T, T).
A cut whose float32 figure lies between the tolerance and 1e-3 (where rounding and a real leak could both sit) is
measured again on a float64 copy of the model with the same inputs, and that figure counts.
    python -m hoviz audit shakespeare-dense shakespeare-simplicial2-leaky     # exit 1 if any model leaks
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

TOLERANCE = 1e-5  # float32 logits of a causal model change by exactly 0 or by rounding; a leak moves them by >1e-3
AMBIGUOUS = 1e-3  # float32 figures in (TOLERANCE, AMBIGUOUS) are measured again in float64


@dataclass
class AuditReport:
    name: str
    T: int
    suffix_change: np.ndarray  # (T,) max |Δ logits at positions <= t| when tokens after t change
    future_grad: np.ndarray  # (T,) max |∂ logits_t / ∂ embedding_s| over s > t
    influence: np.ndarray  # (T, T) ‖∂ r·logits_t / ∂ embedding_s‖ (row t, column s)
    tolerance: float = TOLERANCE
    rechecked: int = 0  # cuts measured again in float64 (their float32 figure was ambiguous)

    @property
    def leaks(self) -> bool:
        return bool(self.worst > self.tolerance)

    @property
    def worst(self) -> float:
        return float(max(self.suffix_change.max(initial=0.0), self.future_grad.max(initial=0.0)))

    @property
    def first_leak(self) -> int | None:
        bad = np.flatnonzero((self.suffix_change > self.tolerance) | (self.future_grad > self.tolerance))
        return int(bad[0]) if bad.size else None


def audit_model(model, vocab_size: int | None = None, T: int | None = None, n_samples: int = 2, seed: int = 0,
                name: str = "model", tolerance: float = TOLERANCE, chunk: int = 16, progress=None) -> AuditReport:
    """Run both causality tests on `model` (a hoviz GPT) with random tokens; never changes the model's mode.
    `chunk` cuts run per forward, which bounds memory (a leaky 2-simplicial model at T=128 needs ~3 GB at 16).
    `progress(done, total)`, if given, is called after every chunk (the app's progress bar); it changes nothing."""
    cfg = model.config
    V = vocab_size or cfg.vocab_size
    T = min(T or cfg.block_size, cfg.block_size)
    device = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    suffix = np.zeros(T)
    future = np.zeros(T)
    influence = np.zeros((T, T))
    after = torch.arange(T, device=device)[None, :] > torch.arange(T, device=device)[:, None]  # (T, T)
    after_np = after.cpu().numpy()
    n_chunks = -(-T // chunk)
    steps, total = 0, n_samples * 2 * n_chunks  # (suffix test + gradient test) chunks per sample

    def step():
        nonlocal steps
        steps += 1
        if progress is not None:
            progress(steps, total)

    samples = []
    try:
        for _ in range(n_samples):
            x = torch.randint(V, (1, T), generator=g).to(device)  # (1, T)
            # Row t keeps the prefix x[:t+1] and gets a random suffix; two draws of equal shape, so that the
            # same kernels run on both and a causal model's difference is exactly zero.
            a, b = (torch.where(after, torch.randint(V, (T, T), generator=g).to(device), x) for _ in range(2))
            r = torch.randn(T, cfg.vocab_size, generator=g).to(device)  # (T, V) random readout per row
            samples.append((x, a, b, r))
            diff, norms = _both_tests(model, x, a, b, r, torch.arange(T, device=device), chunk, step)
            suffix = np.maximum(suffix, diff)
            influence = np.maximum(influence, norms)
            future = np.maximum(future, np.where(after_np, norms, 0.0).max(1))
        unsure = np.flatnonzero(((suffix > tolerance) & (suffix < AMBIGUOUS)) | ((future > tolerance) &
                                                                                (future < AMBIGUOUS)))
        if unsure.size:  # rounding or a small leak: float64 decides
            model64 = copy.deepcopy(model).double()
            rows = torch.as_tensor(unsure, device=device)
            suffix[unsure] = future[unsure] = influence[unsure] = 0.0
            for x, a, b, r in samples:
                diff, norms = _both_tests(model64, x, a, b, r.double(), rows, chunk)
                suffix[unsure] = np.maximum(suffix[unsure], diff)
                influence[unsure] = np.maximum(influence[unsure], norms)
                future[unsure] = np.maximum(future[unsure], np.where(after_np[unsure], norms, 0.0).max(1))
    finally:
        model.train(was_training)
    return AuditReport(name=name, T=T, suffix_change=suffix, future_grad=future, influence=influence,
                       tolerance=tolerance, rechecked=int(unsure.size))


def _both_tests(model, x, a, b, r, cuts, chunk, step=None) -> tuple[np.ndarray, np.ndarray]:
    """For the cuts t given: max |Δ logits[<= t]| between draws a and b (n,), and ‖∂ r·logits_t / ∂ emb_s‖ (n, T)."""
    T = x.shape[1]
    diffs, grads = [], []
    with torch.no_grad():
        for rows in cuts.split(chunk):  # a few cuts at a time: T³ mixers are big
            both = model(torch.cat([a[rows], b[rows]]))  # (2n, T, V): both draws in one forward
            d = (both[:len(rows)] - both[len(rows):]).abs().amax(-1)  # (n, T): row = cut t
            keep = torch.arange(T, device=x.device)[None, :] <= rows[:, None]  # (n, T): positions <= t
            diffs.append(d.masked_fill(~keep, 0).amax(1))
            if step:
                step()
    for rows in cuts.split(chunk):
        emb = model.embed(x.repeat(len(rows), 1)).detach().requires_grad_(True)  # (n, T, C): one per cut
        logits = model.forward_embeddings(emb)  # (n, T, V)
        picked = logits[torch.arange(len(rows), device=x.device), rows]  # (n, V): row t's logits at t
        (grad,) = torch.autograd.grad((picked * r[rows]).sum(), emb)  # (n, T, C): ∂ r·logits_t / ∂ emb_s
        grads.append(grad.norm(dim=-1))
        if step:
            step()
    return torch.cat(diffs).double().cpu().numpy(), torch.cat(grads).double().cpu().numpy()


def format_report(rep: AuditReport) -> str:
    verdict = "LEAKS" if rep.leaks else "causal"
    lines = [f"{rep.name}: {verdict}  (T={rep.T}, worst {rep.worst:.3g}, tolerance {rep.tolerance:g}"
             + (f", first leaking cut t={rep.first_leak}" if rep.leaks else "")
             + (f"; {rep.rechecked} ambiguous cut(s) measured again in float64)" if rep.rechecked else ")")]
    lines.append(f"  {'cut t':>6} {'max |Δlogits[<=t]|':>20} {'max |∂logit_t/∂x_s>t|':>24}")
    T = rep.T
    for t in sorted({0, 1, T // 4, T // 2, 3 * T // 4, T - 2, T - 1} & set(range(T))):
        lines.append(f"  {t:>6} {rep.suffix_change[t]:>20.3g} {rep.future_grad[t]:>24.3g}")
    return "\n".join(lines)
