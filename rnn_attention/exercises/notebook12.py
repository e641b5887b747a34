"""Checks of notebook 12 (decoding at test time): one step of beam search, and the length-normalised score.

Each check compares the student's function with a reference on small inputs
and recognises the plausible wrong answers by what they return, so the message
can name the mistake: a top-k per beam instead of over beam x vocabulary,
back-pointers from the wrong division, finished hypotheses extended; a score
divided by |Y|, EOS left out of |Y|, the penalty's sign turned round.
"""

from __future__ import annotations

import torch

from ..data import Vocab
from ..models.beam import length_penalty_factor, output_lengths
from .core import CheckFailed, CheckResult, call, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_beam_step", "check_normalised_score"]


def _candidates(scores, log_probs, finished, pad_idx):
    """(B, K, V): a hypothesis's score plus each token's log-prob; a finished one has one candidate, itself + PAD."""
    candidates = scores.unsqueeze(2) + log_probs  # (B, K, V)
    kept = torch.full_like(candidates, float("-inf"))
    kept[:, :, pad_idx] = scores  # the finished hypothesis itself, unchanged
    return torch.where(finished.unsqueeze(2), kept, candidates)


def _reference_beam_step(scores, log_probs, finished, pad_idx=Vocab.PAD):
    """Top K over all K x V candidates: (new scores (B, K), back-pointers (B, K), tokens (B, K)), best first."""
    B, K, V = log_probs.shape
    top, index = _candidates(scores, log_probs, finished, pad_idx).view(B, K * V).topk(K, dim=1)  # (B, K)
    return top, index // V, index % V


def _same_hypotheses(given, expected) -> bool:
    if not (isinstance(given, (tuple, list)) and len(given) == 3):
        return False
    if not all(isinstance(g, torch.Tensor) and g.shape == e.shape for g, e in zip(given, expected)):
        return False
    return (
        torch.allclose(given[0].double(), expected[0].double(), atol=1e-5)
        and torch.equal(given[1].long(), expected[1])
        and torch.equal(given[2].long(), expected[2])
    )


