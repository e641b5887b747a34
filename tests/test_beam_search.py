"""Seq2Seq.beam_search: greedy at beam size 1, batch-independent, scored as the model scores its output, every kind.

The models are tiny and trained for a few dozen steps on a copy task (about a
second each), so that their outputs end at different places and greedy
decoding still makes mistakes that a beam can fix.
"""

import functools

import pytest
import torch

from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import Seq2Seq, attention_kinds, build_model
from rnn_attention.models.beam import beam_search, length_penalty_factor, output_lengths, sequence_log_probs

pytestmark = pytest.mark.usefixtures("one_thread")

V, PAD, SOS, EOS, MAX_SRC, MAX_LEN = 10, 0, 1, 2, 7, 10


def copy_batch(n, seed, max_src=MAX_SRC):
    """n random sources over tokens 4..V-1, 1 to max_src long (PAD after), with their copies + EOS as targets."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_src + 1, (n,), generator=g)
    src = torch.randint(4, V, (n, int(lengths.max())), generator=g).masked_fill(~lengths_to_mask(lengths), PAD)
    tgt = torch.cat([src, torch.full((n, 1), PAD)], dim=1)
    tgt[torch.arange(n), lengths] = EOS
    return src, lengths, tgt


@functools.cache
def trained(kind: str, steps: int = 40, decoder: str = "bahdanau") -> Seq2Seq:
    """A tiny model of `kind` trained for `steps` Adam steps on the copy task: under-trained on purpose."""
    torch.manual_seed(0)
    cfg = dict(emb_size=8, hidden_size=16, attn_size=8, attention=kind, location_max_len=12, decoder=decoder)
    model = build_model(V, V, cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for step in range(steps):
        src, lengths, tgt = copy_batch(32, seed=1000 + step)
        tgt_in = torch.cat([torch.full((tgt.shape[0], 1), SOS), tgt[:, :-1]], dim=1)
        logits = model(src, lengths, tgt_in)  # (B, T, V)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def teacher_forced_log_prob(model, src, lengths, tokens):
    """log p(Y | X) of each row, written out here (not the package's sequence_log_probs): up to the first EOS."""
    tgt_in = torch.cat([torch.full((tokens.shape[0], 1), SOS), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        log_probs = torch.log_softmax(model(src, lengths, tgt_in), dim=-1)  # (B, T, V)
    total = []
    for b in range(tokens.shape[0]):
        row, score = tokens[b].tolist(), 0.0
        for t, token in enumerate(row):
            score += float(log_probs[b, t, token])
            if token == EOS:
                break
        total.append(score)
    return torch.tensor(total, dtype=torch.float64)


def lengths_of(tokens):
    """|Y| of each row: up to and including the first EOS, else all of it."""
    out = []
    for row in tokens.tolist():
        out.append(row.index(EOS) + 1 if EOS in row else len(row))
    return out


def one_hypothesis_at_a_time(model, src, length, max_len, beam_size, length_penalty):
    """The same search written the slow way, for one sentence: a list of hypotheses, each with its own decoder
    state and its own previous weights, so nothing needs reordering. Returns (tokens list, score)."""
    decoder = model.decoder
    with torch.no_grad():
        enc_outputs, final = model.encoder(src, length)
        mask = lengths_to_mask(length, src.shape[1])
        projected_keys = decoder.project_keys(enc_outputs)
        alive = [(0.0, [], decoder.init_state(enc_outputs, final, mask), None)]  # (score, tokens, s, alpha)
        best_score, best_tokens = float("-inf"), None

        def lp(n):
            return ((5 + n) / 6) ** length_penalty

        for step in range(max_len):
            candidates = []
            for score, tokens, state, weights in alive:
                y_prev = torch.tensor([tokens[-1] if tokens else SOS])
                logits, new_state, new_weights = decoder.step(y_prev, state, enc_outputs, mask, projected_keys, weights)
                log_probs = torch.log_softmax(logits[0], dim=-1)
                for token in range(log_probs.shape[0]):
                    candidates.append((score + float(log_probs[token]), tokens + [token], new_state, new_weights))
            candidates.sort(key=lambda c: -c[0])
            candidates = candidates[: 2 * beam_size]
            for score, tokens, _, _ in candidates[:beam_size]:
                if tokens[-1] == EOS and score / lp(step + 1) > best_score:
                    best_score, best_tokens = score / lp(step + 1), tokens
            alive = [c for c in candidates if c[1][-1] != EOS][:beam_size]
            if step + 1 < max_len and best_score >= alive[0][0] / max(lp(step + 2), lp(max_len)):
                return best_tokens, best_score
        if alive[0][0] / lp(max_len) > best_score:
            return alive[0][1], alive[0][0] / lp(max_len)
        return best_tokens, best_score


@pytest.mark.parametrize("decoder", ["bahdanau", "luong"])
@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("beam_size, length_penalty", [(3, 0.0), (4, 1.5)])
def test_the_batched_search_is_the_search_written_one_hypothesis_at_a_time(kind, beam_size, length_penalty, decoder):
    """Catches a decoder state (Luong's: [s_i; h~_i]) or, for location_aware, alpha_{i-1} not following its beam."""
    model = trained(kind, decoder=decoder)
    src, lengths, _ = copy_batch(6, seed=9)
    tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=beam_size, length_penalty=length_penalty)
    for b, n in enumerate(lengths.tolist()):
        expected, score = one_hypothesis_at_a_time(
            model, src[b : b + 1, :n], lengths[b : b + 1], MAX_LEN, beam_size, length_penalty
        )
        assert tokens[b, : len(expected)].tolist() == expected and (tokens[b, len(expected) :] == PAD).all()
        assert abs(float(scores[b]) - score) <= 1e-4, f"sentence {b}: {float(scores[b])} != {score}"


@pytest.mark.parametrize("decoder", ["bahdanau", "luong"])
@pytest.mark.parametrize("kind", attention_kinds())
def test_beam_of_one_is_greedy(kind, decoder):
    model = trained(kind, decoder=decoder)
    src, lengths, _ = copy_batch(48, seed=1)
    greedy, _ = model.greedy_decode(src, lengths, MAX_LEN)
    tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=1)
    assert torch.equal(tokens, greedy)
    expected = teacher_forced_log_prob(model, src, lengths, greedy)
    torch.testing.assert_close(scores.double(), expected, atol=1e-3, rtol=0)


@pytest.mark.parametrize("kind", attention_kinds())
def test_tokens_are_laid_out_as_greedy_lays_them_out(kind):
    """EOS included, PAD after it, T the longest output; a row that never ends has max_len tokens."""
    model = trained(kind)
    src, lengths, _ = copy_batch(24, seed=2)
    for max_len in (1, 3, MAX_LEN):
        tokens, scores = model.beam_search(src, lengths, max_len, beam_size=3, length_penalty=0.5)
        assert tokens.dtype == torch.long and scores.shape == (24,) and torch.isfinite(scores).all()
        out = lengths_of(tokens)
        assert tokens.shape == (24, max(out)) and max(out) <= max_len
        for row, n in zip(tokens.tolist(), out):
            assert EOS not in row[: n - 1] and all(token == PAD for token in row[n:])
            assert row[n - 1] == EOS or n == max_len


@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("beam_size, length_penalty", [(4, 0.0), (3, 1.0)])
def test_a_batch_gives_what_each_sentence_gives_alone(kind, beam_size, length_penalty):
    model = trained(kind)
    src, lengths, _ = copy_batch(10, seed=3)
    tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=beam_size, length_penalty=length_penalty)
    for b, n in enumerate(lengths.tolist()):
        alone, score = model.beam_search(
            src[b : b + 1, :n], lengths[b : b + 1], MAX_LEN, beam_size=beam_size, length_penalty=length_penalty
        )
        T = alone.shape[1]
        assert torch.equal(tokens[b, :T], alone[0]) and (tokens[b, T:] == PAD).all(), f"sentence {b}"
        assert abs(float(scores[b]) - float(score[0])) <= 1e-4, f"sentence {b}"


