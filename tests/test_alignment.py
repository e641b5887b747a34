"""Tests of rnn_attention.alignment: AER and alignment accuracy, against numbers computed by hand."""

import pytest
import torch

from rnn_attention.alignment import alignment_accuracy, alignment_error_rate, alignment_links, predicted_alignments

COPY_GOLD = [[{0}, {1}, {2}]]  # copy "123"


def test_a_perfect_alignment_has_aer_0_and_accuracy_1():
    assert alignment_error_rate(COPY_GOLD, COPY_GOLD) == 0.0
    assert alignment_accuracy(COPY_GOLD, COPY_GOLD) == 1.0


def test_a_disjoint_alignment_has_aer_1_and_accuracy_0():
    assert alignment_error_rate([[{2}, {0}, {1}]], COPY_GOLD) == 1.0
    assert alignment_accuracy([[{2}, {0}, {1}]], COPY_GOLD) == 0.0


def test_two_of_three_links_right():
    # A = {(0,0), (1,1), (2,1)}, G = {(0,0), (1,1), (2,2)}: |A n G| = 2, AER = 1 - 4/6
    assert alignment_error_rate([[{0}, {1}, {1}]], COPY_GOLD) == pytest.approx(1 / 3)
    assert alignment_accuracy([[0, 1, 1]], COPY_GOLD) == pytest.approx(2 / 3)  # plain ints are accepted too


def test_a_gold_word_of_several_positions():
    # a month word at 0..2, a digit at 4; the model looks at 1 (in the word) and 3 (beside the digit)
    gold = [[{0, 1, 2}, {4}]]
    # A = {(0,1), (1,3)}, G = {(0,0), (0,1), (0,2), (1,4)}: |A n G| = 1, AER = 1 - 2/6; accuracy 1/2
    assert alignment_error_rate([[{1}, {3}]], gold) == pytest.approx(2 / 3)
    assert alignment_accuracy([[{1}, {3}]], gold) == 0.5
    # precision would be 1/2 and recall 1/4: AER is neither
    A, G = alignment_links([[{1}, {3}]], gold)
    assert len(A & G) / len(A) == 0.5 and len(A & G) / len(G) == 0.25


def test_pooled_over_pairs_not_averaged():
    # pair 0: 1 step, right; pair 1: 3 steps, none right. Links: |A n G| = 1, |A| = |G| = 4: AER = 1 - 2/8
    predicted, gold = [[{0}], [{0}, {0}, {0}]], [[{0}], [{1}, {2}, {3}]]
    assert alignment_error_rate(predicted, gold) == pytest.approx(0.75)
    assert alignment_accuracy(predicted, gold) == pytest.approx(0.25)


def test_steps_with_an_empty_gold_set_are_not_scored():
    gold = [[{0}, set(), {2}]]  # as the '-' of a date
    assert alignment_error_rate([[{0}, {1}, {2}]], gold) == 0.0
    assert alignment_accuracy([[{0}, {1}, {2}]], gold) == 1.0
    with pytest.raises(ValueError, match="nothing to score"):
        alignment_error_rate([[{0}]], [[set()]])


def test_weights_are_read_by_argmax_over_the_source_and_the_eos_row_is_dropped():
    weights = torch.tensor(
        [
            [0.7, 0.2, 0.1],
            [0.1, 0.3, 0.6],  # looks at 2, gold is 1
            [0.0, 0.1, 0.9],
            [0.9, 0.05, 0.05],  # the EOS row: not scored
        ]
    )
    assert predicted_alignments(weights, target_length=3) == [{0}, {2}, {2}]
    assert predicted_alignments(weights) == [{0}, {2}, {2}, {0}]
    assert predicted_alignments(weights[:3], target_length=3) == [{0}, {2}, {2}]
    assert predicted_alignments(weights, source_length=2) == [{0}, {1}, {1}, {0}]
    assert alignment_accuracy([weights], COPY_GOLD) == pytest.approx(2 / 3)
    assert alignment_error_rate([weights], COPY_GOLD) == pytest.approx(1 / 3)
    assert alignment_accuracy([weights.numpy()], COPY_GOLD) == pytest.approx(2 / 3)


def test_a_step_with_several_predicted_positions_is_right_only_inside_the_gold_set():
    gold = [[{0, 1}, {2}]]
    assert alignment_accuracy([[{0, 1}, {1, 2}]], gold) == 0.5
    assert alignment_accuracy([[set(), {2}]], gold) == 0.5


@pytest.mark.parametrize(
    "predicted, gold, phrase",
    [
        ([[{0}]], [[{0}], [{1}]], "2 pairs, got 1"),
        ([[{0}, {1}]], [[{0}]], "pair 0: expected 1 predicted steps"),
        ([torch.zeros(5, 3)], [[{0}, {1}, {2}]], "expected 3 rows .* or 4 .*got a matrix of 5 rows"),
        ([torch.zeros(3)], [[{0}, {1}, {2}]], "expected a list of position collections or a weight matrix"),
        (["012"], [[{0}, {1}, {2}]], "expected a list of position collections"),
        ([[{0}, "1", {2}]], [[{0}, {1}, {2}]], "step 1: expected a collection of source positions"),
    ],
)
def test_lengths_that_disagree_are_a_value_error_saying_what_was_expected(predicted, gold, phrase):
    with pytest.raises(ValueError, match=phrase):
        alignment_error_rate(predicted, gold)
    with pytest.raises(ValueError, match=phrase):
        alignment_accuracy(predicted, gold)


def test_bad_matrices_are_refused():
    with pytest.raises(ValueError, match="expected source_length in 1..3"):
        predicted_alignments(torch.zeros(2, 3), source_length=4)
    with pytest.raises(ValueError, match=r"expected a \(T_y, T_x\) weight matrix"):
        predicted_alignments(torch.zeros(2, 3, 4))


def test_re_exported_from_evaluate_and_data():
    import rnn_attention.data as data
    import rnn_attention.evaluate as evaluate

    assert evaluate.alignment_error_rate is alignment_error_rate
    assert evaluate.alignment_accuracy is alignment_accuracy
    assert evaluate.predicted_alignments is predicted_alignments
    assert callable(data.gold_alignments)


def test_the_module_docstring_example():
    assert alignment_error_rate([[{0}, {1}, {1}]], COPY_GOLD) == 0.33333333333333337


def test_forced_attention_gives_each_pair_its_own_rows_and_columns(one_thread):
    from rnn_attention.alignment import forced_attention
    from rnn_attention.data import build_vocabs
    from rnn_attention.models import build_model
    from rnn_attention.train import get_config

    torch.manual_seed(0)
    pairs = [("6/15/2027", "2027-06-15"), ("1.2.1999", "1999-02-01"), ("15 févr. 2027", "2027-02-15")]
    vocabs = build_vocabs(pairs)
    cfg = get_config("ci", emb_size=8, hidden_size=16, attn_size=8, device="cpu")
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    weights = forced_attention(model, pairs, vocabs, batch_size=2)
    assert [tuple(w.shape) for w in weights] == [(11, 9), (11, 8), (11, 13)]  # T_y + 1 rows (EOS), T_x columns
    for w, alone in zip(weights, (forced_attention(model, [pair], vocabs)[0] for pair in pairs)):
        assert torch.allclose(w.sum(dim=-1), torch.ones(len(w)), atol=1e-5)
        assert torch.allclose(w, alone, atol=1e-5)  # batching and padding change nothing
    gold = [[{0}] * 10] * 3
    assert 0.0 <= alignment_error_rate(weights, gold) <= 1.0
