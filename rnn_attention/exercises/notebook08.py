"""Checks of notebook 08 (attention and long inputs): the first step's weights for any length, exact match by length bucket."""

from __future__ import annotations

import torch

from ..data import Vocab
from ..masking import lengths_to_mask
from ..models import build_model
from .core import CheckFailed, CheckResult, expect_close, run_check

__all__ = ["check_first_step_weights", "check_exact_match_by_bucket"]


def check_first_step_weights(first_step_weights) -> CheckResult:
    """Exercise 8.1: alpha_1 of a Seq2Seq for one source of any length, against the package's pieces."""

    def reference(model, src):
        lengths = torch.tensor([src.shape[1]])
        enc_outputs, final = model.encoder(src, lengths)  # (1, S, K), (1, K)
        src_mask = lengths_to_mask(lengths, src.shape[1])  # (1, S)
        dec_state = model.decoder.init_state(enc_outputs, final, src_mask)  # (1, H)
        projected = model.decoder.project_keys(enc_outputs)
        return model.decoder.attention(dec_state, enc_outputs, src_mask, projected)[1]  # (1, S)

    def check(fn):
        sizes = dict(emb_size=6, hidden_size=8, attn_size=5)
        with torch.random.fork_rng():
            torch.manual_seed(8)
            models = {
                "additive": build_model(12, 9, dict(sizes, attention="additive")).eval(),
                "location (max_len=10)": build_model(12, 9, dict(sizes, attention="location", location_max_len=10)).eval(),
            }
        generator = torch.Generator().manual_seed(8)
        first_real = len(Vocab.SPECIALS)  # ids below it are <pad>, <sos>, <eos>, <unk>
        for name, model in models.items():
            for S in (3, 10, 40):
                src = torch.randint(first_real, 12, (1, S), generator=generator)  # (1, S): real symbols, no padding
                with torch.no_grad():
                    expected = reference(model, src)
                    given = fn(model, src)
                expect_close(given, expected, f"alpha_1 of the {name} model for T_x={S}")
        return ("one weight per source position for T_x = 3, 10 and 40; the location model's weights past "
                "position 10 are all 0.")

    return run_check("Exercise 8.1", check, first_step_weights)


def check_exact_match_by_bucket(exact_match_by_bucket) -> CheckResult:
    """Exercise 8.2: exact match per source-length bucket, None for an empty bucket."""

    def check(fn):
        sources = ["dix", "onze", "vingt et un", "cent deux", "mille trois cent", "two hundred and five"]
        targets = ["10", "11", "21", "102", "1300", "205"]
        outputs = ["10", "12", "21", "102", "1300", "25"]
        cases = [
            ([(1, 5), (6, 11), (12, 20)], [0.5, 1.0, 0.5]),
            ([(1, 3), (4, 4), (5, 8), (9, 30)], [1.0, 0.0, None, 0.75]),
            ([(1, 100)], [4 / 6]),
        ]
        for buckets, expected in cases:
            given = fn(sources, targets, outputs, buckets)
            if not isinstance(given, (list, tuple)) or len(given) != len(expected):
                raise CheckFailed(f"for buckets {buckets} return a list of {len(expected)} values, got {given!r}")
            for (lo, hi), g, e in zip(buckets, given, expected):
                if e is None and g is not None:
                    raise CheckFailed(f"bucket {lo}-{hi} holds no source: return None there, got {g!r}")
                if e is not None and (g is None or abs(float(g) - e) > 1e-9):
                    raise CheckFailed(f"bucket {lo}-{hi} (lengths inclusive): expected {e:.4f}, got {g!r}")
        return "the fraction of exact outputs per bucket, None where a bucket is empty."

    return run_check("Exercise 8.2", check, exact_match_by_bucket)
