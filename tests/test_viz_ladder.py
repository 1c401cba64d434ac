"""The expressivity additions (hoviz.viz.ladder, hoviz.viz.match3): WL ladder records and figure, Match3 rows with
the oracle beside, per-position scores of a tiny model. Seeded, CPU, no Streamlit."""

import numpy as np
import torch

from hoviz import GPT, GPTConfig
from hoviz.tasks import TaskSpec
from hoviz.viz import ladder as vl
from hoviz.viz import match3 as vm


def test_ladder_rows_table_and_figure():
    rows = vl.ladder_rows()
    assert [r.smallest_k for r in rows] == [1, 2, 3]
    rook = rows[2]
    assert rook.betti == ((1, 9, 8), (1, 2, 1)) and rook.four_cliques == (8, 0) and rook.triangles == (32, 32)
    assert [w.separated for w in rook.rungs] == [False, False, True]
    table = vl.ladder_table(rows)
    assert table[1]["k=1"] == "same" and table[1]["k=2"] == "separated" and table[1]["k=3"] == "(not needed)"
    assert table[2]["smallest separating k"] == 3 and table[2]["clique-complex Betti"] == "(1, 9, 8) vs (1, 2, 1)"
    z = np.asarray(vl.ladder_figure(rows).data[0].z, dtype=float)
    assert z.shape == (3, 3) and z[0, 0] == 1 and z[1].tolist() == [0, 1, 0.5] and z[2].tolist() == [0, 0, 1]
    assert vl.ladder_row("rook", max_k=2).smallest_k is None


def test_claims_separate_theorems_from_measurements():
    kinds = {c.kind for c in vl.CLAIMS}
    assert kinds == {"theorem", "measured"}
    cited = " ".join(c.source for c in vl.CLAIMS if c.kind == "theorem")
    for who in ("Cai, Fürer & Immerman", "Grohe", "Morris et al.", "Xu, Hu, Leskovec & Jegelka", "Sanford"):
        assert who in cited


def test_match3_rows_and_figures():
    strict = TaskSpec("match3", M=37, N=12).to_dict()
    metas = {"s2": {"task": strict, "config": {"mixers": ["simplicial2"]}, "metrics": {"balanced_accuracy": 0.99},
                    "baselines": {"pairwise_oracle": {"balanced_accuracy": 0.557, "samples": 4096}}},
             "old": {"task": {"name": "match3", "M": 37, "N": 12}, "metrics": {"balanced_accuracy": 0.75}},
             "lm": {"task": {"name": "shakespeare"}, "metrics": {"val_loss": 1.5}}}
    rows = vm.match3_rows(metas)
    assert [r.name for r in rows] == ["s2", "old"] and rows[1].task.name == "match3-repeats" and rows[1].oracle is None
    fig = vm.match3_scores_figure(rows)
    assert list(fig.data[0].y) == [0.99, 0.75]
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "pairwise-only oracle 0.557" in notes and "chance 0.5" in notes and "j < l < i" in fig.layout.title.text


def test_per_position_scores_of_a_tiny_model():
    spec = TaskSpec("match3", M=7, N=6)
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=spec.vocab_size, block_size=6, n_layer=1, n_head=2, n_embd=16,
                          mixers=["simplicial2"]))
    per = vm.per_position_scores(model, spec, samples=64, seed=0)
    assert per.shape == (6,) and np.isnan(per[:2]).all() and ((per[2:] >= 0) & (per[2:] <= 1)).all()
    oracle = vm.oracle_per_position(spec, samples=64, seed=0)
    fig = vm.match3_per_position_figure({"tiny": per}, oracle)
    assert len(fig.data) == 2 and fig.data[1].name == "pairwise-only oracle"
