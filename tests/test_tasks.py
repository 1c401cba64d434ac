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


@pytest.mark.parametrize("name", ["match3", "match2"])
@pytest.mark.parametrize("M", [2, 5, 7, 13])
def test_vectorised_labels_equal_bruteforce(name, M):
    spec = TaskSpec(name, M=M, N=9)
    x, y = spec.sample(40, torch.Generator().manual_seed(M))
    assert x.shape == y.shape == (40, 9) and x.dtype == y.dtype == torch.long
    assert torch.equal(y, labels_bruteforce(x, name, M))


def test_repeats_and_self_pairs_count():
    M = 7
    # position 0 alone: 3 * x_0 ≡ 0 needs j = l = i (x_0 = 0, or 3x ≡ 0 mod 7 only for 0)
    assert labels(torch.tensor([[0]]), "match3", M).tolist() == [[1]]
    assert labels(torch.tensor([[1]]), "match3", M).tolist() == [[0]]
    # x = [3, 1]: 1 + 3 + 3 = 7 uses j = l = 0 (a repeat); 3 + 3 + 1 at position 0 cannot see the future
    assert labels(torch.tensor([[3, 1]]), "match3", M).tolist() == [[0, 1]]
    # x = [4, 2, 5]: position 2 is hit only by 5 + 5 + 4 = 14, which uses j = i; 2 + {4,2} + {4,2} never hits
    x = torch.tensor([[4, 2, 5]])
    assert labels(x, "match3", M).tolist() == [[0, 0, 1]]
    assert torch.equal(labels(x, "match3", M), labels_bruteforce(x, "match3", M))
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
    spec = TaskSpec("match3", M=37, N=12)
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
    assert spec.to_dict() == {"name": "match2", "M": 5, "N": 3, "label_tokens": [5, 6]}
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
