"""Several threads on one shared model each get exactly what a solo call gives: traces, logits, samples, audits
and memory measurements. The app's sessions share one loaded model (Streamlit's cache_resource), so a capture
that leaked between calls would show one viewer another viewer's pattern."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import hoviz
from hoviz.audit import audit_model
from hoviz.memory import peak_forward_memory
from hoviz.tokenizer import encode_prompt
from tests.conftest import TINY_SPECS

PROMPTS = ["ROMEO:\nBut soft, what light", "JULIET:\nO Romeo, Romeo! wherefore art thou Romeo?",
           "HAMLET:\nTo be, or not to be, that is the question:\nWhether 'tis nobler",
           "KING:\nNow is the winter of our discontent"]
ROUNDS = 3


def _trace(model, ids):
    logits, trace = hoviz.run_with_trace(model, ids)
    return {"logits": logits, **{k: v for k, v in trace.cache.items()}}


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, torch.Tensor):
        return a.shape == b.shape and torch.equal(a, b)
    return a == b


def _sample(model, ids, seed):
    return model.generate(ids, 12, generator=torch.Generator().manual_seed(seed))


def _audit(model, vocab):
    rep = audit_model(model, vocab, T=12, n_samples=1, seed=3)
    return rep.suffix_change, rep.influence


def _run_all(model, jobs, n_threads):
    """Run jobs (name, fn) from n_threads threads at once, each thread all jobs in its own order; -> results."""
    barrier, results, errors = threading.Barrier(n_threads), [], []

    def worker(k):
        barrier.wait()
        try:
            for r in range(ROUNDS):
                for name, fn in jobs[k % len(jobs):] + jobs[:k % len(jobs)]:
                    results.append((name, fn()))
        except Exception as e:  # noqa: BLE001 (any failure in a thread is reported below, with the thread)
            errors.append((k, repr(e)))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("name", [n for n, spec in TINY_SPECS.items() if spec[2]])  # the char models
def test_concurrent_calls_match_solo_calls(tiny_zoo, name):
    ckpt = hoviz.load_checkpoint(name)
    model, tok = ckpt.model, ckpt.tokenizer
    ids = {p: torch.tensor([encode_prompt(tok, p, model.config.block_size).ids]) for p in PROMPTS}
    jobs = [(f"trace {p!r}", lambda p=p: _trace(model, ids[p])) for p in PROMPTS]
    jobs += [(f"sample {k}", lambda k=k: _sample(model, ids[PROMPTS[k]], k)) for k in range(2)]
    jobs += [("audit", lambda: _audit(model, len(tok))),
             ("memory", lambda: peak_forward_memory(model, T=16, traced=True).peak_bytes)]
    solo = {name: fn() for name, fn in jobs}
    again = {name: fn() for name, fn in jobs}
    assert all(_same_any(again[job], solo[job]) for job in solo)  # a solo call is repeatable, bit for bit
    results = _run_all(model, jobs, n_threads=6)
    assert len(results) == 6 * ROUNDS * len(jobs)
    wrong = [job for job, got in results if not _same_any(got, solo[job])]
    assert not wrong, f"{len(wrong)} of {len(results)} concurrent calls differ from their solo run: {wrong[:4]}"


def _same_any(a, b) -> bool:
    if isinstance(a, tuple):
        return all(np.array_equal(x, y) for x, y in zip(a, b))
    return _same(a, b)


def test_no_hook_is_left_on_the_shared_model(tiny_zoo):
    model = hoviz.load_checkpoint("tiny-simplicial2").model
    hoviz.run_with_trace(model, torch.zeros(1, 8, dtype=torch.long))
    assert all(not m._forward_hooks for m in model.modules())
    assert not any(getattr(m, "active", False) for m in model.modules())


def test_slices_never_build_the_whole_mask(monkeypatch):
    """Only a full pattern is T³: lse, marginals, scores and slices work on blocks of query rows."""
    from hoviz import threeway
    seen = []
    real = threeway.simplicial_mask

    def spy(*args, **kwargs):
        m = real(*args, **kwargs)
        seen.append(m.shape[0])
        return m

    monkeypatch.setattr(threeway, "simplicial_mask", spy)
    T = 3 * threeway.ROWS_PER_BLOCK + 5
    g = torch.Generator().manual_seed(0)
    head = threeway.SimplicialHead(*(torch.randn(T, 8, generator=g) for _ in range(3)))
    head.lse(), head.marginals(), head.joint_spread(), head.query_slice(T // 2), head.mask_slice(T - 1)
    head.key_slice("j", 3), head.key_slice("l", 3)
    assert seen and max(seen) <= threeway.ROWS_PER_BLOCK
