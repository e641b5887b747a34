"""Batched beam search with Wu et al. (2016)'s length penalty, and the teacher-forced score it is measured against.

Introduced in notebook 12.

Greedy decoding keeps one hypothesis per sentence; beam search keeps the
`beam_size` best partial outputs ("alive" hypotheses) and, at every step,
extends each by every token of the vocabulary, then keeps the best of the
beam x vocabulary candidates (one top-k over K*V numbers, with back-pointers
`beam = index // V`, `token = index % V`). A candidate that ends in EOS leaves
the beam: it is kept aside as a finished hypothesis and is never extended.

Rules (vectorised over batch and beam; no loop over sentences or hypotheses):

- at each step take the top 2K candidates by their summed log-probability;
  those ending in EOS among the first K are finished (as in fairseq and
  joeynmt); the first K that do not end in EOS are the new alive beam, so the
  beam always holds K hypotheses;
- finished hypotheses are compared by their length-normalised score
  score(Y) = log p(Y | X) / lp(Y),  lp(Y) = ((5 + |Y|) / 6) ** length_penalty
  (Wu et al. 2016, section 7), |Y| counting EOS, and the best is kept;
- a sentence is done when no alive hypothesis can still beat that best one: a
  log-probability only falls as tokens are added, so the most an alive
  hypothesis can reach is its score now over the largest lp of a length still
  to come. Stopping as soon as K hypotheses have finished (fairseq's default)
  is cheaper but returns, now and then, a worse output than greedy decoding;
- after max_len steps, the alive hypotheses (max_len tokens, no EOS) compete too.

beam_size=1 with length_penalty=0 is greedy decoding exactly: the best
candidate, if it is EOS, finishes the sentence, and nothing alive can beat it.
With a length penalty, even a beam of 1 may go on past greedy's EOS. A larger
length_penalty divides long hypotheses by more, which makes their (negative)
scores less negative: it favours *longer* outputs.

Every sentence's search is independent of the others in the batch: a batch
gives what each sentence gives alone (to float rounding).

Shapes: B batch, K beam size, S source length, T output length, H decoder state
size, V vocabulary size.
"""

from __future__ import annotations

import torch

from ..masking import lengths_to_mask

__all__ = ["beam_search", "length_penalty_factor", "sequence_log_probs", "output_lengths"]


def length_penalty_factor(lengths, length_penalty: float) -> torch.Tensor:
    """lp(Y) = ((5 + |Y|) / 6) ** length_penalty (Wu et al. 2016, section 7); |Y| counts EOS.

    A hypothesis's normalised score is its log-probability divided by lp(Y).
    Log-probabilities are negative, so a larger length_penalty (alpha > 0)
    divides long hypotheses by more and makes their score less negative: it
    favours *longer* outputs; alpha = 0 gives lp = 1, the raw log-probability.
    """
    lengths = torch.as_tensor(lengths)
    return ((5.0 + lengths.double()) / 6.0).pow(float(length_penalty)).to(torch.get_default_dtype())


def output_lengths(tokens: torch.Tensor, eos_idx: int) -> torch.Tensor:
    """|Y| of each row of tokens (B, T) as decoding returns them: up to and including the first EOS, else T (B,)."""
    is_eos = tokens == eos_idx  # (B, T)
    first = is_eos.long().argmax(dim=1) + 1  # (B,): position of the first EOS, counted from 1
    return torch.where(is_eos.any(dim=1), first, torch.full_like(first, tokens.shape[1]))  # (B,)


@torch.no_grad()
def sequence_log_probs(model, src, src_lengths, tokens) -> torch.Tensor:
    """The model's teacher-forced log p(Y | X) of each row of tokens (B, T): summed up to and including EOS (B,).

    tokens are laid out as greedy_decode and beam_search return them (EOS, then
    PAD); a row without EOS counts all T tokens. Pass a reference target the
    same way (its tokens then EOS) to get the model's score of the reference.
    """
    B, T = tokens.shape
    sos = torch.full((B, 1), model.sos_idx, dtype=torch.long, device=tokens.device)
    tgt_in = torch.cat([sos, tokens[:, :-1]], dim=1)  # (B, T): SOS, y_1 .. y_{T-1}
    logits = model(src, src_lengths, tgt_in)  # (B, T, V)
    log_probs = torch.log_softmax(logits.float(), dim=-1).gather(2, tokens.unsqueeze(2)).squeeze(2)  # (B, T)
    counted = lengths_to_mask(output_lengths(tokens, model.eos_idx), T)  # (B, T)
    return log_probs.masked_fill(~counted, 0.0).sum(dim=1)  # (B,)


