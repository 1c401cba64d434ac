"""Boundary maps and Hodge Laplacians of the prefix complexes K_i of a lifted sequence, applied to readout rows.

K_i is the complex restricted to vertices <= i (every simplex is born at its largest vertex). Position i reads
row i of a polynomial in L(K_i); since the Laplacians are symmetric, that row is p(L(K_i)) e_i, a vector with no
channel axis, so all T prefix problems are iterated at once as a batch of rows, each masked to its own prefix.
Orientation as `hoviz.topology.hodge`: ∂[j,i] = i - j, ∂[a,b,c] = [b,c] - [a,c] + [a,b]. Used by `hoviz.mixers.scn`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class PrefixComplex:
    """A batch of lifted sequences, each edge and triangle stored in the slot of the token that gives birth to it.

    Edge (i, s) is [tail[b, i*E+s], i]; triangle (i, f) is [a, b, i] with edge ids tri_edges[b, i*F+f] of
    ([b,i], [a,i], [a,b]). Invalid slots (fewer simplices than the caps allow) have ok False and are never read.
    """

    T: int
    E: int  # edge slots per token
    F: int  # triangle slots per token
    tail: torch.Tensor  # (B, T*E) long: the earlier vertex of each edge
    edge_ok: torch.Tensor  # (B, T*E) bool
    tri_edges: torch.Tensor  # (B, T*F, 3) long: edge ids of [b,i], [a,i], [a,b]
    tri_ok: torch.Tensor  # (B, T*F) bool

    @property
    def edge_birth(self) -> torch.Tensor:  # (T*E,) the head i of each edge slot
        return torch.arange(self.T, device=self.tail.device).repeat_interleave(self.E)

    @property
    def tri_birth(self) -> torch.Tensor:  # (T*F,)
        return torch.arange(self.T, device=self.tail.device).repeat_interleave(self.F)


SIGNS = (1.0, -1.0, 1.0)  # ∂[a,b,i] = [b,i] - [a,i] + [a,b]


class PrefixOps:
    """B1, B1ᵀ, B2, B2ᵀ on batches of rows (B, R, ·), row r living in the prefix complex K_{prefix[r]}."""

    def __init__(self, cx: PrefixComplex, prefix: torch.Tensor) -> None:
        self.cx, B, R = cx, cx.tail.shape[0], prefix.numel()
        self.R = R
        edge_in = (prefix[:, None] >= cx.edge_birth[None, :]) & cx.edge_ok[:, None, :]  # (B, R, T*E)
        self.edge_mask = edge_in.float()
        self.tri_mask = ((prefix[:, None] >= cx.tri_birth[None, :]) & cx.tri_ok[:, None, :]).float()  # (B, R, T*F)
        self.tail = cx.tail[:, None, :].expand(B, R, cx.T * cx.E)
        self.tri = [cx.tri_edges[:, None, :, m].expand(B, R, cx.T * cx.F) for m in range(3)]

    def bt1(self, h: torch.Tensor) -> torch.Tensor:
        """B1ᵀ: vertex rows (B, R, T) -> edge rows (B, R, T*E), (B1ᵀh)[j,i] = h_i - h_j, on the row's prefix."""
        out = h.repeat_interleave(self.cx.E, dim=2).sub_(h.gather(2, self.tail))
        return out.mul_(self.edge_mask)

    def b1(self, g: torch.Tensor) -> torch.Tensor:
        """B1: edge rows (B, R, T*E), zero outside the prefix -> vertex rows (B, R, T)."""
        B, R, _ = g.shape
        heads = g.view(B, R, self.cx.T, self.cx.E).sum(3)
        return heads.sub_(torch.zeros_like(heads).scatter_add_(2, self.tail, g))

    def bt2(self, g: torch.Tensor) -> torch.Tensor:
        """B2ᵀ: edge rows -> triangle rows (B, R, T*F), [b,i] - [a,i] + [a,b], on the row's prefix."""
        if self.cx.F == 0:
            return g.new_zeros(*g.shape[:2], 0)
        out = g.gather(2, self.tri[0]).sub_(g.gather(2, self.tri[1])).add_(g.gather(2, self.tri[2]))
        return out.mul_(self.tri_mask)

    def b2(self, q: torch.Tensor) -> torch.Tensor:
        """B2: triangle rows, zero outside the prefix -> edge rows (B, R, T*E)."""
        out = q.new_zeros(*q.shape[:2], self.cx.T * self.cx.E)
        out.scatter_add_(2, self.tri[0], q).scatter_add_(2, self.tri[2], q)
        return out.scatter_add_(2, self.tri[1], q.neg())

    def l0(self, h):
        return self.b1(self.bt1(h))

    def l2(self, q):
        return self.bt2(self.b2(q))


