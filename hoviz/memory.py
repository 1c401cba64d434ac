"""Peak activation memory of one forward pass, measured on CPU by tracking every tensor storage that aten allocates.

A `TorchDispatchMode` sees each aten op's outputs; their storages are counted while alive (weak references) and the
peak of the running sum is the measurement. Weights and the input are excluded. Scratch memory that a fused kernel
allocates internally (e.g. inside `scaled_dot_product_attention`) is not visible to the dispatcher and not counted.
    >>> peak_forward_memory(model, T=64).peak_bytes
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

METHOD = ("peak of live tensor storages allocated by aten ops during one no-grad forward at batch 1 "
          "(TorchDispatchMode; weights and input excluded; fused kernels' internal scratch not seen)")


class LiveStorageTracker(TorchDispatchMode):
    """Counts bytes of tensor storages created by ops inside the mode while they are alive; keeps the peak."""

    def __init__(self, ignore=()) -> None:
        super().__init__()
        self.ignore = {StorageWeakRef(t.untyped_storage()).cdata for t in ignore}
        self.live: dict[int, tuple[StorageWeakRef, int]] = {}
        self.current = 0
        self.peak = 0
        self.ops = 0

    def _sweep(self) -> None:
        dead = [key for key, (ref, _) in self.live.items() if ref.expired()]
        for key in dead:
            self.current -= self.live.pop(key)[1]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.ops += 1
        self._sweep()  # before counting outputs: a freed storage's address may be reused by a new one
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                ref = StorageWeakRef(storage)
                if ref.cdata not in self.ignore and ref.cdata not in self.live:
                    self.live[ref.cdata] = (ref, storage.nbytes())
                    self.current += storage.nbytes()
        self.peak = max(self.peak, self.current)
        return out


@dataclass
class MemoryMeasurement:
    T: int
    peak_bytes: int  # activations only
    weight_bytes: int
    ops: int  # aten ops seen
    seconds: float
    traced: bool
    method: str = METHOD

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def peak_forward_memory(model, T: int, traced: bool = False, seed: int = 0) -> MemoryMeasurement:
    """Measure the peak activation bytes of ``model`` on one random sequence of ``T`` tokens, afresh.

    Parameters
    ----------
    model : hoviz.GPT
        In eval mode; it is not modified.
    T : int
        Sequence length, 1 ≤ T ≤ block_size.
    traced : bool
        Run with every pattern/qk/complex hook active, as the app does when it draws attention (dense layers then
        take the explicit path and materialise the (H, T, T) pattern); default: the model's own inference path.
    seed : int
        Seed of the random token ids.

    Returns
    -------
    MemoryMeasurement
        ``peak_bytes`` is the figure to plot; ``method`` says how it was measured.
    """
    block = model.config.block_size
    if isinstance(T, bool) or not isinstance(T, int) or not 1 <= T <= block:
        raise ValueError(f"T must be an integer in 1..{block} (the model's block size), got {T!r}")
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, model.config.vocab_size, (1, T), generator=g)
    weights = list(model.parameters()) + list(model.buffers())
    tracker = LiveStorageTracker(ignore=weights + [idx])
    t0 = time.perf_counter()
    with torch.no_grad():
        if traced:
            from hoviz.trace import run_with_trace

            with tracker:
                run_with_trace(model, idx)
        else:
            with tracker:
                model(idx)
    seconds = time.perf_counter() - t0
    weight_bytes = sum(t.numel() * t.element_size() for t in weights)
    return MemoryMeasurement(T=T, peak_bytes=int(tracker.peak), weight_bytes=int(weight_bytes), ops=tracker.ops,
                             seconds=seconds, traced=traced)