@pytest.mark.parametrize("decoder", ["bahdanau", "luong"])
@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("beam_size, length_penalty", [(2, 0.0), (4, 0.6), (5, 2.0), (3, -0.5)])
def test_the_score_is_the_models_own_log_prob_over_the_length_penalty(kind, beam_size, length_penalty, decoder):
    """Also what catches a decoder state (or, for location_aware, alpha_{i-1}) not reordered with the beams."""
    model = trained(kind, decoder=decoder)
    src, lengths, _ = copy_batch(32, seed=4)
    tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=beam_size, length_penalty=length_penalty)
    lp = torch.tensor([((5 + n) / 6) ** length_penalty for n in lengths_of(tokens)], dtype=torch.float64)
    expected = teacher_forced_log_prob(model, src, lengths, tokens) / lp
    torch.testing.assert_close(scores.double(), expected, atol=1e-3, rtol=0)
    # the package's own helpers say the same
    package = sequence_log_probs(model, src, lengths, tokens) / length_penalty_factor(
        output_lengths(tokens, EOS), length_penalty
    )
    torch.testing.assert_close(package.double(), expected, atol=1e-3, rtol=0)


@pytest.mark.parametrize("kind", ["additive", "location_aware", "none"])
def test_a_beam_finds_outputs_at_least_as_likely_as_greedy_here(kind):
    """Not a theorem (a beam can prune greedy's path), but what this search gives on these models, sentence by
    sentence; stopping once K hypotheses have finished instead (fairseq's default) fails it."""
    model = trained(kind)
    src, lengths, _ = copy_batch(64, seed=5)
    greedy, _ = model.greedy_decode(src, lengths, MAX_LEN)
    greedy_scores = teacher_forced_log_prob(model, src, lengths, greedy)
    _, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=4)
    assert (scores.double() >= greedy_scores - 1e-4).all()
    assert float(scores.mean()) > float(greedy_scores.mean())  # the beam fixes some of greedy's choices


