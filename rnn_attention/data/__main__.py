"""Command line: ``python -m rnn_attention.data --out data/`` writes every task's files.

Introduced in notebook 06.

``--check`` compares the files in ``--out`` with a fresh generation instead of writing
(exit status 1 and the differing paths when they differ).
"""

from __future__ import annotations

import argparse
import sys
import time

from .files import compare_files, generate_files, write_files
from .tasks import SEED, TASKS


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, then write or check the data files."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_attention.data", description="Write the data files of every task (or --check them)."
    )
    parser.add_argument("--out", default="data", help="folder to write (default: data)")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS), help="tasks to make (default: all)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED}, the committed data)")
    parser.add_argument("--check", action="store_true", help="compare with a fresh generation, write nothing")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    files = generate_files(args.tasks, args.seed)
    seconds = time.perf_counter() - start
    if args.check:
        bad = compare_files(args.out, files)
        if bad:
            print(f"{len(bad)} file(s) in {args.out} differ from a fresh generation:", *bad, sep="\n  ")
            print("Regenerate with: python -m rnn_attention.data --out", args.out)
            return 1
        print(f"{len(files)} files in {args.out} match a fresh generation ({seconds:.1f} s)")
        return 0
    written = write_files(args.out, files)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {size / 1e6:.1f} MB, to {args.out} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
