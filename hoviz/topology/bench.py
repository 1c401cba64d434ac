"""Benchmark: attention-map persistence (H0, H1), plain full gudhi Rips vs hoviz's pruned computation.

Both must give identical diagrams; the table reports medians over repeats after a warm-up, and the speed-up.
Without trained heads it uses realistic stand-ins: causal softmax of peaky random logits with a few dominant keys.
Run: python -m hoviz.topology.bench [--sizes 64 128 256] [--repeats 5] [--maps heads.npy | --checkpoint NAME]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from hoviz.mixers import COMPLEX_MIXERS
from hoviz.topology.distance import attention_distance
from hoviz.topology.persistence import persistence_of_attention, reference_rips_persistence


def peaky_attention(T: int, rng: np.random.Generator, scale: float = 4.0) -> np.ndarray:
    """A causal attention map (T, T) like a trained head's: softmax of scale·N(0, 1) logits, with T // 16 keys
    (at least one) boosted by 6 for every query and the first token by 4, masked to j <= i.

    Examples
    --------
    >>> A = peaky_attention(8, np.random.default_rng(0)); bool(np.allclose(A.sum(1), 1) and (np.triu(A, 1) == 0).all())
    True
    """
    logits = scale * rng.standard_normal((T, T))
    logits[:, rng.choice(T, size=max(1, T // 16), replace=False)] += 6.0
    logits[:, 0] += 4.0
    logits = np.where(np.tri(T, dtype=bool), logits, -np.inf)
    A = np.exp(logits - logits.max(axis=1, keepdims=True))
    return A / A.sum(axis=1, keepdims=True)


PROMPT = ("To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
          "The slings and arrows of outrageous fortune,\nOr to take arms against a sea of troubles\n"
          "And by opposing end them. To die: to sleep;\nNo more; and by a sleep to say we end\n"
          "The heart-ache and the thousand natural shocks\nThat flesh is heir to, 'tis a consummation\n"
          "Devoutly to be wish'd. To die, to sleep;\nTo sleep: perchance to dream: ay, there's the rub;\n")


def checkpoint_heads(name_or_path: str, text: str = PROMPT) -> list[np.ndarray]:
    """Every pairwise attention map (T, T) of a checkpoint on the last block_size tokens of `text`, layer by layer.

    2-simplicial layers contribute their pairwise marginal; simplicial-conv layers have no pattern and are skipped.
    """
    import torch

    from hoviz.checkpoint import load_checkpoint
    from hoviz.tokenizer import encode_prompt
    from hoviz.trace import run_with_trace

    ck = load_checkpoint(name_or_path)
    layers = [i for i, b in enumerate(ck.model.blocks) if b.kind not in COMPLEX_MIXERS]
    ids = encode_prompt(ck.tokenizer, text, ck.model.config.block_size).ids
    with torch.no_grad():
        _, trace = run_with_trace(ck.model, torch.tensor([ids]), layers=layers, what=("pattern", "qk"))
    return [h.double().numpy() for layer in layers for h in trace.pattern(layer)[0]]


def _median_time(fn, repeats: int, warmup: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU (this process) seconds of fn() over `repeats` runs after `warmup` runs."""
    for _ in range(warmup):
        out = fn()
    wall, cpu = [], []
    for _ in range(max(repeats, 1)):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu)), out


