"""Model against model: per-token losses line up with the Prompt page's surprisal, wins are real wins, and the
held-out summary's buckets partition the tokens and add up to the overall Δ."""

import numpy as np
import pytest
import torch

from hoviz.checkpoint import Checkpoint
from hoviz.compare_tokens import (
    REPEAT_BUCKETS,
    WORD_BUCKETS,
    compare_held_out,
    compare_on_prompt,
    repeat_distance,
    word_position,
)
from hoviz.config import GPTConfig
from hoviz.errors import EvidenceError
from hoviz.heldout import text_sample
from hoviz.model import GPT
from hoviz.tokenizer import CharTokenizer
from hoviz.viz.tokens import surprisal

TOK = CharTokenizer("\n !',.:;?abcdefghijklmnopqrstuvwxyz")
TEXT = "to be, or not to be: that is the question. whether 'tis nobler in the mind to suffer\n" * 3


def ckpt(name, mixers, seed, tok=TOK):
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=len(tok), block_size=32, n_layer=len(mixers), n_head=2, n_embd=16, mixers=mixers)
    model = GPT(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
    return Checkpoint(name, model, tok, {})


@pytest.fixture(scope="module")
def pair():
    return [ckpt("a-dense", ["dense"], 0), ckpt("b-simplicial2", ["simplicial2"], 1)]


def test_prompt_losses_match_surprisal_and_wins_are_wins(pair):
    ids = TOK.encode(TEXT[:30])
    cmp = compare_on_prompt(pair, ids)
    assert cmp.losses.shape == (2, 30) and cmp.models == ["a-dense", "b-simplicial2"]
    for m, c in enumerate(pair):
        np.testing.assert_allclose(cmp.losses[m], surprisal(c.model(torch.tensor([ids]))[0].detach().numpy(), ids),
                                   atol=1e-5)
    d = cmp.delta(1, 0)
    wins = cmp.top_wins(1, 0, k=5)
    assert wins and all(w.delta < 0 for w in wins) and [w.delta for w in wins] == sorted(w.delta for w in wins)
    assert wins[0].delta == pytest.approx(np.nanmin(d)) and wins[0].token == TEXT[wins[0].position]
    assert wins[0].context == TEXT[max(0, wins[0].position - 12):wins[0].position]
    losses = cmp.top_wins(0, 1, k=3)  # the other direction: where the first model wins
    assert all(np.isclose(w.delta, -d[w.position]) for w in losses)


def test_prompt_losses_with_label_targets(pair):
    ids = TOK.encode(TEXT[:8])
    targets = [-1, 3, 4, 5, 6, 7, 8, 9]
    cmp = compare_on_prompt(pair, ids, targets)
    logits = pair[1].model(torch.tensor([ids]))[0].detach()
    want = -torch.log_softmax(logits, -1)[torch.arange(1, 8), torch.tensor(targets[1:])]
    assert np.isnan(cmp.losses[1, 0])
    np.testing.assert_allclose(cmp.losses[1, 1:], want.numpy(), rtol=1e-5)


def test_word_position_and_repeat_distance_buckets():
    s = "ab cab!"
    chars = np.array([list(s[:-1])], dtype=object)  # inputs x_t
    targets = np.array([list(s[1:])], dtype=object)  # targets x_{t+1}
    got = [WORD_BUCKETS[b] for b in word_position(chars, targets)[0]]
    assert got == ["2nd letter", "not a letter", "1st letter", "2nd letter", "3rd letter", "not a letter"]
    x = np.array([TOK.encode(s[:-1])])
    y = np.array([TOK.encode(s[1:])])
    got = [REPEAT_BUCKETS[b] for b in repeat_distance(x, y, len(TOK))[0]]
    # b: unseen; ' ': unseen; c: unseen; a: last at 0, now t=3 -> 4; b: last at 1, t=4 -> 4; !: unseen
    assert got == ["not in context", "not in context", "not in context", "4-7", "4-7", "not in context"]
    x, y = np.array([[3, 3, 4]]), np.array([[3, 3, 3]])  # distance 1: the target is the current input
    assert [REPEAT_BUCKETS[b] for b in repeat_distance(x, y, 5)[0]] == ["1", "1", "2-3"]


def test_held_out_summary_partitions_the_tokens(pair):
    ids = torch.tensor(TOK.encode(TEXT))
    sample = text_sample(ids, 6, 32, 0, "the test text")
    c = compare_held_out(pair, sample)
    n = sample.x.numel()
    assert np.isfinite(c.delta_se) and c.delta_se > 0
    for rows in (c.by_word_position, c.by_repeat_distance, c.by_window_position):
        assert sum(r.count for r in rows) == n
        assert sum(r.share for r in rows) == pytest.approx(1.0)
        assert sum(r.count * r.mean_delta for r in rows) / n == pytest.approx(c.mean_delta)
        assert sum(r.count * r.mean_loss[0] for r in rows) / n == pytest.approx(c.mean_loss[0])
    assert c.mean_delta == pytest.approx(c.mean_loss[1] - c.mean_loss[0])
    assert all(w.delta < 0 for w in c.top_wins) and len(c.top_wins) <= 10
    assert c.to_dict()["models"] == ["a-dense", "b-simplicial2"]
    assert [r.bucket for r in c.by_window_position] == ["0-7", "8-15", "16-31"]
    short = compare_held_out(pair, text_sample(ids, 6, 5, 0, "short windows"))
    assert [r.bucket for r in short.by_window_position] == ["0", "1", "2", "3", "4"]


def test_models_must_share_a_vocabulary(pair):
    other = ckpt("c", ["dense"], 2, CharTokenizer("abc"))
    with pytest.raises(EvidenceError, match="different vocabulary"):
        compare_on_prompt([pair[0], other], [0, 1, 2])
    with pytest.raises(EvidenceError, match="two or more"):
        compare_on_prompt(pair[:1], [0, 1, 2])
