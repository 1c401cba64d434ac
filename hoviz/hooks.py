"""Hook points: identity modules named by their module path (`blocks.1.mixer.hook_pattern`), as in TransformerLens.

A mixer passes an intermediate through a HookPoint; `hoviz.trace.run_with_trace` listens to the points it was
asked for. Listening is per call, not per model: the points a call listens to live in a context variable (one per
thread), never in the module, so several threads may run one shared model at once and each captures only its own
forward. A mixer may check `point.active` to compute an intermediate (an explicit pattern, say) only when the
current call is listening.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from torch import nn


@dataclass
class Capture:
    """What one traced call listens to (hook point id -> hook name) and what it saw (hook name -> value)."""

    names: dict[int, str]
    seen: dict[str, object] = field(default_factory=dict)


_CAPTURE: ContextVar[Capture | None] = ContextVar("hoviz_capture", default=None)


@contextmanager
def capturing(points: dict[str, HookPoint]) -> Iterator[dict[str, object]]:
    """Listen to `points` (name -> HookPoint) for the calls made inside the block, in this thread only.

    Yields the dict that fills with name -> value as the points are passed.
    """
    capture = Capture({id(point): name for name, point in points.items()})
    token = _CAPTURE.set(capture)
    try:
        yield capture.seen
    finally:
        _CAPTURE.reset(token)


class HookPoint(nn.Module):
    """Identity module; the traced call that listens to it (if any) records what flows through it."""

    @property
    def active(self) -> bool:
        capture = _CAPTURE.get()
        return capture is not None and id(self) in capture.names

    def forward(self, x):
        capture = _CAPTURE.get()
        if capture is not None and id(self) in capture.names:
            capture.seen[capture.names[id(self)]] = x
        return x
