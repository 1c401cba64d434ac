"""Match3 / Match2 labels, sampling and balanced accuracy (hoviz.tasks): tiny, seeded, CPU-only."""

import numpy as np
import pytest
import torch

from hoviz.errors import TaskError
from hoviz.tasks import (
    TaskSpec,
    balanced_accuracy,
    balanced_accuracy_per_position,
    labels,
    labels_bruteforce,
    positive_rate_estimate,
    predict_labels,
    token_strings,
)


@pytest.mark.parametrize("name", ["match3", "match3-repeats", "match2"])
@pytest.mark.parametrize("M", [2, 5, 7, 13])
def test_vectorised_labels_equal_bruteforce(name, M):
    spec = TaskSpec(name, M=M, N=9)
    x, y = spec.sample(40, torch.Generator().manual_seed(M))
    assert x.shape == y.shape == (40, 9) and x.dtype == y.dtype == torch.long
    assert torch.equal(y, labels_bruteforce(x, name, M))
    # any residues, repeats and zeros included (the sampler avoids them for strict Match3; the rule does not)
    free = torch.randint(0, M, (60, 11), generator=torch.Generator().manual_seed(100 + M))
    assert torch.equal(labels(free, name, M), labels_bruteforce(free, name, M))


def test_strict_match3_needs_three_distinct_positions():
    M = 7
    # [3, 1]: 1 + 3 + 3 needs j = l; [4, 2, 5]: 5 + 5 + 4 needs j = i: both positive only with repeats
    for x in ([[3, 1]], [[4, 2, 5]], [[0]]):
        x = torch.tensor(x)
        assert labels(x, "match3", M).sum() == 0 and labels(x, "match3-repeats", M)[0, -1] == 1
    # 1 + 2 + 4 = 7 at distinct positions j=0 < l=1 < i=2; the same residues later still count
    assert labels(torch.tensor([[1, 2, 4, 6, 4]]), "match3", M).tolist() == [[0, 0, 1, 0, 1]]
    # a repeated residue is a legitimate witness when it sits at two positions: 3 + 3 + 1 with j=0, l=1, i=2
    assert labels(torch.tensor([[3, 3, 1]]), "match3", M).tolist() == [[0, 0, 1]]


def test_strict_sampler_draws_distinct_nonzero_residues():
    spec = TaskSpec("match3", M=37, N=12)
    x, _ = spec.sample(500, torch.Generator().manual_seed(0))
    assert int(x.min()) >= 1 and int(x.max()) <= 36
    assert all(len(set(row)) == 12 for row in x.tolist())
    assert torch.bincount(x.flatten(), minlength=37)[1:].min() > 100  # every nonzero residue is drawn
    long = TaskSpec("match3", M=5, N=9).sample(20, torch.Generator().manual_seed(1))[0]  # N > M - 1: in runs of 4
    assert all(sorted(row[k:k + 4]) == [1, 2, 3, 4] for row in long.tolist() for k in (0, 4))


def test_unscored_positions_are_masked_in_loss_and_score():
    spec = TaskSpec("match3", M=11, N=6)
    assert spec.scored().tolist() == [False, False, True, True, True, True]
    assert TaskSpec("match3-repeats", M=11, N=6).scored().all() and TaskSpec("match2", M=11, N=6).scored().all()
    _, y = spec.sample(64, torch.Generator().manual_seed(2))
    assert (y[:, :2] == 0).all()  # no j < l < i exists there
    t = spec.targets(y)
    assert (t[:, :2] == -1).all() and torch.equal(t[:, 2:], y[:, 2:] + 11)
    # the loss ignores them: logits that are wrong only at positions 0, 1 cost nothing
    logits = torch.full((64, 6, 13), -20.0)
    logits.scatter_(2, t.clamp(min=0).unsqueeze(-1), 20.0)
    logits[:, :2, 11], logits[:, :2, 12] = -20.0, 20.0  # "yes" where the true label is "no"
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), t.flatten(), ignore_index=-1)
    assert float(loss) < 1e-6
    # and so does the score: predicting "yes" at 0, 1 leaves it at 1.0; over all positions it would not be
    pred = y.clone()
    pred[:, :2] = 1
    assert spec.score(pred, y) == 1.0 and balanced_accuracy(pred, y) < 1.0


