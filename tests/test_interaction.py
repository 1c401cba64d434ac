"""The interaction score KL(S[i] || softmax(μ + α + β)) and the pairwise surrogate, against direct (T, T, T) sums."""

import math

import pytest
import torch

from hoviz.errors import AttentionInputError
from hoviz.mixers.simplicial import simplicial_mask, two_simplicial_reference
from hoviz.surrogate import rectangle_masks, surrogate_attention
from hoviz.threeway import SimplicialHead, interaction_kl, pattern_scores

WINDOWS = [(None, None, "causal"), (3, None, "causal"), (None, 2, "causal"), (4, 3, "causal"), (None, None, "leaky"),
           (3, 4, "leaky")]


def direct_decomposition(q, k1, k2, w1, w2, mask):
    """Everything from the materialised (..., T, T, T) logits: S, the surrogate S̃ from explicit row/column means."""
    T, D = q.shape[-2:]
    A = torch.einsum("...id,...jd,...ld->...ijl", q, k1, k2) / math.sqrt(D)  # (..., T, T, T)
    allowed = simplicial_mask(T, w1, w2, mask)
    n = allowed.sum((-2, -1), keepdim=True)  # (T, 1, 1) cells of each rectangle
    Az = A.masked_fill(~allowed, 0.0)
    row = Az.sum(-1, keepdim=True) / allowed.sum(-1, keepdim=True).clamp_min(1)  # mean over l of A[i, j, :]
    col = Az.sum(-2, keepdim=True) / allowed.sum(-2, keepdim=True).clamp_min(1)  # mean over j of A[i, :, l]
    mu = Az.sum((-2, -1), keepdim=True) / n
    additive = (row + col - mu).masked_fill(~allowed, float("-inf"))  # μ + α + β
    S = A.masked_fill(~allowed, float("-inf")).flatten(-2).softmax(-1).view_as(A)
    St = additive.flatten(-2).softmax(-1).view_as(A)
    return A, allowed, S, St


def direct_kl(p, r):
    return torch.where(p > 0, p * (p.clamp_min(1e-300).log() - r.clamp_min(1e-300).log()), 0.0).sum((-2, -1))


@pytest.mark.parametrize("w1,w2,mask", WINDOWS)
def test_interaction_matches_direct_float64(w1, w2, mask):
    torch.manual_seed(0)
    q, k1, k2 = (torch.randn(2, 3, 9, 4, dtype=torch.float64) * 1.5 for _ in range(3))  # (B, H, T, D)
    _, _, S, St = direct_decomposition(q, k1, k2, w1, w2, mask)
    got = interaction_kl(q, k1, k2, w1=w1, w2=w2, mask=mask)
    assert got.shape == (2, 3, 9) and got.dtype == torch.float64
    torch.testing.assert_close(got, direct_kl(S, St), rtol=1e-9, atol=1e-10)
    mi = direct_kl(S, S.sum(-1)[..., :, None] * S.sum(-2)[..., None, :])
    torch.testing.assert_close(pattern_scores(q, k1, k2, w1=w1, w2=w2, mask=mask).joint_spread, mi, rtol=1e-9,
                               atol=1e-10)
    head = SimplicialHead(q[0, 1], k1[0, 1], k2[0, 1], w1=w1, w2=w2, mask=mask)
    torch.testing.assert_close(head.interaction_kl(), direct_kl(S, St)[0, 1], rtol=1e-9, atol=1e-10)


