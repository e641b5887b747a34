"""Fixtures shared by the training tests: a tiny copy task on disk, and a tiny config that trains in a second."""

import pytest
import torch

ALPHABET = "abcde"
SPLIT_SIZES = (("train", 400, 0), ("valid", 40, 1), ("test", 40, 2))  # (split, pairs, seed)
MAX_LEN = 5


def copy_pairs(n, seed, max_len=MAX_LEN):
    """n (source, source) pairs of random strings over ALPHABET, 1 to max_len long."""
    g = torch.Generator().manual_seed(seed)
    pairs = []
    for _ in range(n):
        length = int(torch.randint(1, max_len + 1, (1,), generator=g))
        s = "".join(ALPHABET[int(i)] for i in torch.randint(0, len(ALPHABET), (length,), generator=g))
        pairs.append((s, s))
    return pairs


@pytest.fixture(scope="session")
def copy_task_dir(tmp_path_factory):
    """A tiny copy task in the data/ layout: <dir>/copy/{train,valid,test}.tsv."""
    root = tmp_path_factory.mktemp("data")
    (root / "copy").mkdir()
    for split, n, seed in SPLIT_SIZES:
        lines = "".join(f"{s}\t{t}\n" for s, t in copy_pairs(n, seed))
        (root / "copy" / f"{split}.tsv").write_text(lines, encoding="utf-8")
    return str(root)


@pytest.fixture
def tiny_cfg(copy_task_dir):
    """A factory: the ci profile shrunk to a 3-step run on the tiny copy task, with any changes applied."""
    from rnn_attention.train import get_config

    def make(**changes):
        base = dict(
            task="copy",
            emb_size=8,
            hidden_size=16,
            attn_size=8,
            batch_size=32,
            epochs=1,
            max_steps=3,
            max_seconds=20.0,
            valid_pairs=10,
            snapshot_every=2,
            probe_size=2,
            log_every=1,
            progress=False,
            device="cpu",
            data_dir=copy_task_dir,
        )
        return get_config("ci", **{**base, **changes})

    return make


@pytest.fixture
def one_thread():
    """One intra-op thread while a test runs: on a busy 2-core machine, tiny tensors wait milliseconds for a second."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