def _check_arguments(src, src_lengths, max_len, beam_size, length_penalty) -> None:
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_size must be an int >= 1, got {beam_size!r}")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be an int >= 1 (the most tokens an output may have), got {max_len!r}")
    try:
        length_penalty = float(length_penalty)
    except (TypeError, ValueError):
        raise ValueError(f"length_penalty must be a number, got {length_penalty!r}") from None
    if not torch.isfinite(torch.tensor(length_penalty)):
        raise ValueError(f"length_penalty must be a finite number, got {length_penalty!r}")
    if not isinstance(src, torch.Tensor) or src.dim() != 2:
        shape = tuple(src.shape) if isinstance(src, torch.Tensor) else type(src).__name__
        raise ValueError(f"src must be a (B, S) tensor of token ids, got {shape}")
    if not isinstance(src_lengths, torch.Tensor) or src_lengths.dim() != 1 or src_lengths.shape[0] != src.shape[0]:
        shape = tuple(src_lengths.shape) if isinstance(src_lengths, torch.Tensor) else type(src_lengths).__name__
        raise ValueError(
            f"src_lengths must have shape (B,) = ({src.shape[0]},) for src of shape {tuple(src.shape)}, got {shape}"
        )
    if src.shape[0] and (int(src_lengths.min()) < 1 or int(src_lengths.max()) > src.shape[1]):
        raise ValueError(f"src_lengths must lie between 1 and S = {src.shape[1]}, got {src_lengths.tolist()}")


