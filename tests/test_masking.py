"""Tests of rnn_attention.masking: length masks and the masked softmax."""

import math

import pytest
import torch

from rnn_attention.masking import check_mask, lengths_to_mask, masked_softmax

LOW_PRECISION = [torch.float32, torch.float16, torch.bfloat16]


def hand_masked_softmax(scores, mask):
    """softmax over the True positions of each row, written out with math.exp (float64)."""
    out = []
    for row, keep in zip(scores.tolist(), mask.tolist()):
        real = [x for x, k in zip(row, keep) if k]
        if not real:
            out.append([0.0] * len(row))
            continue
        top = max(real)
        total = sum(math.exp(x - top) for x in real)
        out.append([math.exp(x - top) / total if k else 0.0 for x, k in zip(row, keep)])
    return torch.tensor(out, dtype=torch.float64)


# ---------------------------------------------------------------- lengths_to_mask


def test_lengths_to_mask_values():
    mask = lengths_to_mask(torch.tensor([3, 1, 2]))
    expected = torch.tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=torch.bool)
    assert mask.dtype == torch.bool
    assert torch.equal(mask, expected)


def test_lengths_to_mask_max_len_pads_with_false():
    mask = lengths_to_mask(torch.tensor([2, 4]), max_len=6)
    assert mask.shape == (2, 6)
    assert mask.sum(1).tolist() == [2, 4]
    assert not mask[:, 4:].any()


def test_lengths_to_mask_accepts_a_list_and_long_lengths():
    mask = lengths_to_mask([1, 300, 7])
    assert mask.shape == (3, 300)
    assert mask.sum(1).tolist() == [1, 300, 7]
    # True is a prefix: real tokens come first, padding after
    assert torch.equal(mask, mask.cummin(dim=1).values)


@pytest.mark.parametrize(
    "lengths, max_len, exc, match",
    [
        (torch.tensor([3, 0, 2]), None, ValueError, r">= 1.*got \[0\]"),
        (torch.tensor([-1, 2]), None, ValueError, r">= 1.*got \[-1\]"),
        (torch.tensor([2, 5]), 4, ValueError, r"length of 5 does not fit in max_len=4"),
        (torch.tensor([2.0, 3.0]), None, TypeError, r"integer tensor, got dtype torch.float32"),
        ([2.5, 1.0], None, TypeError, r"integer tensor, got dtype torch.float"),
        (torch.tensor([True, False]), None, TypeError, r"integer tensor, got dtype torch.bool"),
        (torch.tensor([[2, 3], [1, 1]]), None, ValueError, r"1-D tensor \(B,\), got shape \(2, 2\)"),
        (torch.tensor(3), None, ValueError, r"1-D tensor \(B,\), got shape \(\)"),
        (torch.tensor([], dtype=torch.long), None, ValueError, r"lengths is empty.*B >= 1"),
    ],
    ids=["zero", "negative", "above-max-len", "float", "python-float", "bool", "2-D", "0-D", "empty"],
)
def test_lengths_to_mask_rejects_bad_lengths(lengths, max_len, exc, match):
    with pytest.raises(exc, match=match):
        lengths_to_mask(lengths, max_len)


# ---------------------------------------------------------------- masked_softmax


def test_masked_softmax_matches_hand_computation_float64():
    torch.manual_seed(0)
    scores = torch.randn(4, 6, dtype=torch.float64) * 3
    mask = lengths_to_mask(torch.tensor([6, 1, 3, 5]), 6)
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights, hand_masked_softmax(scores, mask), rtol=0, atol=1e-12)


def test_masked_softmax_padding_exactly_zero_and_rows_sum_to_one():
    torch.manual_seed(1)
    scores = torch.randn(5, 9)
    mask = lengths_to_mask(torch.tensor([9, 4, 1, 7, 2]), 9)
    weights = masked_softmax(scores, mask)
    assert torch.all(weights[~mask] == 0)
    assert torch.all(weights[mask] > 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(5), rtol=0, atol=1e-6)


def test_masked_softmax_ignores_garbage_scores_on_padding():
    torch.manual_seed(2)
    scores = torch.randn(3, 5)
    mask = lengths_to_mask(torch.tensor([5, 2, 3]), 5)
    garbage = scores.clone()
    garbage[~mask] = torch.randn(int((~mask).sum())) * 1e30
    assert torch.equal(masked_softmax(scores, mask), masked_softmax(garbage, mask))


def test_masked_softmax_without_mask_is_softmax():
    scores = torch.randn(3, 4)
    assert torch.equal(masked_softmax(scores), torch.softmax(scores, dim=-1))


def test_masked_softmax_other_dim_and_per_sentence_mask():
    torch.manual_seed(3)
    scores = torch.randn(2, 3, 4, dtype=torch.float64)  # (B, T, S)
    mask = lengths_to_mask(torch.tensor([4, 2]), 4)  # (B, S): the same padding at every step t
    weights = masked_softmax(scores, mask, dim=-1)
    for b in range(2):
        expected = hand_masked_softmax(scores[b], mask[b].expand(3, 4))
        torch.testing.assert_close(weights[b], expected, rtol=0, atol=1e-12)
    # the full (B, T, S) mask gives the same numbers
    torch.testing.assert_close(masked_softmax(scores, mask.unsqueeze(1).expand(2, 3, 4)), weights, rtol=0, atol=0)
    # dim=0 over a (S, B) layout gives the same numbers, transposed
    weights_t = masked_softmax(scores[:, 0].t(), mask.t(), dim=0)
    torch.testing.assert_close(weights_t.t(), weights[:, 0], rtol=0, atol=1e-15)


