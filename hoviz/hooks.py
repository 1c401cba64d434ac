"""Hook points: identity modules named by their module path (`blocks.1.mixer.hook_pattern`), as in TransformerLens.

A mixer passes an intermediate through a HookPoint; `hoviz.trace.run_with_trace` attaches forward hooks to the
points it was asked for and always removes them. A mixer may check `point.active` to compute an intermediate
(an explicit attention pattern, say) only when somebody is listening.
"""

from __future__ import annotations

from torch import nn


class HookPoint(nn.Module):
    """Identity module; its forward hooks see what flows through it."""

    @property
    def active(self) -> bool:
        return bool(self._forward_hooks)

    def forward(self, x):
        return x
