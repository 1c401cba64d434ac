"""A small GPT in nanoGPT's reading order (MLP -> Block -> GPT) whose token mixer is chosen per layer by name.

Legend: B batch, T tokens, C channels (n_embd), H heads, D head dim (C // H), V vocabulary.
The mixers live in `hoviz.mixers` (dense, simplicial2, gated_triangle, scn); the config in `hoviz.config`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hoviz.config import GPTConfig
from hoviz.hooks import HookPoint
from hoviz.mixers import build_mixer


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.proj(F.gelu(self.fc(x))))


class Block(nn.Module):
    """Pre-LayerNorm block: x + mixer(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig, mixer: str) -> None:
        super().__init__()
        self.kind = mixer
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.mixer = build_mixer(mixer, config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)
        self.dropout = nn.Dropout(config.dropout)
        self.hook_resid_pre = HookPoint()  # (B, T, C) the residual stream entering this block

    def forward(self, x):
        x = self.hook_resid_pre(x)
        x = x + self.dropout(self.mixer(self.ln_1(x)))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config, m) for m in config.mixers])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.hook_resid_final = HookPoint()  # (B, T, C) after the last block, before ln_f
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        """Token + position embeddings, (B, T) -> (B, T, C)."""
        T = idx.shape[1]
        if T > self.config.block_size:
            raise ValueError(f"sequence of {T} tokens exceeds block_size {self.config.block_size}; truncate it first")
        pos = torch.arange(T, device=idx.device)
        return self.tok_emb(idx) + self.pos_emb(pos)  # (B, T, C)

    def forward_embeddings(self, h: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, V) from embeddings (B, T, C): the audit differentiates through this."""
        h = self.drop(h)
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln_f(self.hook_resid_final(h)))

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """Logits (B, T, V); with targets (B, T) also the mean cross-entropy (ignore_index -1)."""
        logits = self.forward_embeddings(self.embed(idx))
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, n_new: int, temperature: float = 1.0, top_k: int | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample n_new tokens after idx (B, T), keeping the last block_size tokens as context."""
        for _ in range(n_new):
            logits = self(idx[:, -self.config.block_size:])[:, -1, :] / max(temperature, 1e-6)  # (B, V)
            if top_k is not None:
                kth = logits.topk(min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            nxt = torch.multinomial(logits.softmax(-1), 1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, nxt], dim=1)
        return idx
