"""Analytic forward FLOPs per token of a hoviz GPT, counted from its config (docs/theory.md §2.5).

Convention, the same as `torch.utils.flop_counter.FlopCounterMode`: 2 FLOPs per multiply-add of every matrix product
(linear layers, attention contractions, the LM head); elementwise ops, LayerNorm, softmax and lookups are not counted.
    >>> flops_per_token(GPTConfig(n_layer=1, mixers=["dense"]), T=1)  # 24·C² + 4·C + 2·C·V, C = 128, V = 96
    418304.0
"""

from __future__ import annotations

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError
from hoviz.mixers.simplicial_blockwise import default_block_size, key_range


def causal_pairs(T: int, w1: int | None, w2: int | None) -> int:
    """Σ_i min(i+1, w1)·min(i+1, w2): the (j, l) pairs the T queries of a causal 2-simplicial head attend to."""
    w1, w2 = w1 or T, w2 or T
    return sum(min(i + 1, w1) * min(i + 1, w2) for i in range(T))


def executed_triples(T: int, n_head: int, head_dim: int, w1: int | None, w2: int | None, batch: int = 1,
                     device: str = "cpu", mask: str = "causal") -> int:
    """(i, j, l) triples the blockwise kernel computes for one head, masked ones of each block included (the leaky
    mask's second key runs to the end of the sequence)."""
    bq = default_block_size(T, n_head, head_dim, B=batch, w1=w1, w2=w2, device=device)
    total = 0
    for i0 in range(0, T, bq):
        i1 = min(T, i0 + bq)
        total += (i1 - i0) * (i1 - key_range(i0, i1, w1)[0]) * ((i1 if mask == "causal" else T)
                                                                   - key_range(i0, i1, w2)[0])
    return total


def mixer_flops(kind: str, config: GPTConfig, T: int, *, executed: bool = False, batch: int = 1,
                device: str = "cpu") -> float:
    """Forward FLOPs per token of one token mixer, averaged over positions 0..T-1.

    Parameters
    ----------
    kind : "dense", "simplicial2", "gated_triangle" or "scn".
    executed : count what the kernels compute (dense: the full T×T of fused attention's counter; simplicial2: every
        block the blockwise kernel evaluates) instead of the useful causal work. Used to cross-check FlopCounterMode.
    batch, device : batch size and device type ("cpu", "cuda"), which set the 2-simplicial block size (only matter
        when `executed`).
    """
    C, H, D = config.n_embd, config.n_head, config.head_dim
    if kind == "dense":
        keys = T if executed else (T + 1) / 2  # mean of (i + 1) over causal positions
        return 2 * C * 3 * C + 2 * C * C + 4 * C * keys  # qkv, proj; q·k and p·v over `keys` keys per head
    if kind == "simplicial2":
        w1, w2 = config.s2_window1, config.s2_window2
        if executed:
            triples = executed_triples(T, H, D, w1, w2, batch, device, config.s2_mask)
        else:
            triples = causal_pairs(T, w1, w2)
        return 2 * C * 5 * C + 2 * C * C + 4 * C * triples / T  # qkv(5), proj; logits (2D) + values (2D) per pair
    if kind == "gated_triangle":
        # qk affinity projection, the full (T, T) affinity q @ kᵀ, node / edge(2C) / tri(2C) / proj linears.
        return 2 * C * 2 * D + 2 * D * T + 2 * C * C * (1 + 2 + 2 + 1)
    if kind == "scn":
        # lift projection and (T, T) affinity; W0, W1, W2, P; the dense readout rows times the cochains: K vertex
        # (T), K L1,down (T·E), K+1 triangle and K L1,up (T·F) rows per edge slot. Useful = executed (dense rows).
        K, E = config.scn_order, max(1, min(config.scn_max_edges, T - 1))
        Fn = min(config.scn_max_triangles, E * (E - 1) // 2)
        rows = K * T + K * E * T * E + (2 * K + 1) * E * T * Fn * (Fn > 0)
        return 2 * C * D + 2 * D * T + 2 * C * C * 4 + 2 * C * rows
    raise ConfigError(f"no FLOP count for mixer {kind!r}; known: dense, simplicial2, gated_triangle, scn")


def flops_per_token(config: GPTConfig, T: int, *, executed: bool = False, batch: int = 1,
                    device: str = "cpu") -> float:
    """Forward FLOPs per token of the whole model on a sequence of T tokens (mixers, MLPs, LM head).

    Parameters
    ----------
    config : the model's GPTConfig.
    T : sequence length (positions 0..T-1 are averaged; attention cost grows with position).
    executed, batch, device : see `mixer_flops`.

    Returns
    -------
    float, FLOPs per token (2 per multiply-add). Training costs about 3x this (forward + backward).
    """
    if T < 1:
        raise ConfigError(f"T must be at least 1, got {T}")
    C = config.n_embd
    mlp = 2 * C * 4 * C * 2
    layers = sum(mixer_flops(kind, config, T, executed=executed, batch=batch, device=device) + mlp
                 for kind in config.mixers)
    return float(layers + 2 * C * config.vocab_size)
