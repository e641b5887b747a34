"""Wrong answers a student would plausibly write for notebook 12, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.data import Vocab
from rnn_attention.exercises import check_beam_step, check_normalised_score

PAD, EOS = Vocab.PAD, Vocab.EOS

# Exercise 12.1: one beam step, scores (B, K), log_probs (B, K, V), finished (B, K) -> (scores, beams, tokens) (B, K)


def _candidates(scores, log_probs, finished):
    candidates = scores.unsqueeze(2) + log_probs  # (B, K, V)
    carried = torch.full_like(candidates, float("-inf"))
    carried[:, :, PAD] = scores
    return torch.where(finished.unsqueeze(2), carried, candidates)


def beam_step(scores, log_probs, finished):
    B, K, V = log_probs.shape
    top, index = _candidates(scores, log_probs, finished).reshape(B, K * V).topk(K, dim=1)
    return top, index // V, index % V


def beam_step_by_sorting(scores, log_probs, finished):
    """Also right: a sort instead of topk, and torch.div for the back-pointers."""
    B, K, V = log_probs.shape
    ordered, index = _candidates(scores, log_probs, finished).flatten(1).sort(dim=1, descending=True)
    index = index[:, :K]
    return ordered[:, :K], torch.div(index, V, rounding_mode="floor"), torch.remainder(index, V)


def best_per_beam(scores, log_probs, finished):
    best = _candidates(scores, log_probs, finished).max(dim=2)
    return best.values, torch.arange(scores.shape[1]).expand_as(scores), best.indices


def top_k_per_beam(scores, log_probs, finished):
    K = scores.shape[1]
    top = _candidates(scores, log_probs, finished).topk(K, dim=2)  # (B, K, K)
    return top.values, torch.arange(K).expand_as(scores), top.indices


def beam_and_token_swapped(scores, log_probs, finished):
    top, beams, tokens = beam_step(scores, log_probs, finished)
    V = log_probs.shape[2]
    return top, (beams * V + tokens) % V, (beams * V + tokens) // V


def divided_by_the_beam_size(scores, log_probs, finished):
    top, beams, tokens = beam_step(scores, log_probs, finished)
    index, K = beams * log_probs.shape[2] + tokens, scores.shape[1]
    return top, index // K, index % K


def back_pointer_divided_by_the_beam_size(scores, log_probs, finished):
    top, beams, tokens = beam_step(scores, log_probs, finished)
    index = beams * log_probs.shape[2] + tokens
    return top, index // scores.shape[1], tokens


def finished_extended(scores, log_probs, finished):
    return beam_step(scores, log_probs, torch.zeros_like(finished))


def scores_not_added(scores, log_probs, finished):
    return beam_step(torch.zeros_like(scores), log_probs, finished)


def worst_first(scores, log_probs, finished):
    top, beams, tokens = beam_step(scores, log_probs, finished)
    return top.flip(1), beams.flip(1), tokens.flip(1)


# Exercise 12.2: log p(Y | X) / ((5 + |Y|) / 6) ** alpha, token_log_probs (B, T), tokens (B, T) -> (B,)


def _lengths(tokens):
    is_eos = tokens == EOS
    return torch.where(is_eos.any(dim=1), is_eos.long().argmax(dim=1) + 1, tokens.shape[1])


def _total(token_log_probs, tokens):
    counted = torch.arange(tokens.shape[1]) < _lengths(tokens).unsqueeze(1)
    return (token_log_probs * counted).sum(dim=1)


def normalised_score(token_log_probs, tokens, length_penalty):
    return _total(token_log_probs, tokens) / ((5 + _lengths(tokens)) / 6) ** length_penalty


def normalised_score_with_a_loop(token_log_probs, tokens, length_penalty):
    """Also right: one output at a time."""
    out = []
    for row, log_probs in zip(tokens.tolist(), token_log_probs):
        n = row.index(EOS) + 1 if EOS in row else len(row)
        out.append(log_probs[:n].sum() / ((5 + n) / 6) ** length_penalty)
    return torch.stack(out)


def divided_by_the_length(token_log_probs, tokens, length_penalty):
    return _total(token_log_probs, tokens) / _lengths(tokens)


def eos_left_out_of_the_length(token_log_probs, tokens, length_penalty):
    n = _lengths(tokens) - (tokens == EOS).any(dim=1).long()
    return _total(token_log_probs, tokens) / ((5 + n) / 6) ** length_penalty


def penalty_multiplied(token_log_probs, tokens, length_penalty):
    return _total(token_log_probs, tokens) * ((5 + _lengths(tokens)) / 6) ** length_penalty


def penalty_to_minus_alpha(token_log_probs, tokens, length_penalty):
    return _total(token_log_probs, tokens) / ((5 + _lengths(tokens)) / 6) ** -length_penalty


def padding_summed(token_log_probs, tokens, length_penalty):
    return token_log_probs.sum(dim=1) / ((5 + _lengths(tokens)) / 6) ** length_penalty


def padded_width_as_length(token_log_probs, tokens, length_penalty):
    return _total(token_log_probs, tokens) / ((5 + tokens.shape[1]) / 6) ** length_penalty


def eos_log_prob_left_out(token_log_probs, tokens, length_penalty):
    n = _lengths(tokens)
    before_eos = torch.arange(tokens.shape[1]) < (n - (tokens == EOS).any(dim=1).long()).unsqueeze(1)
    return (token_log_probs * before_eos).sum(dim=1) / ((5 + n) / 6) ** length_penalty


def one_score_per_token(token_log_probs, tokens, length_penalty):
    return token_log_probs / ((5 + _lengths(tokens)) / 6).unsqueeze(1) ** length_penalty


WRONG = [
    (check_beam_step, best_per_beam, "each beam kept its own best continuation"),
    (check_beam_step, top_k_per_beam, "not per beam"),
    (check_beam_step, beam_and_token_swapped, "the back-pointer and the token are swapped"),
    (check_beam_step, divided_by_the_beam_size, "divided by the beam size K"),
    (check_beam_step, back_pointer_divided_by_the_beam_size, "the back-pointer divides by K"),
    (check_beam_step, finished_extended, "a finished hypothesis was extended"),
    (check_beam_step, scores_not_added, "plus the new token's log-probability"),
    (check_beam_step, worst_first, "best first"),
    (check_normalised_score, divided_by_the_length, "divided by |Y|"),
    (check_normalised_score, eos_left_out_of_the_length, "|Y| left EOS out"),
    (check_normalised_score, penalty_multiplied, "the penalty's sign is turned round"),
    (check_normalised_score, penalty_to_minus_alpha, "the penalty's sign is turned round"),
    (check_normalised_score, padding_summed, "the PAD positions"),
    (check_normalised_score, padded_width_as_length, "not the padded width T"),
    (check_normalised_score, eos_log_prob_left_out, "EOS's own log-probability was left out"),
    (check_normalised_score, one_score_per_token, "one score per output"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "12_decoding"
RIGHT = [
    (check_beam_step, "beam_step"),
    (check_beam_step, beam_step_by_sorting),
    (check_normalised_score, "normalised_score"),
    (check_normalised_score, normalised_score_with_a_loop),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