def test_a_larger_length_penalty_never_gives_shorter_outputs_on_average():
    model = trained("additive", steps=20)
    src, lengths, _ = copy_batch(64, seed=6)
    means = []
    for length_penalty in (-1.0, 0.0, 0.5, 1.0, 2.0, 4.0):
        tokens, _ = model.beam_search(src, lengths, MAX_LEN, beam_size=4, length_penalty=length_penalty)
        means.append(sum(lengths_of(tokens)) / len(lengths_of(tokens)))
    assert all(a <= b for a, b in zip(means, means[1:])), means
    assert means[-1] > means[0], means  # and the penalty does change something on this model


def test_one_decoder_step_per_output_step_for_the_whole_batch_and_beam():
    """Vectorised: the decoder runs once per output step, whatever the batch size and the beam size."""
    model = trained("location_aware")
    src, lengths, _ = copy_batch(16, seed=7)
    calls = []
    step = model.decoder.step

    def counted(y_prev, *args):
        calls.append(y_prev.shape[0])
        return step(y_prev, *args)

    model.decoder.step = counted
    try:
        tokens, _ = model.beam_search(src, lengths, MAX_LEN, beam_size=4, length_penalty=1.0)
    finally:
        del model.decoder.step
    assert 1 <= len(calls) <= MAX_LEN and set(calls) == {16 * 4}


def test_trace_shows_the_alive_hypotheses_of_each_step():
    model = trained("additive")
    src, lengths, _ = copy_batch(3, seed=8)
    trace = []
    tokens, scores = beam_search(model, src, lengths, MAX_LEN, beam_size=4, trace=trace)
    assert 1 <= len(trace) <= MAX_LEN
    for t, record in enumerate(trace, start=1):
        assert record["tokens"].shape == (3, 4, t) and record["scores"].shape == (3, 4)
        assert (record["scores"][:, :-1] >= record["scores"][:, 1:]).all()  # best first
        assert not (record["tokens"] == EOS).any()  # finished hypotheses are not extended
    assert trace[-1]["done"].all() or len(trace) == MAX_LEN


@pytest.mark.parametrize(
    "arguments, phrases",
    [
        (dict(beam_size=0), ["beam_size must be an int >= 1", "got 0"]),
        (dict(beam_size=2.5), ["beam_size must be an int >= 1", "got 2.5"]),
        (dict(max_len=0), ["max_len must be an int >= 1", "got 0"]),
        (dict(src_lengths=torch.tensor([3, 2])), ["src_lengths must have shape (B,) = (3,)", "got (2,)"]),
        (dict(src_lengths=torch.tensor([[3, 2, 1]])), ["src_lengths must have shape (B,) = (3,)", "got (1, 3)"]),
        (dict(src=torch.tensor([4, 5, 6])), ["src must be a (B, S) tensor", "got (3,)"]),
        (dict(src_lengths=torch.tensor([3, 0, 1])), ["between 1 and S = 3", "got [3, 0, 1]"]),
        (dict(length_penalty=float("nan")), ["length_penalty must be a finite number", "got nan"]),
    ],
)
def test_bad_arguments_say_what_was_expected_and_what_was_given(arguments, phrases):
    model = trained("additive")
    call = dict(
        src=torch.tensor([[4, 5, 6], [7, 8, 0], [9, 0, 0]]),
        src_lengths=torch.tensor([3, 2, 1]),
        max_len=5,
        beam_size=2,
        length_penalty=0.0,
    )
    call.update(arguments)
    with pytest.raises(ValueError) as error:
        model.beam_search(call.pop("src"), call.pop("src_lengths"), **call)
    for phrase in phrases:
        assert phrase in str(error.value)


def sharpened_location_aware(seed):
    """An untrained location_aware model whose weights alpha_i differ a lot between hypotheses (in the trained copy
    models every hypothesis attends to about the same place at step i, so a missing reorder would go unseen)."""
    torch.manual_seed(seed)
    model = build_model(V, V, dict(emb_size=8, hidden_size=16, attn_size=8, attention="location_aware")).eval()
    with torch.no_grad():
        attention = model.decoder.attention
        for weight, factor in (
            (attention.W.weight, 6),
            (attention.U.weight, 6),
            (attention.F.weight, 3),
            (attention.w.weight, 4),
            (model.decoder.embedding.weight, 3),
            (model.decoder.output.weight, 3),
        ):
            weight.mul_(factor)
    return model


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_the_previous_weights_follow_their_beam(length_penalty):
    model = sharpened_location_aware(seed=1)
    src, lengths, _ = copy_batch(8, seed=4)
    tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=4, length_penalty=length_penalty)
    lp = torch.tensor([((5 + n) / 6) ** length_penalty for n in lengths_of(tokens)], dtype=torch.float64)
    expected = teacher_forced_log_prob(model, src, lengths, tokens) / lp
    torch.testing.assert_close(scores.double(), expected, atol=1e-4, rtol=0)
    for b, n in enumerate(lengths.tolist()):
        alone, score = one_hypothesis_at_a_time(
            model, src[b : b + 1, :n], lengths[b : b + 1], MAX_LEN, 4, length_penalty
        )
        assert tokens[b, : len(alone)].tolist() == alone and abs(float(scores[b]) - score) <= 1e-4
