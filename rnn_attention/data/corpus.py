"""Loader for real parallel corpora in the common ``eng-fra.txt`` layout.

One pair per line: ``source<TAB>target``, optionally a third column with the
attribution (the Tatoeba-derived files of manythings.org/anki have one). Nothing is
downloaded here: the user points the loader at a file they fetched themselves (see
data/README.md).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from .vocab import LEVELS

# Punctuation that becomes a token of its own ("Va !" -> "va !", "Hi." -> "hi .").
_PUNCT = re.compile(r"([.!?,;:¿¡«»\"()\[\]…])")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalize_text(text: str, strip_accents: bool = False) -> str:
    """Normalise one side: NFKC, lowercase, curly quotes made straight, punctuation split off.

    With ``strip_accents`` the accents are removed too (NFD, drop combining marks), as
    in the PyTorch seq2seq tutorial; by default they are kept (``é`` stays ``é``).
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    if strip_accents:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = _PUNCT.sub(r" \1 ", text)
    return " ".join(text.split())


def load_parallel_tsv(
    path: str | os.PathLike,
    max_pairs: int | None = None,
    min_len: int = 1,
    max_len: int | None = None,
    normalize: bool = True,
    level: str = "word",
    strip_accents: bool = False,
) -> list[tuple[str, str]]:
    """Read (source, target) pairs from a tab-separated corpus, filtered by length.

    Lengths are counted in ``level`` units (words or characters) after normalisation;
    a pair is kept when both sides have ``min_len <= length <= max_len``. Reading stops
    after ``max_pairs`` kept pairs. Blank lines are skipped; any other line without
    exactly 2 or 3 tab-separated columns, or with an empty source or target, raises a
    ValueError naming the file and the line number.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if min_len < 0 or (max_len is not None and max_len < min_len):
        raise ValueError(f"need 0 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    if max_pairs is not None and max_pairs < 0:
        raise ValueError(f"max_pairs must be >= 0 or None, got {max_pairs}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no corpus at {path}: download one yourself (see data/README.md, 'Real corpora')")
    pairs: list[tuple[str, str]] = []
    n_read = 0  # non-blank lines, before the length filter
    with path.open("rb") as f:
        for lineno, line in _lines(f, path):
            if max_pairs is not None and len(pairs) >= max_pairs:
                break
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            n_read += 1
            cols = line.split("\t")
            if len(cols) not in (2, 3):
                raise ValueError(
                    f"{path}, line {lineno}: expected 'source<TAB>target' with an optional third "
                    f"attribution column, got {len(cols)} column(s): {line[:80]!r}"
                )
            src, tgt = cols[0], cols[1]
            if normalize:
                src, tgt = normalize_text(src, strip_accents), normalize_text(tgt, strip_accents)
            else:
                src, tgt = src.strip(), tgt.strip()
            if not src or not tgt:
                side = "source" if not src else "target"
                raise ValueError(f"{path}, line {lineno}: empty {side} in {line[:80]!r}")
            n_src = len(src.split()) if level == "word" else len(src)
            n_tgt = len(tgt.split()) if level == "word" else len(tgt)
            if n_src < min_len or n_tgt < min_len:
                continue
            if max_len is not None and (n_src > max_len or n_tgt > max_len):
                continue
            pairs.append((src, tgt))
    if n_read == 0 and max_pairs != 0:
        raise ValueError(f"{path} holds no pairs: expected lines of 'source<TAB>target', the file is empty")
    return pairs


def _lines(handle, path: Path):
    """(line number, text) of each line of a UTF-8 file (a BOM is dropped); another encoding is a clear error."""
    for lineno, raw in enumerate(handle, start=1):
        try:
            yield lineno, raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path}, line {lineno}: not UTF-8 ({error.reason} at byte {error.start} of the line); "
                f"convert it first, for example: iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}"
            ) from None
