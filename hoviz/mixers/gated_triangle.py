"""Sigmoid-gated top-k attention with a triangle product term, the `gated_triangle` mixer (not a simplicial convolution:
it has no edge or triangle cochains and no Hodge Laplacians; `hoviz.mixers.scn` is the SCN).

  1. affinities a[i,j] = sigmoid(q_i·k_j/√D) for j < i; token i keeps its <= `scn_max_edges` highest-affinity earlier
     tokens with 1 - a <= `scn_radius` (topk: ties in arbitrary order), and <= `scn_max_triangles` pairs {j, k} of
     them that are joined themselves (lowest 1 - a first);
  2. out_i = P gelu(W x_i + Σ_j a_ij v_j / (Σ a + 1) + Σ_{j,k} w_jki (U x_j ⊙ V x_k) / (Σ w + 1) + g_i ⊙ Σ_j a_ij (x_i - x_j)):
     a-weighted values, a product term over the triangles (asymmetric in j < k) and a one-sided difference term.
Kept as the shipped `shakespeare-gated-triangle`; the weights let gradients reach the affinities.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from hoviz.config import GPTConfig
from hoviz.hooks import HookPoint


class GatedTriangleAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        C = config.n_embd
        self.key_dim = config.head_dim
        self.radius = config.scn_radius
        self.max_edges, self.max_triangles = config.scn_max_edges, config.scn_max_triangles
        self.qk = nn.Linear(C, 2 * self.key_dim)  # the lifting's affinity
        self.node = nn.Linear(C, C)  # X0 W: the token itself
        self.edge = nn.Linear(C, 2 * C)  # phi1(x_j, x_i) = (value of x_j) and the Hodge-L0 gate of x_i - x_j
        self.tri = nn.Linear(C, 2 * C, bias=False)  # phi2(x_j, x_k) = U x_j ⊙ V x_k: a 3-way interaction
        self.proj = nn.Linear(C, C)
        self.hook_complex = HookPoint()  # dict of tensors: the complex this forward built (see `lift`)

    def lift(self, x: torch.Tensor) -> dict:
        """The causal VR lifting of x (B, T, C): edges (B, T, E) and triangles (B, T, F) born at each token."""
        B, T, _ = x.shape
        q, k = self.qk(x).split(self.key_dim, dim=2)
        a = torch.sigmoid(q @ k.transpose(1, 2) / math.sqrt(self.key_dim))  # (B, T, T) affinity, 1 - distance
        earlier = torch.ones(T, T, dtype=torch.bool, device=x.device).tril(-1)  # j < i
        within = earlier & (a >= 1.0 - self.radius)
        E = min(self.max_edges, T)
        score = a.detach().masked_fill(~within, -1.0)
        top, nbr = score.topk(E, dim=2)  # (B, T, E) nearest earlier tokens
        edge_ok = top >= 0
        edge_w = a.gather(2, nbr) * edge_ok  # (B, T, E), differentiable
        # Triangles {j, k, i}: two edges of i whose far ends are joined by an edge born at the later of them.
        adj = torch.zeros(B, T, T, dtype=torch.bool, device=x.device)
        adj.scatter_(2, nbr, edge_ok)  # adj[b, i, j]: edge {j, i} exists (j < i)
        p, r = torch.triu_indices(E, E, offset=1, device=x.device)  # slot pairs, (P,)
        ja, jb = nbr[:, :, p], nbr[:, :, r]  # (B, T, P)
        hi, lo = torch.maximum(ja, jb), torch.minimum(ja, jb)
        closed = edge_ok[:, :, p] & edge_ok[:, :, r] & (ja != jb)
        closed = closed & adj.flatten(1).gather(1, (hi * T + lo).flatten(1)).view_as(hi)
        a_far = a.flatten(1).gather(1, (hi * T + lo).flatten(1)).view_as(hi)  # (B, T, P) a[k, j]
        tri_w = edge_w[:, :, p] * edge_w[:, :, r] * a_far
        F_ = min(self.max_triangles, p.numel())  # 0 when fewer than two edges per token are allowed
        filt = torch.maximum(torch.maximum(1 - edge_w[:, :, p], 1 - edge_w[:, :, r]), 1 - a_far).detach()
        pick = filt.masked_fill(~closed, 2.0).topk(F_, dim=2, largest=False).indices  # (B, T, F)
        tri_ok = closed.gather(2, pick)
        return {
            "edge_index": nbr, "edge_ok": edge_ok, "edge_weight": edge_w,  # (B, T, E)
            "tri_index": torch.stack([lo.gather(2, pick), hi.gather(2, pick)], dim=-1),  # (B, T, F, 2): (j, k), j < k
            "tri_ok": tri_ok, "tri_weight": tri_w.gather(2, pick) * tri_ok,  # (B, T, F)
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, _, C = x.shape
        cx = self.lift(x)
        if self.hook_complex.active:
            self.hook_complex({k: v.detach() for k, v in cx.items()})
        rows = torch.arange(B, device=x.device).view(B, 1, 1)
        val, gate = self.edge(x).split(C, dim=2)
        w = cx["edge_weight"].unsqueeze(-1)  # (B, T, E, 1)
        xj = val[rows, cx["edge_index"]]  # (B, T, E, C) values of the earlier end of each edge
        hodge = gate * (w * (x.unsqueeze(2) - x[rows, cx["edge_index"]])).sum(2)  # gated L0c x, (B, T, C)
        edges = (w * xj).sum(2) / (cx["edge_weight"].sum(2, keepdim=True) + 1.0)  # B1c Y1, (B, T, C)
        u, v = self.tri(x).split(C, dim=2)
        tj, tk = cx["tri_index"][..., 0], cx["tri_index"][..., 1]  # (B, T, F)
        tw = cx["tri_weight"].unsqueeze(-1)
        tris = (tw * u[rows, tj] * v[rows, tk]).sum(2) / (cx["tri_weight"].sum(2, keepdim=True) + 1.0)  # B1c B2c Y2
        return self.proj(F.gelu(self.node(x) + edges + tris + hodge))
