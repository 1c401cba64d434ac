"""Causal simplicial convolution over prefix Vietoris-Rips complexes of the tokens: the `scn` mixer.

SCN filters (Ebli et al. 2020) with SCCNN's separately weighted L1,down / L1,up and boundary maps between dimensions
(Yang et al. 2022), made causal: position i evaluates the layer on K_i, the lifted complex restricted to vertices <= i
(each simplex is born at its largest vertex), as rows of the prefix polynomials (`hoviz.mixers.scn_prefix`).
    lift   d(j, i) = 1 - a_ji, a_ji = sigmoid(z_i·z_j / √D): i keeps its <= scn_max_edges nearest earlier tokens with
           d <= scn_radius (ties: smaller j, as `hoviz.topology.lift`), then <= scn_max_triangles closed triangles
           {a, b, i} by filtration (longest edge; ties: smaller (a, b)).
    cochains  X0 = W0 x;  X1[j,i] = a_ji (W1 x_i - W1 x_j) on [j, i];  X2[a,b,c] = a_ab a_ac a_bc W2 (x_a + x_b + x_c).
    filters   Y0 = Σ_k θ0_k ⊙ L0^k X0;  Z1 = Σ_k θd_k ⊙ L1d^k X1 + Σ_{k>=1} θu_k ⊙ L1u^k X1 + B2 Σ_k θ2_k ⊙ L2^k X2,
           k <= K = scn_order, every L scaled by 1/(2·scn_max_edges + 2);  out = P gelu(Y0 + B1 gelu(Z1)) at vertices.
Cost per token (E, F caps, T tokens, C channels): rows O(K·E·T·(E + F)) scalars (gathers, no channels), readout
O(K·C·(T + E·T·(E + F))) multiply-adds (dense row-by-cochain products), memory O(K·E·T·(E + F)).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from hoviz.config import GPTConfig
from hoviz.hooks import HookPoint
from hoviz.mixers.scn_prefix import PrefixComplex, curl_of, readout_rows


class SimplicialConvolution(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        C = config.n_embd
        self.key_dim = config.head_dim
        self.radius, self.K = config.scn_radius, config.scn_order
        self.max_edges, self.max_triangles = config.scn_max_edges, config.scn_max_triangles
        self.scale = 1.0 / (2 * config.scn_max_edges + 2)  # Laplacian scale: eigenvalues O(1) at typical degrees
        self.lift_proj = nn.Linear(C, self.key_dim)  # z: the learned distance
        self.w0, self.w1, self.w2 = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)
        K = self.K
        init = torch.tensor([1.0 / (k + 1) for k in range(K + 1)])[:, None].repeat(1, C)
        self.theta0, self.theta_down, self.theta_tri = (nn.Parameter(init.clone()) for _ in range(3))  # (K+1, C)
        self.theta_up = nn.Parameter(init[1:].clone())  # (K, C): k = 0 is θd_0
        self.proj = nn.Linear(C, C)
        self.hook_complex = HookPoint()  # dict of tensors: the complex this forward built (see `lift`)

    def affinity(self, x: torch.Tensor) -> torch.Tensor:
        """a (B, T, T) = sigmoid(z_i·z_j / √D), symmetric, in float32 even under autocast (the lift sorts it)."""
        with torch.autocast(device_type=x.device.type, enabled=False):
            z = self.lift_proj(x.to(self.lift_proj.weight.dtype))
            return torch.sigmoid(z @ z.transpose(1, 2) / math.sqrt(self.key_dim))

    def lift(self, a: torch.Tensor) -> dict:
        """The capped VR lift of affinities a (B, T, T): edges (B, T, E) and triangles (B, T, F) born at each token."""
        B, T, _ = a.shape
        d = (1.0 - a).detach()
        earlier = torch.ones(T, T, dtype=torch.bool, device=a.device).tril(-1)
        key = d.masked_fill(~(earlier & (d <= self.radius)), math.inf)
        E = max(1, min(self.max_edges, T - 1))
        nbr = key.sort(dim=2, stable=True).indices[:, :, :E]  # (B, T, E) nearest earlier tokens, ties smaller j
        edge_ok = key.gather(2, nbr).isfinite()
        rows = torch.arange(B, device=a.device).view(B, 1, 1)
        adj = torch.zeros(B, T, T, dtype=torch.bool, device=a.device)
        adj[rows, torch.arange(T, device=a.device).view(1, T, 1), nbr] = edge_ok  # adj[b, i, j]: i keeps j
        slot = torch.zeros(B, T, T, dtype=torch.long, device=a.device)
        slot.scatter_(2, nbr, torch.arange(E, device=a.device).expand(B, T, E))  # slot[b, i, j]: j's slot in i
        p, r = torch.triu_indices(E, E, offset=1, device=a.device)  # slot pairs, (P,)
        ja, jb = nbr[:, :, p], nbr[:, :, r]  # (B, T, P)
        lo, hi = torch.minimum(ja, jb), torch.maximum(ja, jb)
        closed = edge_ok[:, :, p] & edge_ok[:, :, r] & adj[rows, hi, lo]
        d_far = d[rows, hi, lo]
        filt = torch.maximum(torch.maximum(key.gather(2, ja), key.gather(2, jb)), d_far).masked_fill(~closed, math.inf)
        by_vertex = (lo * T + hi).sort(dim=2, stable=True).indices  # ties broken by smaller (a, b)
        order = by_vertex.gather(2, filt.gather(2, by_vertex).sort(dim=2, stable=True).indices)
        Fn = min(self.max_triangles, p.numel())
        pick = order[:, :, :Fn]  # (B, T, F)
        tri_ok = closed.gather(2, pick)
        t_lo, t_hi = lo.gather(2, pick), hi.gather(2, pick)
        s_lo = torch.where(ja < jb, p, r).gather(2, pick)  # slot of a in i's list
        s_hi = torch.where(ja < jb, r, p).gather(2, pick)
        i = torch.arange(T, device=a.device).view(1, T, 1)
        tri_edges = torch.stack([i * E + s_hi, i * E + s_lo, t_hi * E + slot[rows, t_hi, t_lo]], dim=-1)
        w_e = a.gather(2, nbr) * edge_ok  # (B, T, E) differentiable a of each edge
        w_t = a.gather(2, t_lo) * a.gather(2, t_hi) * a[rows, t_hi, t_lo] * tri_ok  # (B, T, F)
        return {"edge_index": nbr, "edge_ok": edge_ok, "edge_weight": w_e,
                "tri_index": torch.stack([t_lo, t_hi], dim=-1), "tri_ok": tri_ok, "tri_weight": w_t,
                "tri_edges": tri_edges}  # (B, T, F, 3) edge ids of [b,i], [a,i], [a,b]

    @staticmethod
    def prefix_complex(cx: dict) -> PrefixComplex:
        B, T, E = cx["edge_index"].shape
        Fn = cx["tri_ok"].shape[2]
        return PrefixComplex(T=T, E=E, F=Fn, tail=cx["edge_index"].reshape(B, T * E),
                             edge_ok=cx["edge_ok"].reshape(B, T * E),
                             tri_edges=cx["tri_edges"].reshape(B, T * Fn, 3), tri_ok=cx["tri_ok"].reshape(B, T * Fn))

    def cochains(self, x: torch.Tensor, cx: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """X0 (B, T, C), X1 (B, T*E, C), X2 (B, T*F, C) in the slot order of the lift."""
        B, _, C = x.shape
        rows = torch.arange(B, device=x.device).view(B, 1, 1)
        v1, v2 = self.w1(x), self.w2(x)
        X1 = cx["edge_weight"].unsqueeze(-1) * (v1.unsqueeze(2) - v1[rows, cx["edge_index"]])  # (B, T, E, C)
        t_lo, t_hi = cx["tri_index"][..., 0], cx["tri_index"][..., 1]
        X2 = cx["tri_weight"].unsqueeze(-1) * (v2[rows, t_lo] + v2[rows, t_hi] + v2.unsqueeze(2))  # (B, T, F, C)
        return self.w0(x), X1.reshape(B, -1, C), X2.reshape(B, -1, C)

    def filter_terms(self, x: torch.Tensor, cx: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Y0 (B, T, C) at the vertices and Z1 (B, T, E, C) at the edges born at each token, on the prefix complexes."""
        B, T, C = x.shape
        X0, X1, X2 = self.cochains(x, cx)
        pc = self.prefix_complex(cx)
        rows = readout_rows(pc, self.K)
        s = [self.scale**k for k in range(self.K + 1)]
        Y0 = self.theta0[0] * X0
        Z1 = self.theta_down[0] * X1
        for k in range(1, self.K + 1):
            Y0 = Y0 + self.theta0[k] * s[k] * (rows["vertex"][k - 1].to(X0.dtype) @ X0)
            Z1 = Z1 + self.theta_down[k] * s[k] * (rows["down"][k - 1].to(X1.dtype) @ X1)
        if pc.F:
            curl = curl_of(X1, pc)  # B2ᵀ X1, (B, T*F, C)
            for k in range(self.K + 1):
                Z1 = Z1 + self.theta_tri[k] * s[k] * (rows["tri"][k].to(X2.dtype) @ X2)
                if k:  # L1,up^k = B2 L2^(k-1) B2ᵀ
                    Z1 = Z1 + self.theta_up[k - 1] * s[k] * (rows["tri"][k - 1].to(curl.dtype) @ curl)
        return Y0, Z1.view(B, T, -1, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cx = self.lift(self.affinity(x))
        if self.hook_complex.active:
            self.hook_complex({k: v.detach() for k, v in cx.items()})
        Y0, Z1 = self.filter_terms(x, cx)
        edges = (F.gelu(Z1) * cx["edge_ok"].unsqueeze(-1)).sum(2)  # B1 gelu(Z1) at i: edges [j, i] enter with +1
        return self.proj(F.gelu(Y0 + edges.to(Y0.dtype)))