def run_benchmark(sizes=(64, 128, 256), maps=None, repeats: int = 5, warmup: int = 1, seed: int = 0,
                  max_dim: int = 1) -> dict:
    """Time plain gudhi and hoviz on attention maps; check the diagrams are identical.

    Parameters
    ----------
    sizes : sequence of int
        Token counts T of the synthetic maps (one map per size); ignored when `maps` is given.
    maps : list of (T, T) arrays, optional
        Real attention maps (e.g. every head of a trained checkpoint on a block-size prompt).
    repeats, warmup : int
        Timed runs (the median is reported) after untimed warm-up runs, per map and method.
    seed : int
        Seed of the synthetic maps.
    max_dim : int
        Highest homology dimension (1: H0 and H1).

    Returns
    -------
    dict
        ``rows``: one dict per map with ``T``, ``plain_s``, ``hoviz_s``, ``speedup`` (wall clock),
        ``plain_cpu_s``, ``hoviz_cpu_s``, ``cpu_speedup`` (this process's CPU time: steadier on a shared machine),
        ``identical`` and ``bars`` ({dim: count}); plus ``repeats``, ``warmup``, ``max_dim``, ``source``.

    Examples
    --------
    >>> run_benchmark(sizes=(16,), repeats=1)["rows"][0]["identical"]
    True
    """
    rng = np.random.default_rng(seed)
    source = "given maps" if maps is not None else "synthetic peaky causal softmax"
    maps = [peaky_attention(T, rng) for T in sizes] if maps is None else [np.asarray(m) for m in maps]
    rows = []
    for A in maps:
        D = attention_distance(A)
        plain_s, plain_cpu, plain = _median_time(lambda D=D: reference_rips_persistence(D, max_dim), repeats, warmup)
        hoviz_s, hoviz_cpu, fast = _median_time(lambda A=A: persistence_of_attention(A, max_dim), repeats, warmup)
        identical = all(np.array_equal(plain[k], fast[k]) for k in plain)
        rows.append({"T": len(A), "plain_s": plain_s, "hoviz_s": hoviz_s, "speedup": plain_s / max(hoviz_s, 1e-12),
                     "plain_cpu_s": plain_cpu, "hoviz_cpu_s": hoviz_cpu,
                     "cpu_speedup": plain_cpu / max(hoviz_cpu, 1e-12), "identical": identical,
                     "bars": {k: len(v) for k, v in fast.items()}})
    return {"rows": rows, "repeats": repeats, "warmup": warmup, "max_dim": max_dim, "source": source}


def format_table(result: dict) -> str:
    """The benchmark as a plain-text table."""
    head = (f"attention persistence H0..H{result['max_dim']}, {result['source']}; "
            f"median of {result['repeats']} after {result['warmup']} warm-up")
    lines = [head,
             (f"{'T':>5} {'plain gudhi (s)':>16} {'hoviz (s)':>10} {'speed-up':>9} {'CPU speed-up':>13} "
             f"{'identical':>10}  bars")]
    rows = result["rows"]
    for r in rows:
        bars = " ".join(f"H{k}:{n}" for k, n in r["bars"].items())
        lines.append(f"{r['T']:>5} {r['plain_s']:>16.4f} {r['hoviz_s']:>10.4f} {r['speedup']:>8.1f}x "
                     f"{r['cpu_speedup']:>12.1f}x {r['identical']!s:>10}  {bars}")
    if len(rows) > 1:
        wall, cpu = [r["speedup"] for r in rows], [r["cpu_speedup"] for r in rows]
        same = all(r["identical"] for r in rows)
        lines.append(f"speed-up over {len(rows)} maps: median {np.median(wall):.1f}x (CPU {np.median(cpu):.1f}x), "
                     f"lowest {min(wall):.1f}x (CPU {min(cpu):.1f}x); all identical: {same}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    """Command line: print the benchmark table (see the module docstring for options)."""
    p = argparse.ArgumentParser(prog="python -m hoviz.topology.bench", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256], help="token counts of synthetic maps")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--maps", help=".npy file of attention maps, (T, T) or (N, T, T), e.g. a checkpoint's heads")
    p.add_argument("--checkpoint", help="a checkpoint name or path: benchmark all its heads on a block-size prompt")
    p.add_argument("--text", help="text file for --checkpoint's prompt (default: a Hamlet passage)")
    args = p.parse_args(argv)
    maps = None
    if args.maps:
        m = np.load(args.maps)
        maps = list(m.reshape(-1, m.shape[-2], m.shape[-1]))
    elif args.checkpoint:
        text = PROMPT if args.text is None else Path(args.text).read_text(encoding="utf-8")
        maps = checkpoint_heads(args.checkpoint, text)
    result = run_benchmark(args.sizes, maps, args.repeats, args.warmup, args.seed)
    print(format_table(result))
    return result


if __name__ == "__main__":
    main()