def check_beam_step(beam_step) -> CheckResult:
    """Exercise 12.1: one step of beam search over a batch, finished hypotheses carried over unchanged."""

    def cases():
        # a pencil case: one sentence, K = 2 hypotheses, V = 5 tokens (0 PAD, 1 SOS, 2 EOS, 3 "a", 4 "b")
        scores = torch.tensor([[-0.5, -1.0]])  # (B=1, K=2)
        # hypothesis 0 is strong in "a" and "b": both its extensions beat hypothesis 1's best, "b"
        log_probs = torch.log(torch.tensor([[[0.02, 0.02, 0.06, 0.5, 0.4], [0.01, 0.01, 0.18, 0.2, 0.6]]]))  # (1, 2, 5)
        yield "the pencil example (B=1, K=2, V=5)", scores, log_probs, torch.zeros(1, 2, dtype=torch.bool)
        generator = torch.Generator().manual_seed(12)
        for B, K, V in ((2, 3, 7), (3, 4, 6), (2, 2, 9)):
            scores = -torch.rand(B, K, generator=generator).mul(3).sort(dim=1, descending=True).values  # best first
            log_probs = torch.log_softmax(torch.randn(B, K, V, generator=generator) * 2, dim=-1)  # (B, K, V)
            finished = torch.zeros(B, K, dtype=torch.bool)
            finished[0, 0] = True  # the best hypothesis of sentence 0 has ended: its extensions would crowd the beam
            finished[-1, K - 1] = True
            yield f"B={B}, K={K}, V={V}, some hypotheses finished", scores, log_probs, finished

    def check(fn):
        for name, scores, log_probs, finished in cases():
            B, K, V = log_probs.shape
            expected = _reference_beam_step(scores, log_probs, finished)
            given = call(
                fn,
                scores.clone(),
                log_probs.clone(),
                finished.clone(),
                hints={
                    "selected index k out of range": "take the top K of the K x V candidates of each sentence, "
                    "(B, K * V), not of one beam's V",
                },
            )
            if _same_hypotheses(given, expected):
                continue
            if not (isinstance(given, (tuple, list)) and len(given) == 3):
                raise CheckFailed(
                    f"return three tensors (new scores, back-pointers, tokens), each (B, K) = {(B, K)}; "
                    f"got {type(given).__name__}"
                )
            for value, what in zip(given, ("new scores", "back-pointers", "tokens")):
                expect_shape(
                    value,
                    (B, K),
                    f"{what} for {name}",
                    {
                        (B, K * V): "keep only the top K candidates of each sentence",
                        (B, K, 1): "the top K over beam x vocabulary at once, not the best per beam",
                        (B, K, K): "the top K over beam x vocabulary at once (flatten to (B, K * V)), not per beam",
                    },
                )
            given = tuple(value.detach() for value in given)
            flat = _candidates(scores, log_probs, finished, Vocab.PAD).view(B, K * V)
            top, index = flat.topk(K, dim=1)
            per_beam = _candidates(scores, log_probs, finished, Vocab.PAD).max(dim=2)  # (B, K): each beam's best
            arange = torch.arange(K).expand(B, K)
            extended = (scores.unsqueeze(2) + log_probs).view(B, K * V).topk(K, dim=1)
            not_added = _reference_beam_step(torch.zeros_like(scores), log_probs, finished)
            wrong = {
                "each beam kept its own best continuation: take the top K over all K x V candidates of a sentence "
                "at once (flatten (B, K, V) to (B, K * V)), so that one strong hypothesis may take several places": (
                    per_beam.values,
                    arange,
                    per_beam.indices,
                ),
                "the back-pointer and the token are swapped: in the flattened (B, K * V) index, the beam is "
                "index // V and the token index % V": (top, index % V, index // V),
                f"divided by the beam size K = {K}: the flattened index is beam * V + token, so the beam is "
                f"index // V (V = {V}) and the token index % V": (top, index // K, index % K),
                f"the back-pointer divides by K = {K}: the beam is index // V (V = {V}), the token index % V": (
                    top,
                    index // K,
                    index % V,
                ),
                f"the token is index % K (K = {K}): the token is index % V (V = {V}), the beam index // V": (
                    top,
                    index // V,
                    index % K,
                ),
                "a finished hypothesis was extended: it ended with EOS, so it is carried over unchanged (its score "
                "as it is, token PAD), never followed by more tokens": (
                    extended.values,
                    extended.indices // V,
                    extended.indices % V,
                ),
                "the new scores are the tokens' log-probabilities alone: a candidate's score is its hypothesis's "
                "score plus the new token's log-probability": not_added,
            }
            name_the_mistake(tuple(given), expected, wrong, atol=1e-5)
            if torch.allclose(given[0].double(), expected[0].double(), atol=1e-5) and not torch.equal(
                given[1].long(), expected[1]
            ):
                raise CheckFailed(
                    f"for {name} the scores are right but the back-pointers differ:\n"
                    f"    expected: {expected[1].tolist()}\n    given:    {given[1].tolist()}"
                )
            if torch.allclose(given[0].double(), expected[0].double(), atol=1e-5):
                raise CheckFailed(
                    f"for {name} the scores and back-pointers are right but the tokens differ:\n"
                    f"    expected: {expected[2].tolist()}\n    given:    {given[2].tolist()}"
                )
            sorted_given = given[0].double().sort(dim=1, descending=True).values
            if torch.allclose(sorted_given, expected[0].double(), atol=1e-5):
                raise CheckFailed(
                    f"for {name} these are the right K candidates in another order: return them best "
                    "first, as topk does"
                )
            expect_close(given[0], expected[0], f"new scores for {name}")
        return (
            "the top K of the K x V candidates, back-pointers index // V, tokens index % V, finished "
            "hypotheses carried over unchanged."
        )

    return run_check("Exercise 12.1", check, beam_step)


def _reference_score(token_log_probs, tokens, length_penalty, eos_idx=Vocab.EOS):
    """log p(Y | X) / lp(Y): the log-probs summed up to and including EOS, lp from |Y| counting EOS (B,)."""
    B, T = tokens.shape
    lengths = output_lengths(tokens, eos_idx)  # (B,)
    counted = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)
    total = token_log_probs.masked_fill(~counted, 0.0).sum(dim=1)  # (B,)
    return total / length_penalty_factor(lengths, length_penalty).to(total.dtype)


def _lp(lengths, alpha):
    """lp(Y) in float64, as the check's numbers are."""
    return length_penalty_factor(lengths, alpha).double()


def check_normalised_score(normalised_score) -> CheckResult:
    """Exercise 12.2: Wu et al. (2016)'s score log p(Y | X) / ((5 + |Y|) / 6) ** alpha for a batch of outputs."""

    def cases():
        eos, pad = Vocab.EOS, Vocab.PAD
        # a pencil case: "a b EOS" with probabilities 1/2, 1/2, 1/2 -> log p = -3 log 2, |Y| = 3, lp = (8/6)^alpha
        tokens = torch.tensor([[4, 5, eos, pad, pad]])
        token_log_probs = torch.log(
            torch.tensor([[0.5, 0.5, 0.5, 0.9, 0.9]], dtype=torch.float64)
        )  # after EOS: whatever came out
        yield "the pencil example (a b EOS, each with probability 1/2)", token_log_probs, tokens, 1.0
        generator = torch.Generator().manual_seed(122)
        tokens = torch.tensor(
            [
                [4, 7, 5, eos, pad, pad, pad],
                [6, eos, pad, pad, pad, pad, pad],
                [5, 5, 6, 7, 4, 6, eos],
                [4, 4, 4, 4, 4, 4, 4],  # never ended: all T = 7 tokens count
            ]
        )
        for alpha in (0.6, 2.0, -0.5):
            token_log_probs = -torch.rand(4, 7, generator=generator, dtype=torch.float64) * 2  # (B, T)
            yield (
                f"four outputs of lengths 4, 2, 7 (ends with EOS) and 7 (no EOS), alpha = {alpha}",
                token_log_probs,
                tokens,
                alpha,
            )

    def check(fn):
        for name, token_log_probs, tokens, alpha in cases():
            B, T = tokens.shape
            given = call(fn, token_log_probs.clone(), tokens.clone(), alpha)
            expected = _reference_score(token_log_probs, tokens, alpha)
            what = f"scores for {name}"
            expect_shape(
                given,
                (B,),
                what,
                {
                    (B, T): "one score per output: sum over the tokens, (B,)",
                    (B, 1): "one score per output, (B,): squeeze the length-1 axis",
                },
            )
            lengths = output_lengths(tokens, Vocab.EOS)
            counted = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
            total = token_log_probs.masked_fill(~counted, 0.0).sum(dim=1)
            ends = (tokens == Vocab.EOS).any(dim=1)

            eos_log_prob = torch.where(ends, token_log_probs.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1), 0.0)
            without_eos = torch.where(ends, lengths - 1, lengths)  # |Y| with EOS left out
            sign = (
                f"the penalty's sign is turned round: divide by lp(Y) = ((5 + |Y|) / 6) ** alpha with alpha = {alpha}, "
                "do not multiply (or raise to -alpha); with log-probabilities below 0, a larger alpha should make "
                "long outputs' scores less negative"
            )
            wrong = {
                "divided by |Y|: that is the mean log-probability per token; Wu et al. divide by "
                "lp(Y) = ((5 + |Y|) / 6) ** alpha": total / lengths,
                "divided by |Y| ** alpha: Wu et al.'s lp(Y) is ((5 + |Y|) / 6) ** alpha": total / lengths**alpha,
                "|Y| left EOS out: the output's length counts its EOS (it is a token the model chose)": (
                    total / _lp(without_eos, alpha)
                ),
                sign: total * _lp(lengths, alpha),
                "EOS's own log-probability was left out of the sum: it counts, up to and including EOS": (
                    (total - eos_log_prob) / _lp(lengths, alpha)
                ),
                "the log-probabilities after EOS (the PAD positions) were summed too: only the tokens up to and "
                "including EOS count": token_log_probs.sum(dim=1) / _lp(lengths, alpha),
                f"|Y| is each output's own length up to and including EOS, not the padded width T = {T}": (
                    total / _lp(torch.full_like(lengths, T), alpha)
                ),
                "the penalty was left out: divide the summed log-probability by lp(Y) = ((5 + |Y|) / 6) ** alpha": (
                    total
                ),
            }
            name_the_mistake(given, expected, wrong, atol=1e-6)
            expect_close(given, expected, what, atol=1e-6)
        return "log p(Y | X) / ((5 + |Y|) / 6) ** alpha with |Y| counting EOS, for alpha = 1, 0.6, 2 and -0.5."

    return run_check("Exercise 12.2", check, normalised_score)
