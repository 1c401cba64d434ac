"""The `scn` mixer: its lift is hoviz.topology's capped VR lift, and every position i equals the standard SCN layer
on the prefix complex K_i built with TopoNetX's boundary maps and Hodge Laplacians (float64, 1e-10)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.mixers.scn import SimplicialConvolution
from hoviz.topology import lift as vr_lift

tnx = pytest.importorskip("toponetx")

C, T = 8, 11


def mixer(**kw) -> SimplicialConvolution:
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=5, block_size=16, n_layer=1, n_head=2, n_embd=C, mixers=["scn"],
                    **{"scn_radius": 0.7, "scn_max_edges": 3, "scn_max_triangles": 3, **kw})
    m = SimplicialConvolution(cfg).double()
    with torch.no_grad():  # non-trivial filter coefficients, so every power is exercised with its own weight
        for p in (m.theta0, m.theta_down, m.theta_up, m.theta_tri):
            p.copy_(torch.randn_like(p))
    return m


def display(cx: dict, upto: int) -> dict:
    """The mixer's complex restricted to vertices <= upto, as vertex / edge / triangle tuples."""
    nbr, eok = cx["edge_index"][0].numpy(), cx["edge_ok"][0].numpy()
    tri, tok = cx["tri_index"][0].numpy(), cx["tri_ok"][0].numpy()
    edges = [(int(j), i) for i in range(upto + 1) for j, ok in zip(nbr[i], eok[i]) if ok]
    tris = [(int(a), int(b), i) for i in range(upto + 1) for (a, b), ok in zip(tri[i], tok[i]) if ok]
    return {"num_vertices": upto + 1, "edges": edges, "triangles": tris}


def reference(m: SimplicialConvolution, x: torch.Tensor, upto: int) -> np.ndarray:
    """The standard (non-causal) layer on the complex restricted to vertices <= upto, read out at vertex upto."""
    a = m.affinity(x)[0].detach().numpy()
    cx = display(m.lift(m.affinity(x)), upto)
    sc = tnx.SimplicialComplex([[v] for v in range(upto + 1)] + [list(e) for e in cx["edges"]]
                               + [list(t) for t in cx["triangles"]])
    E, Fn = len(cx["edges"]), len(cx["triangles"])
    L0 = np.zeros((upto + 1, upto + 1))  # TopoNetX refuses L0 of a complex without edges
    if E:
        idx0, L0 = sc.hodge_laplacian_matrix(0, signed=True, index=True)
        assert list(idx0) == [(v,) for v in range(upto + 1)]
        L0 = L0.toarray()
    x0 = x[0, : upto + 1]
    with torch.no_grad():
        X0, V1, V2 = (lin(x0).numpy() for lin in (m.w0, m.w1, m.w2))
        th0, thd, thu, th2 = (p.numpy() for p in (m.theta0, m.theta_down, m.theta_up, m.theta_tri))
    s, K = m.scale, m.K
    Y0 = sum(th0[k] * s**k * (np.linalg.matrix_power(L0, k) @ X0) for k in range(K + 1))
    Z1 = np.zeros((max(E, 1), C))
    if E:
        idx1, Ld = sc.down_laplacian_matrix(1, signed=True, index=True)
        Ld, Lu = Ld.toarray(), np.zeros((E, E))  # TopoNetX refuses L1,up of a complex without triangles
        if Fn:
            Lu = sc.up_laplacian_matrix(1, signed=True, index=True)[1].toarray()
            np.testing.assert_allclose(Ld + Lu, sc.hodge_laplacian_matrix(1, signed=True, index=True)[1].toarray())
        _, _, B1 = sc.incidence_matrix(1, signed=True, index=True)
        order = sorted(idx1, key=idx1.get)  # TopoNetX's edge order
        X1 = np.stack([a[i, j] * (V1[i] - V1[j]) for j, i in order])
        Z1 = sum(thd[k] * s**k * (np.linalg.matrix_power(Ld, k) @ X1) for k in range(K + 1))
        Z1 = Z1 + sum(thu[k - 1] * s**k * (np.linalg.matrix_power(Lu, k) @ X1) for k in range(1, K + 1))
        if Fn:
            _, idx2, B2 = sc.incidence_matrix(2, signed=True, index=True)
            _, L2 = sc.hodge_laplacian_matrix(2, signed=True, index=True)
            B2, L2 = B2.toarray(), L2.toarray()
            X2 = np.stack([a[p, q] * a[p, r] * a[q, r] * (V2[p] + V2[q] + V2[r])
                           for p, q, r in sorted(idx2, key=idx2.get)])
            Z1 = Z1 + B2 @ sum(th2[k] * s**k * (np.linalg.matrix_power(L2, k) @ X2) for k in range(K + 1))
        vertex_in = Y0 + B1.toarray() @ F.gelu(torch.from_numpy(Z1)).numpy()
    else:
        vertex_in = Y0
    with torch.no_grad():
        return m.proj(F.gelu(torch.from_numpy(vertex_in)))[upto].numpy()


