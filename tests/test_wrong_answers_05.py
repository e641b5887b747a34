"""Wrong answers a student would plausibly write for notebook 05, each rejected with a message naming the mistake."""

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence
from wrong_answers import assert_passes, notebook_tests

from rnn_attention import lengths_to_mask
from rnn_attention.exercises import check_make_mask, check_one_by_one, check_pad_batch

# Exercise 5.1: lengths (B,) -> mask (B, max_len), no Python loop


def _positions(max_len):
    return torch.arange(max_len).unsqueeze(0)  # (1, S)


def off_by_one(lengths, max_len):
    return _positions(max_len) <= lengths.unsqueeze(1)


def inverted(lengths, max_len):
    return _positions(max_len) >= lengths.unsqueeze(1)


def transposed(lengths, max_len):
    return torch.arange(max_len).unsqueeze(1) < lengths.unsqueeze(0)


def integer_mask(lengths, max_len):
    return (_positions(max_len) < lengths.unsqueeze(1)).int()


def columns_up_to_the_longest(lengths, max_len):
    return _positions(int(lengths.max())) < lengths.unsqueeze(1)


def calls_lengths_to_mask(lengths, max_len):
    return lengths_to_mask(lengths, max_len)


def loop_over_tolist(lengths, max_len):
    return torch.stack([torch.arange(max_len) < n for n in lengths.tolist()])


def loop_with_an_index(lengths, max_len):
    mask = torch.zeros(len(lengths), max_len, dtype=torch.bool)
    for b in range(len(lengths)):
        mask[b, : lengths[b]] = True
    return mask


def loop_over_the_tensor(lengths, max_len):
    return torch.stack([torch.arange(max_len) < n for n in lengths])


# Exercise 5.2: pad a list of (L_b, H) tensors and build the mask


def _padded(sequences):
    return pad_sequence(sequences, batch_first=True)


def mask_from_nonzero_states(sequences):
    padded = _padded(sequences)
    return padded, (padded != 0).any(dim=-1)


def mask_from_nonzero_features(sequences):
    padded = _padded(sequences)
    return padded, (padded != 0).all(dim=-1)


def padded_with_ones(sequences):
    padded = pad_sequence(sequences, batch_first=True, padding_value=1.0)
    return padded, lengths_to_mask(torch.tensor([len(s) for s in sequences]), padded.shape[1])


def time_first(sequences):
    padded = pad_sequence(sequences)  # (S, B, H)
    return padded, lengths_to_mask(torch.tensor([len(s) for s in sequences]), padded.shape[0])


def integer_mask_of_the_batch(sequences):
    padded = _padded(sequences)
    return padded, lengths_to_mask(torch.tensor([len(s) for s in sequences]), padded.shape[1]).long()


def padded_with_ones_and_no_mask(sequences):
    return pad_sequence(sequences, batch_first=True, padding_value=1.0), None


# Exercise 5.3: attend sentence by sentence, cropped, and compare with one masked batch call


def _one_by_one(attention, query, keys, lengths, crop=True, at_the_end=False):
    B, S, Dk = keys.shape
    contexts, weights = torch.zeros(B, Dk, dtype=keys.dtype), torch.zeros(B, S, dtype=keys.dtype)
    for b in range(B):
        n = int(lengths[b])
        context, alpha = attention(query[b : b + 1], keys[b : b + 1, :n] if crop else keys[b : b + 1])
        contexts[b] = context[0]
        if not crop:
            weights[b] = alpha[0]
        elif at_the_end:
            weights[b, S - n :] = alpha[0]
        else:
            weights[b, :n] = alpha[0]
    return contexts, weights


def one_masked_batch_call(attention, query, keys, lengths):
    return attention(query, keys, mask=lengths_to_mask(lengths, keys.shape[1]))


def one_batch_call_without_the_mask(attention, query, keys, lengths):
    return attention(query, keys)


def not_cropped(attention, query, keys, lengths):
    return _one_by_one(attention, query, keys, lengths, crop=False)


