"""The pairwise-only oracle (hoviz.baselines): which witnesses it may use, and what it scores. Seeded, CPU, small."""

import pytest
import torch

from hoviz.baselines import oracle_score, pairwise_oracle, pairwise_witnesses
from hoviz.errors import TaskError
from hoviz.tasks import TaskSpec, labels


def test_pairwise_witnesses_by_hand():
    M = 7
    rep = TaskSpec("match3-repeats", M=M, N=4)
    # [3, 1]: 1 + 3 + 3 with j = l = 0, two positions
    assert pairwise_witnesses(torch.tensor([[3, 1]]), rep, ("positions",)).tolist() == [[False, True]]
    # [1, 2, 4]: 4 + 1 + 2 at three positions and three distinct nonzero residues: no pairwise witness
    x = torch.tensor([[1, 2, 4]])
    assert labels(x, "match3-repeats", M)[0, 2] == 1 and not pairwise_witnesses(x, rep)[0, 2]
    strict = TaskSpec("match3", M=M, N=4)
    # [3, 3, 1]: strict witness j=0, l=1, but the residues coincide (3 = 3): each partner is fixed by x_i alone
    x = torch.tensor([[3, 3, 1]])
    assert pairwise_witnesses(x, strict, ("residues",))[0, 2] and not pairwise_witnesses(x, strict, ("positions",))[0, 2]
    # [0, 5, 2]: 0 + 5 + 2 uses residue 0, so it is the pair test 5 + 2 ≡ 0
    assert pairwise_witnesses(torch.tensor([[0, 5, 2]]), strict)[0, 2]
    with pytest.raises(TaskError, match="unknown oracle features"):
        pairwise_witnesses(x, strict, ("triples",))


def test_strict_sampler_leaves_no_pairwise_witness():
    spec = TaskSpec("match3", M=37, N=12)
    x, y = spec.sample(512, torch.Generator().manual_seed(0))
    assert y.sum() > 500 and not pairwise_witnesses(x, spec).any()


def test_oracle_on_the_variant_with_repeats_and_on_strict():
    # the variant with repeats is largely pairwise: degenerate positions alone give the oracle 0.84 (an independent
    # check measured 0.834 with its own pairwise oracle); strict Match3 leaves it near chance
    rep = oracle_score(TaskSpec("match3-repeats", M=37, N=12), samples=2048, seed=7, features=("positions",))
    assert 0.81 < rep.balanced_accuracy < 0.86 and rep.pairwise_share > 0.5
    full = oracle_score(TaskSpec("match3-repeats", M=37, N=12), samples=2048, seed=7)
    assert full.balanced_accuracy >= rep.balanced_accuracy
    strict = oracle_score(TaskSpec("match3", M=37, N=12), samples=2048, seed=7)
    assert strict.balanced_accuracy <= 0.60 and strict.pairwise_share == 0.0
    assert oracle_score(TaskSpec("match2", M=37, N=12), samples=512, seed=7).balanced_accuracy == 1.0


def test_oracle_reads_labels_it_is_given_and_is_optimal_on_its_cells():
    spec = TaskSpec("match3", M=11, N=6)
    x, y = spec.sample(256, torch.Generator().manual_seed(3))
    # labels that are a function of x_i alone are learnt perfectly (at every scored position with both classes)
    fake = (x % 2 == 0).long()
    fake[:, :2] = 0
    assert pairwise_oracle(x, fake, spec).balanced_accuracy == 1.0
    # labels independent of everything it sees: near chance (in-sample optimism only)
    noise = torch.randint(0, 2, x.shape, generator=torch.Generator().manual_seed(4))
    assert pairwise_oracle(x, noise, spec).balanced_accuracy < 0.65
    with pytest.raises(TaskError):
        pairwise_oracle(x, y[:, :3], spec)
