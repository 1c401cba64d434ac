"""The audit's float64 recheck: a float32 figure between the tolerance and 1e-3 is measured again on a float64
copy, so rounding cannot fake a leak, while a small real leak stays one. Run: python -m pytest -q tests/test_audit_precision.py
"""

import torch

from hoviz.audit import audit_model, format_report
from hoviz.config import GPTConfig
from hoviz.model import GPT

V = 11


class LastTokenLeak(GPT):
    """A causal GPT plus `size` × tanh(25 × sum of the last position's embedding) on every logit (no gradient): a leak
    of about that size in the suffix test for every cut t < T-1. `float32_only` adds it only in float32, as a rounding artefact would appear."""

    def __init__(self, cfg, size, float32_only):
        super().__init__(cfg)
        self.size, self.float32_only = size, float32_only

    def forward_embeddings(self, h):
        out = super().forward_embeddings(h)
        if self.float32_only and h.dtype != torch.float32:
            return out
        return out + self.size * torch.tanh(25 * h[:, -1:].sum(-1, keepdim=True)).detach()  # suffix test only


def _model(size, float32_only):
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=V, block_size=12, n_layer=1, n_head=2, n_embd=16, mixers=["dense"])
    return LastTokenLeak(cfg, size, float32_only).eval()


def test_rounding_sized_float32_difference_is_rechecked_and_cleared():
    rep = audit_model(_model(5e-5, float32_only=True), T=12)
    assert rep.rechecked > 0 and not rep.leaks  # the same model leaks in float32 (the next test: float32 and 64)
    assert "measured again in float64" in format_report(rep)


def test_a_small_real_leak_survives_the_recheck():
    rep = audit_model(_model(5e-5, float32_only=False), T=12)
    assert rep.rechecked > 0 and rep.leaks and rep.first_leak == 0


def test_a_large_leak_is_not_rechecked():
    rep = audit_model(_model(1.0, float32_only=False), T=12)
    assert rep.rechecked == 0 and rep.leaks
