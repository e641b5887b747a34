"""Watch refusals survive one-call strips of the wrapper (row 16 of the 2026-12 reliability review)."""

import sys
from pathlib import Path

import nbformat
import pytest
import torch

import rnn_attention.exercises as ex
from rnn_attention.masking import lengths_to_mask, masked_softmax

ROOT = Path(__file__).resolve().parents[1]


def plain(x):
    return x.as_subclass(torch.Tensor)


ANSWERS = {
    "3.1 torch.softmax on a stripped copy": (ex.check_stable_softmax, lambda s: torch.softmax(plain(s), dim=-1)),
    "3.2 the package's masked_softmax on stripped copies": (
        ex.check_masked_softmax,
        lambda s, m: masked_softmax(plain(s), plain(m)),
    ),
    "5.1 the package's lengths_to_mask on a stripped copy": (
        ex.check_make_mask,
        lambda lengths, max_len: lengths_to_mask(plain(lengths), max_len),
    ),
}


@pytest.mark.parametrize("kind", list(ANSWERS))
def test_row16_a_refusal_survives_as_subclass(kind, capsys):
    check, answer = ANSWERS[kind]
    result = check(answer)
    assert result.status == "failed", (kind, result.message)


def test_row16_as_subclass_keeps_the_watch_but_the_check_still_gets_plain_tensors():
    watch = ex.Watch(refused_ops={"torch:softmax": "no softmax here"})
    x = watch.wrap(torch.randn(3))
    with pytest.raises(ex.CheckFailed, match="no softmax here"):
        torch.softmax(x.as_subclass(torch.Tensor), dim=-1)
    done = watch.done(x * 2)
    assert type(done) is torch.Tensor


def test_row16_through_the_grader(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    import grade

    nb = nbformat.read(ROOT / "notebooks" / "03_softmax.ipynb", as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import torch\nfrom rnn_attention.masking import masked_softmax as ref\n"
            "def stable_softmax(s): return torch.softmax(s.as_subclass(torch.Tensor), dim=-1)\n"
            "def my_masked_softmax(s, m): return ref(s.as_subclass(torch.Tensor), m.as_subclass(torch.Tensor))\n"
        )
    )
    path = tmp_path / "03_softmax.ipynb"
    nbformat.write(nb, path)
    report = grade.grade(path, timeout=300)
    assert [v.status for v in report.verdicts] == ["failed", "failed"], grade.format_report(report)
