"""Causal multi-head self-attention (Vaswani et al. 2017), the `dense` mixer: QKᵀ is a soft adjacency matrix over the
complete causal graph j <= i.

Two paths: PyTorch's fused `scaled_dot_product_attention` when nobody looks, and the explicit softmax(QKᵀ/√D)
path whenever `hook_pattern` is being traced, so that the traced pattern is the one that produced the output.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from hoviz.config import GPTConfig
from hoviz.hooks import HookPoint


class DenseAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.head_dim = config.n_head, config.head_dim
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = config.dropout
        self.hook_pattern = HookPoint()  # (B, H, T, T) rows sum to 1 over j <= i

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, self.head_dim).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        if self.hook_pattern.active:
            y = self._explicit(q, k, v)
        else:
            drop = self.dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=drop)  # (B, H, T, D)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)

    def _explicit(self, q, k, v):
        T = q.shape[-2]
        logits = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # (B, H, T, T)
        causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
        att = logits.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        att = self.hook_pattern(att)
        att = F.dropout(att, self.dropout, self.training)
        return att @ v  # (B, H, T, D)
