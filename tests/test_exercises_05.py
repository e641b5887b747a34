"""The checks of notebook 05 (batches of different lengths): blank, right and typical wrong answers."""

import torch

from rnn_attention import lengths_to_mask
from rnn_attention.exercises import check_make_mask, check_one_by_one, check_pad_batch


def not_done(*args):
    raise NotImplementedError


def test_checks_of_notebook_05(capsys):
    from torch.nn.utils.rnn import pad_sequence

    assert check_make_mask(not_done).status == "not attempted"
    assert check_make_mask(lambda n, s: torch.arange(s)[None, :] < n[:, None])
    assert check_make_mask(lambda n, s: torch.arange(s)[None, :] <= n[:, None]).status == "failed"  # off by one
    assert check_make_mask(lambda n, s: (torch.arange(s)[None, :] < n[:, None]).int()).status == "failed"  # not bool

    def pad_batch(seqs):
        padded = pad_sequence(seqs, batch_first=True)
        return padded, lengths_to_mask(torch.tensor([len(s) for s in seqs]), padded.shape[1])

    assert check_pad_batch(pad_batch)
    assert (
        check_pad_batch(lambda seqs: (pad_sequence(seqs, batch_first=True, padding_value=1.0), None)).status == "failed"
    )

    def one_by_one(attention, query, keys, lengths):
        contexts, weights = (
            torch.zeros(keys.shape[0], keys.shape[2], dtype=keys.dtype),
            torch.zeros(keys.shape[:2], dtype=keys.dtype),
        )
        for b, n in enumerate(lengths.tolist()):
            c, w = attention(query[b : b + 1], keys[b : b + 1, :n])
            contexts[b], weights[b, :n] = c[0], w[0]
        return contexts, weights

    assert check_one_by_one(one_by_one)
    assert check_one_by_one(lambda attention, q, k, n: attention(q, k)).status == "failed"  # forgot the lengths
    out = capsys.readouterr().out
    assert out.count("passed") == 3 and "not attempted yet" in out
