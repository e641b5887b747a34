"""Data for the course: task generators, vocabularies, batching and a real-corpus loader.

Introduced in notebook 06.

>>> from rnn_attention.data import load_split, build_vocabs, PairDataset, make_loader
>>> train = load_split("dates", "train")             # [(source, target), ...]
>>> src_vocab, tgt_vocab = build_vocabs(train)       # character level
>>> loader = make_loader(PairDataset(train, src_vocab, tgt_vocab), batch_size=64)
>>> batch = next(iter(loader))                        # batch.src (B, S), batch.tgt_in (B, T)

``python -m rnn_attention.data --out data/`` writes the files of every task.
"""

from .batching import (
    Batch,
    BucketBatchSampler,
    PairDataset,
    collate,
    make_loader,
    padding_fraction,
    random_batches,
)
from .corpus import load_parallel_tsv, normalize_text
from .derived import count_items, repeat_pairs, repeated_by_count, sources_at_most
from .files import (
    compare_files,
    default_data_dir,
    generate_files,
    load_split,
    load_task,
    read_tsv,
    tsv_bytes,
    write_files,
    write_tsv,
)
from .gold import gold_alignments
from .tasks import GENERATOR_VERSION, SEED, SPLITS, TASKS, generate_task
from .vocab import Vocab, build_vocabs

__all__ = [
    "Batch",
    "BucketBatchSampler",
    "GENERATOR_VERSION",
    "PairDataset",
    "SEED",
    "SPLITS",
    "TASKS",
    "Vocab",
    "build_vocabs",
    "collate",
    "compare_files",
    "count_items",
    "default_data_dir",
    "generate_files",
    "generate_task",
    "gold_alignments",
    "load_parallel_tsv",
    "load_split",
    "load_task",
    "make_loader",
    "normalize_text",
    "padding_fraction",
    "random_batches",
    "repeat_pairs",
    "repeated_by_count",
    "sources_at_most",
    "read_tsv",
    "tsv_bytes",
    "write_files",
    "write_tsv",
]
