"""The app's "start here" entries, read from the sidecars alone: the 3-way finding (the featured model with a
2-simplicial layer), the leak exhibit (a sidecar with an `exhibit`), and the Match3 solver (the best 2-simplicial
model of a Match3 task by its recorded balanced accuracy). Names come from the zoo, never from this file.

    for s in start_here(zoo_entries): print(s.page, s.model, s.label)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartHere:
    """One introductory link: the page (its URL path), the model it opens on, a button label and one line of why."""

    page: str
    model: str
    label: str
    why: str


def _metric(entry, key: str):
    value = (entry.meta.get("metrics") or {}).get(key)
    return value if isinstance(value, int | float) else None


def start_here(entries) -> list[StartHere]:
    """Up to three StartHere, in reading order; an entry is left out when no installed model fits it."""
    entries = [e for e in entries if not e.error]
    out = []
    s2 = [e for e in entries if "simplicial2" in e.mixers and not e.exhibit and not _is_match(e)]
    if s2:
        best = max(s2, key=lambda e: (e.featured, -(_metric(e, "val_loss") or float("inf"))))
        out.append(StartHere("threeway", best.name, f"The 3-way finding: {best.name}",
                             "its most 3-way head, at the query where it needs both keys together"))
    leaky = [e for e in entries if e.exhibit]
    if leaky:
        out.append(StartHere("audit", leaky[0].name, f"The leak exhibit: {leaky[0].name}", leaky[0].exhibit))
    solvers = [e for e in entries if _is_match(e, "match3") and "simplicial2" in e.mixers]
    if solvers:
        best = max(solvers, key=lambda e: _metric(e, "balanced_accuracy") or 0.0)
        acc = _metric(best, "balanced_accuracy")
        out.append(StartHere("expressivity", best.name, f"The Match3 solver: {best.name}",
                             "strict Match3 with the pairwise-only oracle beside it"
                             + (f"; balanced accuracy {acc:.3f} in its sidecar" if acc is not None else "")))
    return out


def _is_match(entry, name: str | None = None) -> bool:
    task = entry.task if isinstance(entry.task, dict) else {}
    return task.get("name", "") in ((name,) if name else ("match2", "match3", "match3-repeats"))
