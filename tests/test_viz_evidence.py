"""Figure builders for causal evidence (hoviz.viz.evidence): the values drawn are the records' values."""

import numpy as np
import pytest

from hoviz.compare_tokens import BucketRow, PromptComparison, TokenWin
from hoviz.evidence import HeadEvidence, HeldOutEffect
from hoviz.heldout import Score
from hoviz.viz.evidence import (
    bucket_figure,
    comparison_strip,
    delta_strip,
    effects_figure,
    interaction_effect_figure,
    scores_profile,
    wins_rows,
)


def heads():
    out = []
    for h, (inter, spread, d, dba) in enumerate([(1.3, 0.4, 0.47, -0.04), (1.2, 0.16, 1.19, -0.12)]):
        he = HeadEvidence(0, h, "simplicial2", inter, spread)
        he.effects["surrogate"] = HeldOutEffect("s", Score(0.5 + d, 0.9), d, dba)
        he.effects["zero"] = HeldOutEffect("z", Score(0.6 + d, 0.8), d + 0.1, dba - 0.1)
        out.append(he)
    out.append(HeadEvidence(1, 0, "dense", None, None, {"zero": HeldOutEffect("z", Score(1.0), 0.2)}))
    return out


def test_interaction_effect_figure_plots_scores_against_effects():
    fig = interaction_effect_figure(heads(), highlight="L0h1")
    inter, spread = fig.data
    np.testing.assert_allclose(inter.x, [1.3, 1.2], rtol=1e-6)
    np.testing.assert_allclose(spread.x, [0.4, 0.16], rtol=1e-6)
    np.testing.assert_allclose(inter.y, [0.47, 1.19], rtol=1e-6)
    assert list(inter.text) == ["L0h0", "L0h1"] and inter.marker.size[1] > inter.marker.size[0]
    assert inter.mode == "markers+text" and spread.mode == "markers"  # one label per head
    ba = interaction_effect_figure(heads(), "zero", metric="balanced_accuracy")
    np.testing.assert_allclose(ba.data[0].y, [-0.14, -0.22], rtol=1e-5)
    dense_only = [heads()[2]]
    with pytest.raises(ValueError, match="Match tasks"):
        interaction_effect_figure([HeadEvidence(0, 0, "simplicial2", 1.0, 0.1, {"surrogate": HeldOutEffect(
            "s", Score(1.0), 0.1)})], metric="balanced_accuracy")
    assert len(interaction_effect_figure(dense_only).data[0].x) == 0


def test_effects_figure_groups_by_kind():
    fig = effects_figure(heads())
    assert [t.name for t in fig.data] == ["surrogate", "zero"]
    assert list(fig.data[1].x) == ["L0h0", "L0h1", "L1h0"]
    assert list(fig.layout.xaxis.categoryarray) == ["L0h0", "L0h1", "L1h0"]  # layer order, whatever kind comes first
    np.testing.assert_allclose(fig.data[1].y, [0.57, 1.29, 0.2], rtol=1e-5)


def test_delta_strips_are_symmetric_around_zero():
    fig = delta_strip(list("abcd"), np.array([np.nan, 0.5, -0.2, 0.1]))
    hm = fig.data[0]
    assert hm.zmin == -0.5 and hm.zmax == 0.5 and hm.colorscale[0][1] != hm.colorscale[-1][1]
    cmp = PromptComparison(["a", "b"], list("xyz"), np.array([[np.nan, 1.0, 2.0], [np.nan, 0.5, 2.5]]))
    z = comparison_strip(cmp).data[0].z[0]
    np.testing.assert_allclose(z[1:3], [-0.5, 0.5])
    assert delta_strip(list("ab"), np.array([np.nan, np.nan])).data[0].zmax == 1.0


def test_bucket_figure_and_wins_rows():
    rows = [BucketRow("1st letter", 10, [1.0, 0.9], -0.1, 1.5), BucketRow("2nd letter", 5, [1.0, 1.1], 0.1, -0.5)]
    fig = bucket_figure(rows, title="by word position")
    np.testing.assert_allclose(fig.data[0].y, [-0.1, 0.1], rtol=1e-6)
    assert fig.data[0].marker.color == ("#1f77b4", "#d62728")
    np.testing.assert_allclose(fig.data[0].customdata, [[10, 1.5], [5, -0.5]])
    table = wins_rows([TokenWin(7, " ", "to be", [2.0, 0.5], -1.5)], ["dense", "s2"])
    assert table == [{"position": 7, "context": "to␣be", "token": "␣", "dense": 2.0, "s2": 0.5, "Δ nats": -1.5}]


def test_scores_profile_draws_both_scores():
    fig = scores_profile([0.0, 1.5, 2.0], [0.0, 0.2, 0.1], list("abc"), i=1)
    np.testing.assert_allclose(fig.data[0].y, [0.0, 1.5, 2.0])
    np.testing.assert_allclose(fig.data[1].y, [0.0, 0.2, 0.1], rtol=1e-6)
    assert [t.name.split()[0] for t in fig.data] == ["interaction", "joint"] and fig.layout.shapes[0].x0 == 1
