"""2-simplicial (trilinear) attention, the `simplicial2` mixer (Clift et al. ICLR 2020; Roy et al. 2025, arXiv 2507.02754).

    A[i,j,l] = Σ_d q[i,d] k1[j,d] k2[l,d] / √D,  allowed iff j <= i and l <= i (and i-w1 < j, i-w2 < l),
    S[i]     = softmax of A[i] over the flattened pair (j, l),   o[i] = Σ_{j,l} S[i,j,l] v1[j] ⊙ v2[l].

`two_simplicial_attention` is the public, exact kernel; `two_simplicial_reference` is the plain definition that
materialises the (B, H, T, T, T) tensor, used by tests, the benchmark and a traced full pattern; the `leaky`
exhibit's mask (only j <= i) runs through the blockwise kernel.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from hoviz.config import GPTConfig
from hoviz.entropy import entropy
from hoviz.errors import AttentionInputError
from hoviz.hooks import HookPoint
from hoviz.kernels.dispatch import fused_kernel
from hoviz.mixers.simplicial_blockwise import blockwise_two_simplicial, two_simplicial_with_statistics


def check_inputs(q, k1, k2, v1, v2, w1=None, w2=None) -> None:
    """Raise AttentionInputError unless the five (B, H, T, D) tensors agree and the windows are positive."""
    ts = {"q": q, "k1": k1, "k2": k2, "v1": v1, "v2": v2}
    for name, t in ts.items():
        if not isinstance(t, torch.Tensor):
            raise AttentionInputError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() != 4:
            raise AttentionInputError(f"{name} must have shape (B, H, T, D), got {tuple(t.shape)}")
        if t.numel() == 0:
            raise AttentionInputError(f"{name} is empty (shape {tuple(t.shape)}): B, H, T and D must all be >= 1")
        if not t.is_floating_point():
            raise AttentionInputError(f"{name} must be floating point, got {t.dtype}")
    shape, dtype, device = q.shape, q.dtype, q.device
    for name, t in ts.items():
        if t.shape != shape:
            raise AttentionInputError(f"{name} has shape {tuple(t.shape)} but q has {tuple(shape)}: all five must match")
        if t.dtype != dtype:
            raise AttentionInputError(f"{name} is {t.dtype} but q is {dtype}: cast all five to one dtype")
        if t.device != device:
            raise AttentionInputError(f"{name} is on {t.device} but q is on {device}: move all five to one device")
    for name, w in (("w1", w1), ("w2", w2)):
        if w is not None and (not isinstance(w, int) or isinstance(w, bool) or w < 1):
            raise AttentionInputError(f"{name} must be a positive int or None, got {w!r}")


def allowed_triples(i, j, l, w1=None, w2=None, mask: str = "causal") -> torch.Tensor:
    """Whether query i may read the key pair (j, l), for broadcastable integer index tensors.

    "causal": j <= i and l <= i; "leaky" (the classic bug): only j <= i; windows add i - w1 < j and i - w2 < l.
    """
    allowed = j <= i
    if mask == "causal":
        allowed = allowed & (l <= i)
    if w1 is not None:
        allowed = allowed & (j > i - w1)
    if w2 is not None:
        allowed = allowed & (l > i - w2)
    return allowed


def simplicial_mask(T: int, w1=None, w2=None, mask: str = "causal", device=None, rows=None) -> torch.Tensor:
    """(R, T, T) bool: allowed[i, j, l] for the query rows `rows` = (i0, i1) (default all T: a (T, T, T) tensor)."""
    i0, i1 = (0, T) if rows is None else rows
    i = torch.arange(i0, i1, device=device).view(-1, 1, 1)
    j = torch.arange(T, device=device).view(1, T, 1)
    l = torch.arange(T, device=device).view(1, 1, T)
    return allowed_triples(i, j, l, w1, w2, mask).expand(i1 - i0, T, T)  # (R, T, T)


def two_simplicial_reference(q, k1, k2, v1, v2, *, w1=None, w2=None, mask="causal", return_probs=False):
    """The plain definition: materialises logits and probabilities of shape (B, H, T, T, T)."""
    check_inputs(q, k1, k2, v1, v2, w1, w2)
    T, D = q.shape[-2:]
    logits = torch.einsum("bhid,bhjd,bhld->bhijl", q, k1, k2) / math.sqrt(D)  # (B, H, T, T, T)
    allowed = simplicial_mask(T, w1, w2, mask, q.device)
    logits = logits.masked_fill(~allowed, float("-inf"))
    probs = logits.flatten(-2).softmax(-1).view_as(logits)  # (B, H, T, T, T), each [i] sums to 1
    out = torch.einsum("bhijl,bhjd,bhld->bhid", probs, v1, v2)  # (B, H, T, D)
    return (out, probs) if return_probs else out


def statistics_from_probs(probs: torch.Tensor) -> dict:
    """What the app shows of a materialised (B, H, T, T, T) pattern: its two marginals and row entropies."""
    return {"marginal_j": probs.sum(-1), "marginal_l": probs.sum(-2), "entropy": entropy(probs, (-2, -1))}


def two_simplicial_attention(q, k1, k2, v1, v2, *, w1=None, w2=None, block_size=None):
    """Causal 2-simplicial attention, exact, without ever holding a (T, T, T) tensor.

    Parameters
    ----------
    q, k1, k2, v1, v2 : Tensor, shape (B, H, T, D), one dtype and device.
    w1, w2 : optional windows, i - w1 < j <= i and i - w2 < l <= i.
    block_size : query rows per block (chosen from T, H, D when None).

    Returns
    -------
    Tensor of shape (B, H, T, D).

    >>> q = k1 = k2 = v1 = v2 = torch.ones(1, 1, 3, 2)
    >>> two_simplicial_attention(q, k1, k2, v1, v2).shape
    torch.Size([1, 1, 3, 2])
    """
    check_inputs(q, k1, k2, v1, v2, w1, w2)
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise AttentionInputError(f"block_size must be a positive int or None, got {block_size!r}")
    fused = fused_kernel(q)  # the Triton kernel (hoviz.kernels) on CUDA when Triton imports, else None
    if fused is not None:
        return fused(q, k1, k2, v1, v2, w1, w2)
    return blockwise_two_simplicial(q, k1, k2, v1, v2, w1, w2, block_size)


class Simplicial2Attention(nn.Module):
    """Multi-head 2-simplicial attention with FBGEMM's fallback biases and Clift et al.'s output LayerNorm."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = config.n_head, config.head_dim
        self.w1, self.w2 = config.s2_window1, config.s2_window2
        self.mask = config.s2_mask
        self.fallback_bias = config.s2_fallback_bias
        self.qkv = nn.Linear(config.n_embd, 5 * config.n_embd)
        self.norm = nn.LayerNorm(config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.hook_qk = HookPoint()  # (3, B, H, T, D): q, k1, k2 as the kernel sees them
        self.hook_pattern = HookPoint()  # (B, H, T, T, T): the full pattern, only when explicitly asked
        self.hook_stats = HookPoint()  # dict: marginal_j, marginal_l (B, H, T, T); entropy (B, H, T); lse
        self.block_size: int | None = None  # query rows per kernel block; None: the kernel's (CPU-tuned) choice

    def attend(self, q, k1, k2, v1, v2) -> torch.Tensor:
        """The layer's kernel: the public causal one, or the blockwise kernel with the exhibit's leaky mask."""
        if self.mask == "leaky":  # the fused GPU kernel is causal only; the leak is kept exact and O(T²) in memory
            return blockwise_two_simplicial(q, k1, k2, v1, v2, self.w1, self.w2, self.block_size, mask="leaky")
        return two_simplicial_attention(q, k1, k2, v1, v2, w1=self.w1, w2=self.w2, block_size=self.block_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        parts = self.qkv(x).split(C, dim=2)
        q, k1, k2, v1, v2 = (t.view(B, T, self.n_head, self.head_dim).transpose(1, 2) for t in parts)  # (B, H, T, D)
        if self.fallback_bias:  # lets the layer fall back to ordinary attention over j (FBGEMM's reference default)
            k2 = k2 + 1.0 / self.head_dim
            v2 = v2 + 1.0
        if self.hook_qk.active:
            self.hook_qk(torch.stack([q, k1, k2]))
        if self.hook_pattern.active:
            y, probs = two_simplicial_reference(q, k1, k2, v1, v2, w1=self.w1, w2=self.w2, mask=self.mask,
                                                return_probs=True)
            self.hook_pattern(probs)
            if self.hook_stats.active:
                self.hook_stats(statistics_from_probs(probs.detach()))
        elif self.hook_stats.active:  # tracing: the statistics come from the same pass as the output
            y, stats = two_simplicial_with_statistics(q, k1, k2, v1, v2, self.w1, self.w2, self.block_size, self.mask)
            self.hook_stats(stats)
            if torch.is_grad_enabled():  # that pass is no-grad; recompute for autograd in the rare traced-grad case
                y = self.attend(q, k1, k2, v1, v2)
        else:
            y = self.attend(q, k1, k2, v1, v2)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(self.norm(y))
