"""How good is the app's cost estimate? For each (checkpoint, T, samples) the estimate the audit page shows
(hoviz.views.cost: one timed forward at T scaled by the job's FLOPs) beside the audit's measured wall time, and the
same for sampling. Writes one JSON line per job.

    .venv/bin/python scripts/cost_estimate_check.py shakespeare-simplicial2-leaky:32:1 shakespeare-dense:64:1
"""

from __future__ import annotations

import json
import sys
import time

import torch

import hoviz
from hoviz.audit import audit_model
from hoviz.views import cost
from hoviz.views.prompt import sample_stream


def main(argv: list[str]) -> None:
    for job in argv:
        name, T, n = job.split(":")
        T, n = int(T), int(n)
        ckpt = hoviz.load_checkpoint(name)
        timing = cost.time_forward(ckpt.model, T)  # as the pages time them: sampling at batch 1, the audit batched
        est = cost.audit_cost(ckpt.model, T, n, cost.time_audit_forward(ckpt.model, T))
        t0 = time.perf_counter()
        audit_model(ckpt.model, len(ckpt.tokenizer), T=T, n_samples=n)
        audit_s = time.perf_counter() - t0
        ids = torch.randint(len(ckpt.tokenizer), (T,), generator=torch.Generator().manual_seed(0)).tolist()
        s_est = cost.sample_cost(ckpt.model, T, 40, timing)
        t0 = time.perf_counter()
        list(sample_stream(ckpt.model, ids, 40, 0.8, 20, seed=0))
        sample_s = time.perf_counter() - t0
        print(json.dumps({"model": name, "T": T, "samples": n, "threads": torch.get_num_threads(),
                          "audit_timed_batch": est.timing.batch,
                          "forward_ms": round(timing.seconds * 1e3, 2),
                          "audit_estimate_s": round(est.seconds, 2), "audit_measured_s": round(audit_s, 2),
                          "sample40_estimate_s": round(s_est.seconds, 2), "sample40_measured_s": round(sample_s, 2)}),
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