def powers(op, x0: torch.Tensor, K: int) -> list[torch.Tensor]:
    """[op(x0), op²(x0), ..., op^K(x0)]: the rows of L, ..., L^K on each row's own prefix complex."""
    out, x = [], x0
    for _ in range(K):
        x = op(x)
        out.append(x)
    return out


@torch.no_grad()
def readout_rows(cx: PrefixComplex, K: int) -> dict[str, list[torch.Tensor]]:
    """Rows of the prefix polynomials that position i reads, exact small integers (float32), for every i at once.

    ``vertex`` k = 1..K: L0(K_i)^k e_i over vertices, (B, T, T). For the E edge slots (i, s) born at i:
    ``down`` k = 1..K: L1,down(K_i)^k e_(i,s) = B1ᵀ L0^(k-1) (e_i - e_j), (B, T*E, T*E); ``tri`` k = 0..K:
    L2(K_i)^k B2(K_i)ᵀ e_(i,s), (B, T*E, T*F). L1,up needs no rows of its own: L1,up^k = B2 L2^(k-1) B2ᵀ, so
    e_(i,s)ᵀ L1,up^k X1 = tri[k-1] · (B2ᵀ X1), and B2ᵀ X1 is the same on every prefix that holds the triangle.
    """
    B, dev = cx.tail.shape[0], cx.tail.device
    T, E = cx.T, cx.E
    vops = PrefixOps(cx, torch.arange(T, device=dev))
    eops = PrefixOps(cx, cx.edge_birth)
    ok = cx.edge_ok.float()
    e_i = torch.eye(T, device=dev).expand(B, T, T)
    p = torch.eye(T, device=dev).repeat_interleave(E, dim=0).expand(B, T * E, T) * ok[:, :, None]  # e_i
    p = p.scatter_add(2, cx.tail[:, :, None], -ok[:, :, None])  # B1 e_(i,s) = e_i - e_j, (B, T*E, T)
    down = []
    for _ in range(K):
        down.append(eops.bt1(p))
        p = eops.b1(down[-1])
    q0 = eops.bt2(torch.diag_embed(ok))  # triangles of K_i on edge (i, s), with B2's signs
    return {"vertex": powers(vops.l0, e_i, K), "down": down, "tri": [q0, *powers(eops.l2, q0, K)]}


def curl_of(X1: torch.Tensor, cx: PrefixComplex) -> torch.Tensor:
    """B2ᵀ X1: edge cochains (B, T*E, C) -> triangle cochains (B, T*F, C), zero on invalid triangle slots."""
    B, _, C = X1.shape
    idx = [cx.tri_edges[:, :, m, None].expand(B, cx.T * cx.F, C) for m in range(3)]
    out = X1.gather(1, idx[0]) - X1.gather(1, idx[1]) + X1.gather(1, idx[2])
    return out * cx.tri_ok[:, :, None].to(out.dtype)


__all__ = ["PrefixComplex", "PrefixOps", "curl_of", "powers", "readout_rows"]
