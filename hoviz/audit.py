"""Causality audit: does any output at position <= t depend on a token after t? (docs/theory.md §2.3)

Two independent tests on random inputs, for every cut t at once (one batch row per cut):
  suffix:   replace tokens after t, measure max |Δ logits[<= t]|;
  gradient: ∂(r · logits_t)/∂embedding_s for s > t, with a random direction r; also the influence map (T, T).
    python -m hoviz audit shakespeare-dense shakespeare-simplicial2-leaky     # exit 1 if any model leaks
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

TOLERANCE = 1e-5  # float32 logits of a causal model change by exactly 0 or by rounding; a leak moves them by >1e-3


@dataclass
class AuditReport:
    name: str
    T: int
    suffix_change: np.ndarray  # (T,) max |Δ logits at positions <= t| when tokens after t change
    future_grad: np.ndarray  # (T,) max |∂ logits_t / ∂ embedding_s| over s > t
    influence: np.ndarray  # (T, T) ‖∂ r·logits_t / ∂ embedding_s‖ (row t, column s)
    tolerance: float = TOLERANCE

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
    n_chunks = -(-T // chunk)
    steps, total = 0, n_samples * 2 * n_chunks  # (suffix test + gradient test) chunks per sample

    def step():
        nonlocal steps
        steps += 1
        if progress is not None:
            progress(steps, total)

    try:
        for _ in range(n_samples):
            x = torch.randint(V, (1, T), generator=g).to(device)  # (1, T)
            after = torch.arange(T, device=device)[None, :] > torch.arange(T, device=device)[:, None]  # (T, T)
            # Row t keeps the prefix x[:t+1] and gets a random suffix; two draws of equal shape, so that the
            # same kernels run on both and a causal model's difference is exactly zero.
            a, b = (torch.where(after, torch.randint(V, (T, T), generator=g).to(device), x) for _ in range(2))
            r = torch.randn(T, cfg.vocab_size, generator=g).to(device)  # (T, V) random readout per row
            diffs, grads = [], []
            with torch.no_grad():
                for rows in torch.arange(T, device=device).split(chunk):  # a few cuts at a time: T³ mixers are big
                    both = model(torch.cat([a[rows], b[rows]]))  # (2n, T, V): both draws in one forward
                    diffs.append((both[:len(rows)] - both[len(rows):]).abs().amax(-1))  # (n, T): row = cut t
                    step()
            for rows in torch.arange(T, device=device).split(chunk):
                emb = model.embed(x.repeat(len(rows), 1)).detach().requires_grad_(True)  # (n, T, C): one per cut
                logits = model.forward_embeddings(emb)  # (n, T, V)
                picked = logits[torch.arange(len(rows), device=device), rows]  # (n, V): row t's logits at t
                (grad,) = torch.autograd.grad((picked * r[rows]).sum(), emb)  # (n, T, C): ∂ r·logits_t / ∂ emb_s
                grads.append(grad.norm(dim=-1))
                step()
            diff = torch.cat(diffs)  # (T, T): row t = cut, column = position
            suffix = np.maximum(suffix, diff.masked_fill(after, 0).amax(1).cpu().numpy())
            norms = torch.cat(grads).cpu().numpy()  # (T, T) row t, column s
            influence = np.maximum(influence, norms)
            future = np.maximum(future, np.where(after.cpu().numpy(), norms, 0.0).max(1))
    finally:
        model.train(was_training)
    return AuditReport(name=name, T=T, suffix_change=suffix, future_grad=future, influence=influence,
                       tolerance=tolerance)


def format_report(rep: AuditReport) -> str:
    verdict = "LEAKS" if rep.leaks else "causal"
    lines = [f"{rep.name}: {verdict}  (T={rep.T}, worst {rep.worst:.3g}, tolerance {rep.tolerance:g}"
             + (f", first leaking cut t={rep.first_leak})" if rep.leaks else ")")]
    lines.append(f"  {'cut t':>6} {'max |Δlogits[<=t]|':>20} {'max |∂logit_t/∂x_s>t|':>24}")
    T = rep.T
    for t in sorted({0, 1, T // 4, T // 2, 3 * T // 4, T - 2, T - 1} & set(range(T))):
        lines.append(f"  {t:>6} {rep.suffix_change[t]:>20.3g} {rep.future_grad[t]:>24.3g}")
    return "\n".join(lines)
