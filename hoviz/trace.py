"""`run_with_trace`: one forward pass that records the intermediates asked for, by hook point name.

Hook names are module paths, as in TransformerLens: `blocks.0.hook_resid_pre`, `blocks.1.mixer.hook_pattern`
(dense, (B, H, T, T)), `blocks.1.mixer.hook_qk` (2-simplicial q, k1, k2, (3, B, H, T, D), from which any slice of
the (T, T, T) pattern is computed on demand), `blocks.1.mixer.hook_stats` (its marginals and row entropies, from
the forward pass itself), `blocks.2.mixer.hook_complex` (the simplicial mixer's complex).
Capture is per call (a context variable, never a hook left on the shared model), so concurrent calls on one
model each see only their own forward; tracing never changes the logits.
    >>> logits, trace = run_with_trace(model, idx, layers=[0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from hoviz.hooks import HookPoint, capturing
from hoviz.mixers import COMPLEX_MIXERS
from hoviz.records import SimplicialStats, TracedComplex
from hoviz.threeway import SimplicialHead, entropy

WHAT = ("resid", "pattern", "qk", "complex")


@dataclass
class Trace:
    cache: dict = field(default_factory=dict)  # hook name -> captured tensor (or dict of tensors)
    model: object = None

    def names(self) -> list[str]:
        return sorted(self.cache)

    def _get(self, name: str):
        if name not in self.cache:
            raise KeyError(f"{name!r} was not captured; captured: {self.names()}")
        return self.cache[name]

    def resid(self, layer: int) -> torch.Tensor:
        """Residual stream entering block `layer` (layer == n_layer: after the last block), (B, T, C)."""
        n = len(self.model.blocks)
        return self._get("hook_resid_final" if layer == n else f"blocks.{layer}.hook_resid_pre")

    def pattern(self, layer: int) -> torch.Tensor:
        """Pairwise pattern (B, H, T, T): a dense layer's attention, or a 2-simplicial layer's Σ_l S marginal."""
        if self.model.blocks[layer].kind == "simplicial2":
            return self.simplicial_stats(layer).marginal_j
        return self._get(f"blocks.{layer}.mixer.hook_pattern")

    def simplicial_stats(self, layer: int) -> SimplicialStats:
        """A 2-simplicial layer's marginals Σ_l S, Σ_j S (B, H, T, T) and row entropies H(S[i]) (B, H, T), computed
        in the forward pass itself."""
        return SimplicialStats.of(self._get(f"blocks.{layer}.mixer.hook_stats"))

    def joint_spread(self, layer: int) -> torch.Tensor:
        """Joint spread (mutual information of j and l under S[i]) KL(S[i] || Σ_l S[i] ⊗ Σ_j S[i])
        = H(Σ_l S) + H(Σ_j S) − H(S[i]) per query, (B, H, T), nats."""
        st = self.simplicial_stats(layer)
        return (entropy(st.marginal_j) + entropy(st.marginal_l) - st.entropy).clamp_min(0.0)

    def simplicial(self, layer: int, batch: int = 0, head: int | None = 0) -> SimplicialHead:
        """One 2-simplicial head's pattern (or, with head=None, all heads of the layer at once), to slice on demand."""
        qk = self._get(f"blocks.{layer}.mixer.hook_qk")[:, batch]  # (3, H, T, D)
        if head is not None:
            qk = qk[:, head]  # (3, T, D)
        mixer = self.model.blocks[layer].mixer
        stats = self.cache.get(f"blocks.{layer}.mixer.hook_stats")
        lse = None if stats is None else SimplicialStats.of(stats).lse  # (B, H, T) when the kernel gave it
        if lse is not None:
            lse = lse[batch] if head is None else lse[batch, head]
        return SimplicialHead(qk[0], qk[1], qk[2], w1=mixer.w1, w2=mixer.w2, mask=mixer.mask, _lse=lse)

    def complex(self, layer: int, batch: int = 0) -> TracedComplex:
        """The complex the simplicial mixer built for sequence `batch`, in numpy (hoviz.topology's trace form)."""
        c = {k: v[batch].cpu().numpy() for k, v in self._get(f"blocks.{layer}.mixer.hook_complex").items()}
        T = c["edge_index"].shape[0]
        i_e = np.broadcast_to(np.arange(T)[:, None], c["edge_index"].shape)
        edges = np.stack([c["edge_index"][c["edge_ok"]], i_e[c["edge_ok"]]], axis=1).reshape(-1, 2)
        i_t = np.broadcast_to(np.arange(T)[:, None], c["tri_ok"].shape)
        tri = np.concatenate([c["tri_index"][c["tri_ok"]], i_t[c["tri_ok"]][:, None]], axis=1).reshape(-1, 3)
        return TracedComplex(T, edges.astype(np.int64), c["edge_weight"][c["edge_ok"]].astype(np.float64),
                             tri.astype(np.int64), c["tri_weight"][c["tri_ok"]].astype(np.float64))


def hook_names(model, layers=None, what=WHAT) -> list[str]:
    """The hook points run_with_trace would attach for these layers and kinds of capture."""
    unknown = set(what) - set(WHAT)
    if unknown:
        raise ValueError(f"unknown capture kind(s) {sorted(unknown)}; choose from {WHAT}")
    n = len(model.blocks)
    layers = range(n) if layers is None else layers
    names = []
    for layer in layers:
        if not 0 <= layer < n:
            raise ValueError(f"layer {layer} out of range: the model has layers 0..{n - 1}")
        kind = model.blocks[layer].kind
        if "resid" in what:
            names.append(f"blocks.{layer}.hook_resid_pre")
        if kind == "dense" and "pattern" in what:
            names.append(f"blocks.{layer}.mixer.hook_pattern")
        if kind == "simplicial2" and "qk" in what:
            names.append(f"blocks.{layer}.mixer.hook_qk")
        if kind == "simplicial2" and "pattern" in what:
            names.append(f"blocks.{layer}.mixer.hook_stats")
        if kind in COMPLEX_MIXERS and "complex" in what:
            names.append(f"blocks.{layer}.mixer.hook_complex")
    if "resid" in what:
        names.append("hook_resid_final")
    return names


@torch.no_grad()
def run_with_trace(model, idx: torch.Tensor, layers=None, what=WHAT, names=None):
    """Run `model` on idx (B, T) and capture the hook points asked for.

    Parameters
    ----------
    layers : layer indices to capture (default: all).
    what : kinds of capture among ("resid", "pattern", "qk", "complex").
    names : explicit hook names (overrides layers/what), e.g. ["blocks.1.mixer.hook_pattern"] for a full
        (B, H, T, T, T) 2-simplicial pattern, which is only ever built when named here.

    Returns
    -------
    (logits (B, T, V), Trace)
    """
    modules = dict(model.named_modules())
    names = hook_names(model, layers, what) if names is None else list(names)
    missing = [n for n in names if not isinstance(modules.get(n), HookPoint)]
    if missing:
        raise ValueError(f"no hook point(s) {missing} in this model")
    with capturing({name: modules[name] for name in names}) as seen:
        logits = model(idx)
    return logits, Trace(cache=dict(seen), model=model)
