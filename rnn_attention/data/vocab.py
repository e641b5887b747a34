"""Vocabulary: maps symbols (characters, or words for real corpora) to integer ids and back.

Introduced in notebook 06.

The four special tokens have fixed ids in every vocabulary, so models and losses can
rely on them: ``PAD=0`` (padding, ignored by the loss), ``SOS=1`` (start of the
target), ``EOS=2`` (end of the target), ``UNK=3`` (a symbol not seen in training).
The other symbols follow in sorted order, so a vocabulary built from the same texts
is always the same, whatever order the texts came in.
"""

from __future__ import annotations

import json
import operator
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

LEVELS = ("char", "word")
_FORMAT = "rnn_attention.Vocab/1"


class Vocab:
    """A symbol <-> id table with fixed special ids, at character or word level."""

    PAD, SOS, EOS, UNK = 0, 1, 2, 3
    PAD_TOKEN, SOS_TOKEN, EOS_TOKEN, UNK_TOKEN = "<pad>", "<sos>", "<eos>", "<unk>"
    SPECIALS: tuple[str, ...] = (PAD_TOKEN, SOS_TOKEN, EOS_TOKEN, UNK_TOKEN)

    def __init__(self, symbols: Iterable[str] = (), level: str = "char") -> None:
        """Make a vocabulary of the specials followed by ``symbols`` in the order given."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        self.level = level
        self.itos: list[str] = list(self.SPECIALS)
        self.stoi: dict[str, int] = {tok: i for i, tok in enumerate(self.itos)}
        for sym in symbols:
            if not isinstance(sym, str) or not sym:
                raise ValueError(f"a symbol must be a non-empty string, got {sym!r}")
            if level == "char" and len(sym) != 1:
                raise ValueError(f"a char-level symbol must be one character, got {sym!r}")
            if sym in self.stoi:
                raise ValueError(f"symbol {sym!r} given twice (or clashes with a special token)")
            self.stoi[sym] = len(self.itos)
            self.itos.append(sym)

    @classmethod
    def build(cls, texts: Iterable[str], level: str = "char", min_freq: int = 1) -> Vocab:
        """Build from training texts: symbols seen at least ``min_freq`` times, sorted."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        if isinstance(texts, str):
            raise TypeError("Vocab.build expects an iterable of texts, got a single str")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(_split(text, level))
        symbols = sorted(s for s, c in counts.items() if c >= min_freq and s not in cls.SPECIALS)
        return cls(symbols, level=level)

    def tokens(self, text: str) -> list[str]:
        """Split a text into this vocabulary's symbols (characters, or whitespace words)."""
        return _split(text, self.level)

    def encode(self, text: str, add_sos: bool = False, add_eos: bool = False, strict: bool = False) -> list[int]:
        """Map a text to ids; unknown symbols give UNK, or a ValueError when ``strict``."""
        ids = [self.SOS] if add_sos else []
        for pos, sym in enumerate(self.tokens(text)):
            idx = self.stoi.get(sym)
            if idx is None:
                if strict:
                    raise ValueError(
                        f"symbol {sym!r} at position {pos} of {text!r} is not in the vocabulary "
                        f"({len(self)} entries, level={self.level!r})"
                    )
                idx = self.UNK
            ids.append(idx)
        if add_eos:
            ids.append(self.EOS)
        return ids

    def decode(self, ids: Iterable[int], strip_special: bool = True) -> str:
        """Map ids back to a text; by default stop at EOS and drop PAD and SOS (UNK stays "<unk>")."""
        if hasattr(ids, "tolist"):  # a tensor or an array
            ids = ids.tolist()
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise TypeError(f"decode expects a sequence of integer ids, got {type(ids).__name__}")
        out: list[str] = []
        for i in ids:
            try:
                if isinstance(i, bool):
                    raise TypeError
                i = operator.index(i)  # int, numpy integer, 0-d integer tensor
            except TypeError:
                raise TypeError(f"decode expects integer ids, got {i!r} ({type(i).__name__})") from None
            if not 0 <= i < len(self.itos):
                raise ValueError(f"id {i} out of range: expected 0 <= id < {len(self.itos)}")
            if strip_special:
                if i == self.EOS:
                    break
                if i in (self.PAD, self.SOS):
                    continue
            out.append(self.itos[i])
        return ("" if self.level == "char" else " ").join(out)

    def __len__(self) -> int:
        """Number of entries, specials included (the V of the embedding)."""
        return len(self.itos)

    def __contains__(self, sym: object) -> bool:
        """True if the symbol has its own id."""
        return sym in self.stoi

    def __eq__(self, other: object) -> bool:
        """Two vocabularies are equal when level and id table are."""
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.level == other.level and self.itos == other.itos

    __hash__ = None  # type: ignore[assignment]  # mutable-looking: not hashable

    def __repr__(self) -> str:
        """Short description: level, size and a few symbols."""
        sample = "".join(self.itos[4:14]) if self.level == "char" else " ".join(self.itos[4:10])
        return f"Vocab(level={self.level!r}, size={len(self)}, symbols={sample!r}...)"

    def to_dict(self) -> dict:
        """JSON-ready description of the vocabulary."""
        return {"format": _FORMAT, "level": self.level, "itos": list(self.itos)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        """Rebuild a vocabulary from :meth:`to_dict` output, checking the special tokens."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a saved Vocab: expected format {_FORMAT!r}")
        itos = data.get("itos")
        if not isinstance(itos, list):
            raise ValueError(f"a saved Vocab needs a list 'itos' of symbols, got {type(itos).__name__}")
        if tuple(itos[: len(cls.SPECIALS)]) != cls.SPECIALS:
            raise ValueError(f"a saved Vocab must start with {cls.SPECIALS}, got {itos[: len(cls.SPECIALS)]!r}")
        return cls(itos[len(cls.SPECIALS) :], level=data.get("level", "char"))

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary to a UTF-8 JSON file."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"
        Path(path).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a vocabulary written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _split(text: str, level: str) -> list[str]:
    """Split a text into characters or whitespace-separated words."""
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    return list(text) if level == "char" else text.split()


def build_vocabs(pairs: Sequence[tuple[str, str]], level: str = "char", min_freq: int = 1) -> tuple[Vocab, Vocab]:
    """Build the source and the target vocabulary from (training) pairs."""
    return (
        Vocab.build((s for s, _ in pairs), level=level, min_freq=min_freq),
        Vocab.build((t for _, t in pairs), level=level, min_freq=min_freq),
    )
