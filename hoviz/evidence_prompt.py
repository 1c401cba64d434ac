"""Causal evidence on one prompt, cheap enough for the app, and the stored held-out reports beside it.

`prompt_head_evidence` scores every 2-simplicial head on the prompt alone (interaction KL and joint spread from one
traced forward, Δ log-loss of replacing it by its surrogate: one forward per head). `stored_report` reads a report
that `python -m hoviz interventions ... --json` wrote, and returns it only if its weights' SHA-256 matches.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from hoviz.evidence import EvidenceReport, HeadEvidence, HeldOutEffect
from hoviz.heldout import Score, token_losses
from hoviz.interventions import SURROGATE_MIXERS, Intervention, run_intervened
from hoviz.tasks import TASK_NAMES, TaskSpec, labels
from hoviz.threeway import pattern_scores

STORED = Path(__file__).resolve().parent.parent / "benchmarks" / "evidence" / "interventions.json"


@torch.no_grad()
def prompt_head_evidence(model, ids, targets=None) -> list[HeadEvidence]:
    """Per 2-simplicial head on one prompt (T token ids): mean interaction and joint spread over its queries, and the
    Δ mean log-loss on the prompt of its surrogate. Text: next-token targets; Match: pass the label `targets`."""
    x = torch.as_tensor(ids, dtype=torch.long)[None]  # (1, T)
    tgt = torch.cat([x[:, 1:], torch.full((1, 1), -1)], 1) if targets is None else torch.as_tensor(targets)[None]
    clean = run_intervened(model, x, keep=("qk",))
    base = float(token_losses(clean.logits, tgt).nanmean())
    out = []
    for li, qk in clean.qk.items():
        if model.blocks[li].kind not in SURROGATE_MIXERS:
            continue
        m = model.blocks[li].mixer
        s = pattern_scores(*qk[:, 0], w1=m.w1, w2=m.w2, mask=m.mask)  # (H, T) each
        for h in range(qk.shape[2]):
            iv = Intervention(li, h, "surrogate")
            loss = float(token_losses(run_intervened(model, x, [iv]).logits, tgt).nanmean())
            out.append(HeadEvidence(li, h, "simplicial2", float(s.interaction[h].mean()),
                                    float(s.joint_spread[h].mean()),
                                    {"surrogate": HeldOutEffect(iv.label, Score(loss), loss - base)}))
    return out


def prompt_targets(meta: dict, ids) -> list[int] | None:
    """The label tokens a Match model should emit at every position of the prompt (its sidecar's task), or None
    for a language model (whose targets are the next tokens)."""
    task = meta.get("task") if isinstance(meta, dict) else None
    if not (isinstance(task, dict) and task.get("name") in TASK_NAMES):
        return None
    spec = TaskSpec.from_dict(task)
    x = torch.as_tensor(list(ids), dtype=torch.long)[None]  # (1, T)
    return spec.targets(labels(x, spec.name, spec.M))[0].tolist()


def prompt_scores(model, ids, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, T) interaction KL and (H, T) joint spread of a 2-simplicial layer's heads on one prompt."""
    qk = run_intervened(model, torch.as_tensor(ids, dtype=torch.long)[None], keep=("qk",)).qk[layer]
    m = model.blocks[layer].mixer
    s = pattern_scores(*qk[:, 0], w1=m.w1, w2=m.w2, mask=m.mask)
    return s.interaction.numpy(), s.joint_spread.numpy()


def report_from_dict(d: dict) -> EvidenceReport:
    """Rebuild an EvidenceReport from its `to_dict()` JSON."""
    def effect(e):
        return HeldOutEffect(e["label"], Score(**e["score"]), e["delta_loss"], e.get("delta_balanced_accuracy"))

    heads = [HeadEvidence(h["layer"], h["head"], h["kind"], h["interaction"], h["joint_spread"],
                          {k: effect(e) for k, e in h["effects"].items()}) for h in d["heads"]]
    return EvidenceReport(d["model"], d["weights_sha256"], d["sample"], d["reference"], Score(**d["base"]), heads,
                          {k: effect(e) for k, e in d["all_heads"].items()})


def stored_report(name: str, weights_sha256: str, path: str | Path = STORED) -> tuple[EvidenceReport | None, str]:
    """(report, command) for checkpoint `name` from a stored JSON if its weights match, else (None, why not)."""
    path = Path(path)
    if not path.is_file():
        return None, f"no stored report ({path.name} is missing): run `python -m hoviz interventions {name} --json ...`"
    data = json.loads(path.read_text())
    for d in data.get("reports", []):
        if d.get("model") == name:
            if d.get("weights_sha256") != weights_sha256:
                return None, (f"the stored report for {name} was computed on other weights (sha256 "
                              f"{d.get('weights_sha256', '')[:12]}); rerun: {data.get('command', '')}")
            return report_from_dict(d), data.get("command", "")
    return None, f"no stored report for {name}; run `python -m hoviz interventions {name} --json ...`"