def test_per_sentence_mask_meets_its_own_sentence_when_T_equals_B():
    # scores (B, T, S) with T == B: plain broadcasting would give step t the mask of sentence t
    scores = torch.zeros(2, 2, 3)
    mask = torch.tensor([[True, True, True], [True, False, False]])  # sentence 0 has 3 tokens, sentence 1 has 1
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights[0], torch.full((2, 3), 1 / 3), rtol=0, atol=1e-7)
    torch.testing.assert_close(weights[1], torch.tensor([[1.0, 0.0, 0.0]] * 2), rtol=0, atol=0)


def test_masks_that_only_broadcast_are_refused():
    with pytest.raises(ValueError, match=r"mask of shape \(2, 1, 4\) does not match scores of shape \(2, 4\)"):
        masked_softmax(torch.randn(2, 4), torch.ones(2, 1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"expected exactly \(2, 3, 4\) or \(B, S\) = \(2, 4\)"):
        masked_softmax(torch.randn(2, 3, 4), torch.ones(2, 1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"does not match"):
        masked_softmax(torch.randn(2, 4), torch.ones(4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"needs the softmax over the last axis"):
        masked_softmax(torch.randn(2, 3, 4), torch.ones(2, 4, dtype=torch.bool), dim=1)


@pytest.mark.parametrize("dtype", [torch.float32, *LOW_PRECISION], ids=str)
def test_a_real_score_equal_to_the_fill_value_still_sums_to_one(dtype):
    low = torch.finfo(dtype).min
    scores = torch.tensor([[low, low, 5.0], [low, 0.0, 0.0]]).to(dtype)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    weights = masked_softmax(scores, mask).float()
    torch.testing.assert_close(weights, torch.tensor([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]), rtol=0, atol=1e-3)


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
def test_all_masked_row_gives_zeros_and_finite_gradients(dtype):
    torch.manual_seed(4)
    scores = torch.randn(3, 5).to(dtype).requires_grad_()
    mask = torch.tensor([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    weights = masked_softmax(scores, mask)
    assert weights.dtype == dtype
    assert not torch.isnan(weights).any()
    assert torch.all(weights[1] == 0)
    torch.testing.assert_close(weights[[0, 2]].float().sum(-1), torch.ones(2), rtol=0, atol=1e-2)
    (weights * torch.randn(3, 5).to(dtype)).sum().backward()
    assert torch.isfinite(scores.grad).all()
    assert torch.all(scores.grad[1] == 0)
    assert torch.all(scores.grad[~mask] == 0)
    assert scores.grad[2].abs().sum() > 0


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
def test_masked_softmax_large_scores_are_stable(dtype):
    big = torch.finfo(dtype).max
    scores = torch.tensor(
        [
            [1e4, 1e4, 0.0, -1e4],  # equal large scores share the weight
            [big, big, big, 0.0],  # the dtype's own maximum, padding at the end
            [big, -big, 0.0, 1.0],  # the largest gap the dtype can hold
            [-1e4, 0.0, 3.0, 2.0],  # real scores far below the padding's
        ]
    ).to(dtype)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    weights = masked_softmax(scores, mask).float()
    assert torch.isfinite(weights).all()
    expected = torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(weights, expected, rtol=0, atol=1e-3)
    assert torch.all(weights[~mask] == 0)


def test_masked_softmax_large_scores_gradients_are_finite():
    scores = torch.tensor([[1e4, 1e4 - 1, -1e4, 0.0]], requires_grad=True)
    mask = torch.tensor([[1, 1, 1, 0]], dtype=torch.bool)
    weights = masked_softmax(scores, mask)
    expected = torch.tensor([1.0, math.exp(-1), 0.0]) / (1 + math.exp(-1))
    torch.testing.assert_close(weights[0, :3], expected, rtol=0, atol=1e-6)
    weights[0, 0].backward()
    assert torch.isfinite(scores.grad).all()
    assert scores.grad[0, 3] == 0


@pytest.mark.parametrize(
    "mask, exc, match",
    [
        (torch.ones(2, 3), TypeError, r"dtype torch.bool.*got torch.float32"),
        (torch.ones(2, 3, dtype=torch.long), TypeError, r"dtype torch.bool.*got torch.int64"),
        ([[True, True, True]] * 2, TypeError, r"torch.bool tensor, got list"),
        (
            torch.ones(2, 4, dtype=torch.bool),
            ValueError,
            r"mask of shape \(2, 4\) does not match scores of shape \(2, 3\)",
        ),
    ],
    ids=["float", "int", "list", "wrong-length"],
)
def test_masked_softmax_rejects_bad_masks(mask, exc, match):
    with pytest.raises(exc, match=match):
        masked_softmax(torch.randn(2, 3), mask)


def test_check_mask_returns_the_mask_and_names_it():
    mask = torch.ones(2, 4, 3, dtype=torch.bool)
    assert check_mask(mask, torch.zeros(2, 4, 3)) is mask
    assert check_mask(mask[:, 0], torch.zeros(2, 4, 3)).shape == (2, 1, 3)
    with pytest.raises(ValueError, match=r"src_mask of shape \(2, 5\)"):
        check_mask(torch.ones(2, 5, dtype=torch.bool), torch.zeros(2, 3), name="src_mask")


@pytest.mark.parametrize("max_len", [4.5, "5", True])
def test_lengths_to_mask_rejects_a_max_len_that_is_not_an_int(max_len):
    with pytest.raises(TypeError, match=r"max_len must be an int"):
        lengths_to_mask(torch.tensor([2, 3]), max_len)