def test_float32_agrees_with_float64():
    torch.manual_seed(1)
    q, k1, k2 = (torch.randn(1, 2, 16, 8, dtype=torch.float64) for _ in range(3))
    exact = interaction_kl(q, k1, k2)
    approx = interaction_kl(q.float(), k1.float(), k2.float())
    assert approx.dtype == torch.float32
    torch.testing.assert_close(approx.double(), exact, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("which", ["k2", "k1", "q_on_k2"])
def test_additive_logits_score_zero(which):
    """k2 constant: A depends on (i, j) only; k1 constant: on (i, l) only; both are additive in (j, l)."""
    torch.manual_seed(2)
    q, k1, k2 = (torch.randn(2, 10, 6, dtype=torch.float64) * 2 for _ in range(3))
    if which == "k2":
        k2 = torch.ones_like(k2) * 0.7
    elif which == "k1":
        k1 = torch.ones_like(k1) * -1.3
    else:  # A = q·(k1 ⊙ k2) with k1 one-hot on a feature where k2 is constant: again no (j, l) interaction
        k1 = torch.zeros_like(k1)
        k1[..., 0] = torch.randn(2, 10, dtype=torch.float64)
        k2[..., 0] = 3.0
    for w1, w2, mask in WINDOWS:
        assert interaction_kl(q, k1, k2, w1=w1, w2=w2, mask=mask).abs().max() < 1e-9


def fourier_keys(x: torch.Tensor, M: int, beta: float):
    """q, k1, k2 (T, D) whose trilinear logits are beta·Σ_r cos(2π r (x_i + x_j + 2 x_l) / M): peaked iff that ≡ 0.

    Re(a b c) for unit complex a, b, c is a sum of four real trilinear terms, so four features per frequency r.
    The weight 2 on x_l makes the rule asymmetric in (j, l), so a match is one cell of S[i], not a mirrored pair.
    """
    feats = []
    for r in range(1, (M - 1) // 2 + 1):
        a, b, c = (2 * math.pi * r * w * x.double() / M for w in (1, 1, 2))
        feats.append((torch.stack([a.cos(), -a.cos(), -a.sin(), -a.sin()], -1),
                      torch.stack([b.cos(), b.sin(), b.cos(), b.sin()], -1),
                      torch.stack([c.cos(), c.sin(), c.sin(), c.cos()], -1)))
    q, k1, k2 = (torch.cat([f[n] for f in feats], -1) for n in range(3))
    return q * beta * math.sqrt(q.shape[-1]), k1, k2  # the kernel divides by √D


def test_planted_pair_chosen_by_a_three_way_rule_scores_high():
    """A Match3-like head: the last query sharply reads the one (j, l) with x_i + x_j + 2 x_l ≡ 0 (mod M)."""
    M, T = 11, 10
    g = torch.Generator().manual_seed(0)
    while True:  # a sequence whose last position has exactly one matching pair, with j, l < i distinct
        x = torch.randint(0, M, (T,), generator=g)
        s = (x[-1] + x[:, None] + 2 * x[None, :]) % M == 0  # (T, T) over (j, l)
        if s.sum() == 1 and not s.diagonal().any() and not s[-1].any() and not s[:, -1].any():
            break
    q, k1, k2 = fourier_keys(x, M, beta=2.0)
    head = SimplicialHead(q, k1, k2)
    (j, l, weight), = head.top_triples(T - 1, k=1)
    assert s[j, l] and weight > 0.99  # the head reads exactly the planted pair
    scores = pattern_scores(q, k1, k2)
    assert scores.interaction[-1] > 2.0  # nats: the additive surrogate spreads over the 10 x 10 rectangle
    assert scores.joint_spread[-1] < 0.02  # a delta is a product: the mutual information misses the head entirely
    rule_free = pattern_scores(q, k1, torch.ones_like(k2) * k2.mean(0))  # same q, k1; l no longer matters
    assert rule_free.interaction.max() < 1e-9
    # The documented limit: when every non-matching logit is the same, the row and column means alone point at the
    # matching cell, so as the head sharpens further its surrogate sharpens with it and the score falls again.
    sharper = pattern_scores(*fourier_keys(x, M, beta=16.0))
    assert sharper.interaction[-1] < 0.01 < scores.interaction[-1]


def test_surrogate_attention_matches_the_explicit_cube():
    torch.manual_seed(3)
    for w1, w2, mask in WINDOWS:
        q, k1, k2, v1, v2 = (torch.randn(2, 2, 7, 5, dtype=torch.float64) for _ in range(5))
        _, allowed, _, St = direct_decomposition(q, k1, k2, w1, w2, mask)
        want = torch.einsum("bhijl,bhjd,bhld->bhid", St, v1, v2)
        torch.testing.assert_close(surrogate_attention(q, k1, k2, v1, v2, w1=w1, w2=w2, mask=mask), want)
        rows, cols = rectangle_masks(7, w1, w2, mask)
        assert torch.equal(rows[:, :, None] & cols[:, None, :], allowed)


def test_surrogate_is_exact_for_additive_logits():
    torch.manual_seed(4)
    q, k1, v1, v2 = (torch.randn(1, 1, 9, 4, dtype=torch.float64) for _ in range(4))
    k2 = torch.full_like(q, 0.5)
    torch.testing.assert_close(surrogate_attention(q, k1, k2, v1, v2), two_simplicial_reference(q, k1, k2, v1, v2))


def test_bad_inputs_raise_attention_input_error():
    x = torch.randn(2, 5, 4)
    with pytest.raises(AttentionInputError, match="all three must match"):
        interaction_kl(x, x, torch.randn(2, 6, 4))
    with pytest.raises(AttentionInputError, match="floating"):
        interaction_kl(x.long(), x, x)
    with pytest.raises(AttentionInputError, match="mask"):
        interaction_kl(x, x, x, mask="future")