@torch.no_grad()
def beam_search(
    model, src, src_lengths, max_len: int, beam_size: int = 4, length_penalty: float = 0.0, trace: list | None = None
):
    """Beam search with `model` (a Seq2Seq): (tokens (B, T), scores (B,)).

    tokens are laid out as greedy_decode returns them (EOS included, PAD after
    it, T the longest output); scores are log p(Y | X) / lp(Y), the sum of the
    chosen tokens' log-probabilities up to and including EOS (or of the max_len
    tokens when the output never ends) divided by length_penalty_factor.

    trace, if a list, receives one dict per step: "tokens" (B, K, t) and
    "scores" (B, K) of the alive hypotheses after the step, "finished" (B, K)
    True where a candidate ending in EOS was kept aside at this step, with its
    "finished_scores" (B, K, normalised; -inf elsewhere), and "done" (B,).
    """
    _check_arguments(src, src_lengths, max_len, beam_size, length_penalty)
    K, device = beam_size, src.device
    B = src.shape[0]
    eos, pad = model.eos_idx, model.pad_idx
    decoder = model.decoder

    enc_outputs, final = model.encoder(src, src_lengths)  # (B, S, 2h), (B, 2h)
    src_mask = lengths_to_mask(src_lengths.to(device), src.shape[1])  # (B, S)
    dec_state = decoder.init_state(enc_outputs, final, src_mask)  # (B, H)
    projected_keys = decoder.project_keys(enc_outputs)  # (B, S, A) or None

    # every hypothesis is a row b * K + k of the decoder's batch: repeat each sentence's encoding K times
    def beams(x):
        return None if x is None else x.repeat_interleave(K, dim=0)  # (B*K, ...)

    enc_outputs, src_mask, dec_state, projected_keys = map(beams, (enc_outputs, src_mask, dec_state, projected_keys))
    attn_weights = None  # alpha_0: the context module's own first-step convention (the same for every beam)

    y_prev = torch.full((B * K,), model.sos_idx, dtype=torch.long, device=device)  # (B*K,)
    alive_scores = torch.full((B, K), float("-inf"), device=device)  # (B, K): summed log-probabilities
    alive_scores[:, 0] = 0.0  # one empty hypothesis to start from, so the first step has no duplicates
    alive_tokens = torch.empty(B, K, 0, dtype=torch.long, device=device)  # (B, K, t)
    rows = torch.arange(B, device=device).unsqueeze(1)  # (B, 1)

    best_score = torch.full((B,), float("-inf"), device=device)  # (B,): normalised
    best_tokens = torch.full((B, max_len), pad, dtype=torch.long, device=device)  # (B, max_len)
    best_length = torch.zeros(B, dtype=torch.long, device=device)  # (B,)
    done = torch.zeros(B, dtype=torch.bool, device=device)  # (B,)

    for step in range(max_len):
        length = step + 1  # |Y| of a hypothesis that ends at this step
        logits, dec_state, attn_weights = decoder.step(
            y_prev, dec_state, enc_outputs, src_mask, projected_keys, attn_weights
        )  # (B*K, V), (B*K, H), (B*K, S) or None
        V = logits.shape[-1]
        log_probs = torch.log_softmax(logits.float(), dim=-1).view(B, K, V)  # (B, K, V)
        candidates = (alive_scores.unsqueeze(2) + log_probs).view(B, K * V)  # (B, K*V)
        top_scores, top_index = candidates.topk(min(2 * K, K * V), dim=1)  # (B, 2K), best first
        top_beam, top_token = top_index // V, top_index % V  # (B, 2K): back-pointer and token
        is_eos = top_token == eos  # (B, 2K)

        # finished: candidates ending in EOS among the first K, kept aside and never extended
        first_k = is_eos[:, :K] & torch.isfinite(top_scores[:, :K]) & ~done.unsqueeze(1)  # (B, K)
        normalised = top_scores[:, :K] / length_penalty_factor(length, length_penalty)  # (B, K)
        finished_scores = normalised.masked_fill(~first_k, float("-inf"))  # (B, K)
        step_best, step_which = finished_scores.max(dim=1)  # (B,), (B,): the first of equal ones
        better = step_best > best_score  # (B,): a strict improvement replaces the kept output
        if bool(better.any()):
            beam_of_best = top_beam[:, :K].gather(1, step_which.unsqueeze(1)).squeeze(1)  # (B,)
            history = alive_tokens[rows.squeeze(1), beam_of_best]  # (B, step)
            ended = torch.cat([history, torch.full((B, 1), eos, dtype=torch.long, device=device)], dim=1)  # (B, t)
            ended = torch.cat([ended, ended.new_full((B, max_len - length), pad)], dim=1)  # (B, max_len)
            best_tokens = torch.where(better.unsqueeze(1), ended, best_tokens)
            best_score = torch.where(better, step_best, best_score)
            best_length = torch.where(better, torch.full_like(best_length, length), best_length)

        # alive: the first K candidates that do not end in EOS (there are at least K among 2K: one EOS per beam)
        order = torch.arange(top_index.shape[1], device=device) + is_eos * top_index.shape[1]  # (B, 2K): EOS last
        keep = order.argsort(dim=1)[:, :K]  # (B, K): positions among the 2K, best first
        beam_index = top_beam.gather(1, keep)  # (B, K): which alive hypothesis each new one extends
        new_tokens = top_token.gather(1, keep)  # (B, K)
        alive_scores = top_scores.gather(1, keep)  # (B, K)
        alive_tokens = torch.cat([alive_tokens[rows, beam_index], new_tokens.unsqueeze(2)], dim=2)  # (B, K, t)

        # the decoder's state follows the beams: row b*K + k now continues row b*K + beam_index[b, k]
        flat = (rows * K + beam_index).view(-1)  # (B*K,)
        dec_state = dec_state[flat]  # (B*K, H)
        if attn_weights is not None:
            attn_weights = attn_weights[flat]  # (B*K, S): alpha_i, read by location-aware attention
        y_prev = new_tokens.view(-1)  # (B*K,)
        # done: no alive hypothesis can still beat the best finished one. Its log-probability can only fall,
        # so the best it can reach is its score now divided by the largest lp of a length still to come
        if length < max_len:
            largest_lp = max(
                float(length_penalty_factor(length + 1, length_penalty)),
                float(length_penalty_factor(max_len, length_penalty)),
            )
            done = done | (best_score >= alive_scores[:, 0] / largest_lp)  # (B,): alive_scores[:, 0] is the best

        if trace is not None:
            trace.append(
                {
                    "tokens": alive_tokens.clone(),
                    "scores": alive_scores.clone(),
                    "finished": first_k,
                    "finished_scores": finished_scores,
                    "done": done.clone(),
                }
            )
        if bool(done.all()):
            break

    # sentences that are not done after max_len steps: their alive hypotheses (no EOS) compete too
    open_ = ~done
    if bool(open_.any()):
        alive_normalised = alive_scores[:, 0] / length_penalty_factor(alive_tokens.shape[2], length_penalty)  # (B,)
        better = open_ & (alive_normalised > best_score) & (alive_tokens.shape[2] == max_len)  # (B,)
        if bool(better.any()):
            best_tokens = torch.where(better.unsqueeze(1), alive_tokens[:, 0], best_tokens)
            best_score = torch.where(better, alive_normalised, best_score)
            best_length = torch.where(better, torch.full_like(best_length, max_len), best_length)
    T = max(int(best_length.max()), 1) if B else 1
    return best_tokens[:, :T], best_score