def test_repeats_variant_counts_repeats_and_self_pairs():
    M = 7
    # position 0 alone: 3 * x_0 ≡ 0 needs j = l = i (x_0 = 0, or 3x ≡ 0 mod 7 only for 0)
    assert labels(torch.tensor([[0]]), "match3-repeats", M).tolist() == [[1]]
    assert labels(torch.tensor([[1]]), "match3-repeats", M).tolist() == [[0]]
    # x = [3, 1]: 1 + 3 + 3 = 7 uses j = l = 0 (a repeat); 3 + 3 + 1 at position 0 cannot see the future
    assert labels(torch.tensor([[3, 1]]), "match3-repeats", M).tolist() == [[0, 1]]
    # x = [4, 2, 5]: position 2 is hit only by 5 + 5 + 4 = 14, which uses j = i; 2 + {4,2} + {4,2} never hits
    x = torch.tensor([[4, 2, 5]])
    assert labels(x, "match3-repeats", M).tolist() == [[0, 0, 1]]
    assert torch.equal(labels(x, "match3-repeats", M), labels_bruteforce(x, "match3-repeats", M))
    # Match2 with j = i: 2 * x_i ≡ 0 mod 6 for x_i = 3
    assert labels(torch.tensor([[3]]), "match2", 6).tolist() == [[1]]
    assert labels(torch.tensor([[1, 5, 2]]), "match2", 6).tolist() == [[0, 1, 0]]


def test_balanced_accuracy_hand_made():
    y = torch.tensor([[0, 1, 0], [1, 0, 0], [1, 1, 0]])
    assert balanced_accuracy(y, y) == 1.0
    two_class = y[:, :2]  # both classes present at each of these positions
    assert balanced_accuracy(torch.zeros_like(two_class), two_class) == pytest.approx(0.5)
    assert balanced_accuracy(torch.ones_like(two_class, dtype=torch.bool), two_class) == pytest.approx(0.5)
    # position 2 has only negatives: the positive recall is skipped, so all-zero predictions score 1 there
    per = balanced_accuracy_per_position(torch.zeros_like(y), y)
    assert per.shape == (3,)
    np.testing.assert_allclose(per, [0.5, 0.5, 1.0])
    with pytest.raises(TaskError):
        balanced_accuracy(torch.zeros(2, 3), torch.zeros(3, 2))


def test_seeding_reproduces():
    spec = TaskSpec("match3", M=11, N=6)
    a = spec.sample(8, torch.Generator().manual_seed(3))
    b = spec.sample(8, torch.Generator().manual_seed(3))
    c = spec.sample(8, torch.Generator().manual_seed(4))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_positive_rate_matches_estimate():
    spec = TaskSpec("match3-repeats", M=37, N=12)
    _, y = spec.sample(4000, torch.Generator().manual_seed(0))
    rate = y.float().mean(0).numpy()
    np.testing.assert_allclose(rate, positive_rate_estimate(37, 12), atol=0.04)


def test_tokens_targets_prediction_and_dict():
    spec = TaskSpec("match2", M=5, N=3)
    assert spec.label_tokens == [5, 6] and spec.vocab_size == 7
    y = torch.tensor([[0, 1, 1]])
    assert spec.targets(y).tolist() == [[5, 6, 6]]
    logits = torch.zeros(1, 3, 7)
    logits[0, 0, 5], logits[0, 1, 6] = 2.0, 2.0
    logits[0, 2, 6], logits[0, 2, 0] = 1.0, 9.0  # a large residue logit must not matter
    assert predict_labels(logits, spec).tolist() == [[0, 1, 1]]
    assert token_strings([0, 4, 5, 6], spec) == ["0", "4", "no", "yes"]
    assert TaskSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict() == {"name": "match2", "M": 5, "N": 3, "label_tokens": [5, 6], "rule": spec.rule}
    strict = TaskSpec("match3", M=5, N=3)
    assert TaskSpec.from_dict(strict.to_dict()) == strict and "j < l < i" in strict.to_dict()["rule"]
    # a sidecar written before strict Match3 existed has no rule: it was trained on the variant with repeats
    assert TaskSpec.from_dict({"name": "match3", "M": 5, "N": 3}).name == "match3-repeats"
    with pytest.raises(TaskError, match="another definition"):
        TaskSpec.from_dict({**strict.to_dict(), "rule": "y_i = 1 iff j, l <= i"})
    with pytest.raises(TaskError):
        TaskSpec.from_dict({"name": "match2", "M": 5, "N": 3, "label_tokens": [6, 7]})
    with pytest.raises(TaskError):
        TaskSpec.from_dict({"name": "match2", "depth": 2})
    with pytest.raises(TaskError):
        token_strings([7], spec)


@pytest.mark.parametrize("kwargs", [{"name": "match3", "M": 1}, {"name": "match3", "N": 0}, {"name": "match4"}])
def test_bad_specs_raise(kwargs):
    with pytest.raises(TaskError, match="match4|M must|N must"):
        TaskSpec(**kwargs)


def test_out_of_range_residues_raise():
    with pytest.raises(TaskError, match="0..4"):
        labels(torch.tensor([[5]]), "match3", 5)
