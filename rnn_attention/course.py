"""The course's notebooks, one row each: the one list that the tests and the tools read.

Adding notebook NN is one row here, `solutions/NN_name.py`, `exercises/notebookNN.py`
and `tests/test_wrong_answers_NN.py` (plus `widgets/notebookNN.py` when it has
widgets); `tests/test_course.py` fails until they agree. Who reads the table:

- `conftest.py`: the notebooks that start first in `make test` (`start_rank`);
- `tools/nbbuild.py` (`make solutions`, `make notebooks`), `tools/site.py`, `tools/figures.py`
  and `tests/test_claims.py`: which notebooks there are, in course order;
- `tools/check_profile.py` and `tests/test_claims.py`: the notebooks that train.

It needs only the standard library (importing it still runs `rnn_attention/__init__.py`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass

__all__ = ["Notebook", "NOTEBOOKS", "notebook", "training_notebooks", "longest_first", "export_notebook_modules"]


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course.

    number: "NN", its place in the course. stem: `NN_name`, the name of solutions/NN_name.py
    and of its notebooks. trains: it trains models with a profile's step budget (`make
    check-profile` runs it; it must print claims). start_rank: where it starts in `make test`,
    0 first, before the quick tests (measured: the longest first, so that no worker is left with
    a long notebook at the end; on 2026-12-07 one execution of 10 took 221 s, 13 122 s, 11 55 s,
    08 18 s, 12 13 s, 09 and 07 6 s, 06 4 s); None: with the quick tests. minutes: the time for reading and
    exercises that its "**Time:**" line states.
    """

    number: str
    stem: str
    minutes: int
    trains: bool = False
    start_rank: int | None = None


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("00", "00_the_question", minutes=15),
    Notebook("01", "01_without_attention", minutes=25),
    Notebook("02", "02_alignment_scores", minutes=20),
    Notebook("03", "03_softmax", minutes=25),
    Notebook("04", "04_context_vector", minutes=30),
    Notebook("05", "05_batches", minutes=40),
    Notebook("06", "06_training", minutes=25, trains=True, start_rank=7),
    Notebook("07", "07_alignments", minutes=20, trains=True, start_rank=6),
    Notebook("08", "08_long_inputs", minutes=30, trains=True, start_rank=3),
    Notebook("09", "09_other_scores", minutes=30, trains=True, start_rank=5),
    Notebook("10", "10_beyond_training_lengths", minutes=40, trains=True, start_rank=0),
    Notebook("11", "11_what_extrapolates", minutes=35, trains=True, start_rank=2),
    Notebook("12", "12_decoding", minutes=30, trains=True, start_rank=4),
    Notebook("13", "13_alignments_tested", minutes=45, trains=True, start_rank=1),
)


def notebook(number: str) -> Notebook:
    """The row of notebook `number` ("NN")."""
    for row in NOTEBOOKS:
        if row.number == number:
            return row
    raise KeyError(f"no notebook {number!r} in rnn_attention/course.py")


def training_notebooks() -> tuple[Notebook, ...]:
    """The notebooks that train, in course order."""
    return tuple(row for row in NOTEBOOKS if row.trains)


def longest_first() -> tuple[str, ...]:
    """The numbers of the notebooks that start first in `make test`, in the order they start."""
    ranked = sorted((row for row in NOTEBOOKS if row.start_rank is not None), key=lambda row: row.start_rank)
    return tuple(row.number for row in ranked)


NOTEBOOK_MODULE = re.compile(r"notebook(?P<number>\d\d)")


def export_notebook_modules(namespace: dict) -> list[str]:
    """Import every `notebookNN` module of the package whose globals are `namespace`, in course order,
    and copy each name of its `__all__` into `namespace`; return those names. Two modules exporting
    one name is an error.
    """
    package, path = namespace["__name__"], namespace["__path__"]
    names = sorted(info.name for info in pkgutil.iter_modules(path) if NOTEBOOK_MODULE.fullmatch(info.name))
    exported: dict[str, str] = {}
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        for public in module.__all__:
            if public in exported or public in namespace:
                raise ImportError(f"{package}.{name} exports {public!r}, which {package} already has")
            namespace[public] = getattr(module, public)
            exported[public] = name
    return list(exported)