@pytest.mark.parametrize("kw", [{}, {"scn_order": 3, "scn_max_edges": 4, "scn_max_triangles": 6}])
def test_every_position_is_the_standard_layer_on_its_prefix_complex(kw):
    m = mixer(**kw)
    torch.manual_seed(1)
    x = torch.randn(1, T, C, dtype=torch.float64)
    with torch.no_grad():
        out = m(x)[0].numpy()
    cx = display(m.lift(m.affinity(x)), T - 1)
    assert len(cx["triangles"]) >= 3 and len(cx["edges"]) >= T  # the complex is not trivial
    err = max(np.abs(out[i] - reference(m, x, i)).max() for i in range(T))
    assert err < 1e-10  # the last position is the peer check on the whole complex


def test_lift_is_hoviz_capped_vietoris_rips():
    m = mixer(scn_max_edges=3, scn_max_triangles=3)  # 3 edges per token: at most 3 triangles, all kept
    torch.manual_seed(2)
    x = torch.randn(1, T, C, dtype=torch.float64)
    a = m.affinity(x)[0].detach().numpy()
    D = 1.0 - a
    np.fill_diagonal(D, 0.0)
    want = vr_lift(D, radius=m.radius, max_per_vertex=3)
    got = display(m.lift(m.affinity(x)), T - 1)
    assert sorted(got["edges"]) == [tuple(e) for e in want["edges"].tolist()]
    assert sorted(got["triangles"]) == [tuple(t) for t in want["triangles"].tolist()]


def test_ties_break_towards_smaller_indices():
    m = mixer(scn_radius=1.0, scn_max_edges=2, scn_max_triangles=1)
    with torch.no_grad():
        m.lift_proj.weight.zero_()  # every distance equal: the nearest are the smallest j, then (a, b) order
    cx = m.lift(m.affinity(torch.randn(1, 6, C, dtype=torch.float64)))
    assert cx["edge_index"][0, 3].tolist() == [0, 1] and cx["edge_ok"][0, 2:].all() and cx["edge_ok"][0, 1, 0]
    assert cx["tri_index"][0, 4, 0].tolist() == [0, 1] and cx["tri_ok"][0, 2:].all()


def test_triangle_cap_keeps_the_lowest_filtration():
    m = mixer(scn_radius=1.0, scn_max_edges=4, scn_max_triangles=2)
    torch.manual_seed(3)
    x = torch.randn(1, 9, C, dtype=torch.float64)
    a = m.affinity(x)[0].detach()
    cx = m.lift(m.affinity(x))
    for i in range(9):
        nbr = cx["edge_index"][0, i][cx["edge_ok"][0, i]].tolist()
        edges = {(int(j), k) for k in range(9) for j, ok in zip(cx["edge_index"][0, k], cx["edge_ok"][0, k]) if ok}
        closed = [(p, q) for p in nbr for q in nbr if p < q and (p, q) in edges]
        filt = sorted(max(1 - a[i, p], 1 - a[i, q], 1 - a[p, q]).item() for p, q in closed)
        kept = [(int(p), int(q)) for (p, q), ok in zip(cx["tri_index"][0, i], cx["tri_ok"][0, i]) if ok]
        got = sorted(max(1 - a[i, p], 1 - a[i, q], 1 - a[p, q]).item() for p, q in kept)
        assert got == filt[: len(got)] and len(got) == min(2, len(closed))


def test_gradients_reach_the_lift_and_every_filter():
    m = mixer().float()
    x = torch.randn(2, T, C, requires_grad=True)
    m(x).square().sum().backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_order_is_refused():
    with pytest.raises(ConfigError, match="scn_order"):
        GPTConfig(n_layer=1, mixers=["scn"], scn_order=0)