def masked_instead_of_cropped(attention, query, keys, lengths):
    B, S, Dk = keys.shape
    mask = lengths_to_mask(lengths, S)
    contexts, weights = torch.zeros(B, Dk, dtype=keys.dtype), torch.zeros(B, S, dtype=keys.dtype)
    for b in range(B):
        context, alpha = attention(query[b : b + 1], keys[b : b + 1], mask=mask[b : b + 1])
        contexts[b], weights[b] = context[0], alpha[0]
    return contexts, weights


def weights_at_the_end_of_the_row(attention, query, keys, lengths):
    return _one_by_one(attention, query, keys, lengths, at_the_end=True)


def contexts_not_put_back(attention, query, keys, lengths):
    contexts, weights = _one_by_one(attention, query, keys, lengths)
    return torch.zeros_like(contexts), weights


# Other right answers


def mask_by_comparison(lengths, max_len):
    return torch.arange(max_len)[None, :] < lengths[:, None]


def pad_then_mask_from_the_lengths(sequences):
    padded = _padded(sequences)
    return padded, lengths_to_mask(torch.tensor([len(s) for s in sequences]), padded.shape[1])


def attend_sentence_by_sentence(attention, query, keys, lengths):
    return _one_by_one(attention, query, keys, lengths)


WRONG = [
    (check_make_mask, off_by_one, "off by one"),
    (check_make_mask, inverted, "the mask is inverted"),
    (check_make_mask, transposed, "the mask is transposed"),
    (check_make_mask, integer_mask, "should have dtype torch.bool"),
    (check_make_mask, columns_up_to_the_longest, "not the longest of these lengths"),
    (check_make_mask, calls_lengths_to_mask, "not with the package's lengths_to_mask"),
    (check_make_mask, loop_over_tolist, "asks for no Python loop"),
    (check_make_mask, loop_with_an_index, "asks for no Python loop"),
    (check_make_mask, loop_over_the_tensor, "asks for no Python loop"),
    (check_pad_batch, mask_from_nonzero_states, "not from padded != 0"),
    (check_pad_batch, mask_from_nonzero_features, "a single zero feature"),
    (check_pad_batch, padded_with_ones, "pad with zeros"),
    (check_pad_batch, time_first, "batch_first=True"),
    (check_pad_batch, integer_mask_of_the_batch, "should have dtype torch.bool"),
    (check_pad_batch, padded_with_ones_and_no_mask, "pad with zeros"),
    (check_one_by_one, one_masked_batch_call, "one sentence at a time"),
    (check_one_by_one, one_batch_call_without_the_mask, "one sentence at a time"),
    (check_one_by_one, not_cropped, "crop each sentence's keys to its own length"),
    (check_one_by_one, masked_instead_of_cropped, "call attention without a mask"),
    (check_one_by_one, weights_at_the_end_of_the_row, "they belong to its first L_b positions"),
    (check_one_by_one, contexts_not_put_back, "are still zero"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "05_batches"
RIGHT = [
    (check_make_mask, "make_mask"),
    (check_make_mask, mask_by_comparison),
    (check_pad_batch, "pad_batch"),
    (check_pad_batch, pad_then_mask_from_the_lengths),
    (check_one_by_one, "attend_one_by_one"),
    (check_one_by_one, attend_sentence_by_sentence),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_other_vectorised_masks_pass():
    assert_passes(check_make_mask, lambda n, s: n.view(-1, 1) > torch.arange(s))
    assert_passes(check_make_mask, lambda n, s: torch.ones(len(n), s).cumsum(dim=1) <= n[:, None])


def cropped_one_short(attention, query, keys, lengths):
    return _one_by_one(attention, query, keys, (lengths - 1).clamp(min=1))


def test_a_message_shows_values_that_differ():
    """The row and position printed are where expected and given differ most, not a row where they agree."""
    from wrong_answers import verdict

    message = verdict(check_one_by_one, cropped_one_short).message
    assert "most at row" in message
    shown = [line.split(":", 1)[1] for line in message.splitlines() if "expected:" in line or "given:" in line]
    expected, given = shown
    assert expected != given
