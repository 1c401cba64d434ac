"""What an `scn` layer did for one prompt at one position: the complex it lifted, the prefix complex K_i that
position i saw, its Hodge spectra, and each simplex's filter response for token i (no Streamlit; see hoviz.viz.hodge).

The response of a simplex is the norm of its cochain's term in what token i reads before the nonlinearities: for a
vertex u its term in Y0_i = Σ_k θ0_k ⊙ L0^k X0 (row i); for an edge or triangle its term in Σ_s Z1[i, s], the
pre-activations of the edges born at i (L1,down terms on edges; L2 and L1,up = B2 L2^(k-1) B2ᵀ terms on triangles).
The terms add up exactly to Y0_i and Σ_s Z1[i, s] (tests/test_scn_layer.py); the complex page draws this view.
    view = scn_layer_view(model, ids, layer=1, i=20); view.spectra.betti, view.top[:3]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hoviz.errors import ConfigError
from hoviz.mixers.scn_prefix import curl_of, readout_rows
from hoviz.topology.spectra import HodgeSpectra, hodge_spectra


@dataclass(frozen=True)
class Simplex:
    dim: int  # 0, 1, 2
    vertices: tuple[int, ...]  # sorted token positions
    response: float


@dataclass(frozen=True)
class SCNLayerView:
    layer: int
    i: int  # the position whose prefix complex this is
    complex: dict  # the whole lifted complex (display form: edges, edge_weights, triangles, triangle_weights)
    prefix: dict  # K_i in display form, plus vertex_response (i+1,), edge_response (E,), triangle_response (F,)
    spectra: HodgeSpectra  # of K_i
    top: list[Simplex]  # the simplices of K_i with the largest responses, largest first


@torch.no_grad()
def filter_terms_at(mixer, x: torch.Tensor, i: int) -> dict:
    """Per-simplex terms (numpy) of what token i reads, for one sequence x (1, T, C) at the mixer's input.

    Returns slot-ordered arrays: ``vertex`` (T, C); ``edge`` (T*E, C); ``triangle`` (T*F, C); the targets
    ``Y0`` (C,) and ``Z1_sum`` (C,) they sum to; and the lift (``cx``, torch tensors of batch 1).
    """
    cx = mixer.lift(mixer.affinity(x))
    X0, X1, X2 = mixer.cochains(x, cx)
    pc = mixer.prefix_complex(cx)
    rows = readout_rows(pc, mixer.K)
    K, E, T = mixer.K, pc.E, pc.T
    s = [mixer.scale**k for k in range(K + 1)]
    mine = slice(i * E, (i + 1) * E)
    vcoef = [torch.nn.functional.one_hot(torch.tensor(i, device=x.device), T).to(X0.dtype)] + [r[0, i] for r in rows["vertex"]]
    vertex = sum(mixer.theta0[k] * s[k] * vcoef[k][:, None] * X0[0] for k in range(K + 1))
    own = torch.zeros(T * E, dtype=X1.dtype, device=x.device)
    own[mine] = pc.edge_ok[0, mine].to(X1.dtype)
    dcoef = [own] + [r[0, mine].sum(0) for r in rows["down"]]
    edge = sum(mixer.theta_down[k] * s[k] * dcoef[k][:, None] * X1[0] for k in range(K + 1))
    triangle = torch.zeros(T * pc.F, X1.shape[-1], dtype=X1.dtype, device=x.device)
    if pc.F:
        curl = curl_of(X1, pc)[0]
        q = [r[0, mine].sum(0)[:, None] for r in rows["tri"]]
        triangle = sum(mixer.theta_tri[k] * s[k] * q[k] * X2[0] for k in range(K + 1))
        triangle = triangle + sum(mixer.theta_up[k - 1] * s[k] * q[k - 1] * curl for k in range(1, K + 1))
    Y0, Z1 = mixer.filter_terms(x, cx)
    out = {"vertex": vertex, "edge": edge, "triangle": triangle, "Y0": Y0[0, i], "Z1_sum": Z1[0, i].sum(0)}
    return {**{k: v.double().cpu().numpy() for k, v in out.items()}, "cx": {k: v.cpu() for k, v in cx.items()}}


def _display(cx: dict, upto: int | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """Display form of the lift (batch 0), restricted to simplices born <= upto; also the slot of each row."""
    nbr, eok = cx["edge_index"][0].numpy(), cx["edge_ok"][0].numpy()
    tri, tok = cx["tri_index"][0].numpy(), cx["tri_ok"][0].numpy()
    T, E = nbr.shape
    Fn = tok.shape[1]
    upto = T - 1 if upto is None else upto
    heads = np.repeat(np.arange(T), E)
    e_slot = np.flatnonzero(eok.ravel() & (heads <= upto))
    edges = np.stack([nbr.ravel()[e_slot], heads[e_slot]], axis=1).reshape(-1, 2)
    e_order = np.lexsort((edges[:, 1], edges[:, 0])) if len(edges) else np.zeros(0, np.int64)
    t_heads = np.repeat(np.arange(T), Fn)
    t_slot = np.flatnonzero(tok.ravel() & (t_heads <= upto))
    tris = np.concatenate([tri.reshape(-1, 2)[t_slot], t_heads[t_slot, None]], axis=1).reshape(-1, 3)
    t_order = np.lexsort((tris[:, 2], tris[:, 1], tris[:, 0])) if len(tris) else np.zeros(0, np.int64)
    e_slot, t_slot = e_slot[e_order], t_slot[t_order]
    out = {"num_vertices": upto + 1, "edges": edges[e_order].astype(np.int64),
           "edge_weights": cx["edge_weight"][0].numpy().ravel()[e_slot].astype(np.float64),
           "triangles": tris[t_order].astype(np.int64),
           "triangle_weights": cx["tri_weight"][0].numpy().ravel()[t_slot].astype(np.float64), "max_dim": 2}
    return out, e_slot, t_slot


def scn_layer_view(model, ids, layer: int, i: int | None = None, top: int = 12) -> SCNLayerView:
    """Inspect `scn` layer `layer` of `model` on the prompt `ids` (list of token ids) at position i (default: last)."""
    from hoviz.trace import run_with_trace

    if not 0 <= layer < len(model.blocks) or model.blocks[layer].kind != "scn":
        kinds = [b.kind for b in model.blocks]
        raise ConfigError(f"layer {layer} is not an scn layer (this model's layers: {kinds})")
    T = len(ids)
    i = T - 1 if i is None else i
    if not 0 <= i < T:
        raise ConfigError(f"position {i} is outside the prompt's 0..{T - 1}")
    block = model.blocks[layer]
    idx = torch.as_tensor([list(ids)], dtype=torch.long, device=next(model.parameters()).device)
    _, trace = run_with_trace(model, idx, layers=[layer], what=("resid",))
    with torch.no_grad():
        x = block.ln_1(trace.resid(layer))
    terms = filter_terms_at(block.mixer, x, i)
    whole, _, _ = _display(terms["cx"])
    prefix, e_slot, t_slot = _display(terms["cx"], i)
    prefix["vertex_response"] = np.linalg.norm(terms["vertex"][: i + 1], axis=1).astype(np.float64)
    prefix["edge_response"] = np.linalg.norm(terms["edge"][e_slot], axis=1).astype(np.float64).reshape(-1)
    prefix["triangle_response"] = np.linalg.norm(terms["triangle"][t_slot], axis=1).astype(np.float64).reshape(-1)
    ranked = ([Simplex(0, (u,), float(r)) for u, r in enumerate(prefix["vertex_response"])]
              + [Simplex(1, tuple(map(int, e)), float(r)) for e, r in zip(prefix["edges"], prefix["edge_response"])]
              + [Simplex(2, tuple(map(int, t)), float(r))
                 for t, r in zip(prefix["triangles"], prefix["triangle_response"])])
    ranked.sort(key=lambda sx: -sx.response)
    return SCNLayerView(layer=layer, i=i, complex=whole, prefix=prefix, spectra=hodge_spectra(prefix), top=ranked[:top])


__all__ = ["SCNLayerView", "Simplex", "filter_terms_at", "scn_layer_view"]
