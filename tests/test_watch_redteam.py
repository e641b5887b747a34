"""Watch refusals survive one-call strips of the wrapper (row 16 of the 2026-12 reliability review)."""

import copy
import pickle
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
def test_row_16_a_refusal_survives_as_subclass(kind, capsys):
    check, answer = ANSWERS[kind]
    result = check(answer)
    assert result.status == "failed", (kind, result.message)


STRIPS = {
    "torch.Tensor.as_subclass(x, torch.Tensor)": lambda x: torch.Tensor.as_subclass(x, torch.Tensor),
    "torch._C.TensorBase.as_subclass": lambda x: torch._C.TensorBase.as_subclass(x, torch.Tensor),
    "x.data": lambda x: x.data,
    "x.detach()": lambda x: x.detach(),
    "torch.Tensor(x)": lambda x: torch.Tensor(x) if x.is_floating_point() else torch.LongTensor(x.long()).to(x.dtype),
    "x.clone() under a subclass strip": lambda x: torch.Tensor.as_subclass(x.clone(), torch.Tensor),
    "torch.from_numpy(x.numpy())": lambda x: torch.from_numpy(x.numpy()),
    "torch.tensor(x.numpy())": lambda x: torch.tensor(x.numpy()),
    "torch.tensor(x.tolist())": lambda x: torch.tensor(x.tolist()),
    "copy.deepcopy(x)": lambda x: copy.deepcopy(x),
    "pickle round trip": lambda x: pickle.loads(pickle.dumps(x)),
}
REFUSALS = {
    "3.1": (ex.check_stable_softmax, lambda strip: lambda s: torch.softmax(strip(s), dim=-1), "write the softmax"),
    "3.2": (
        ex.check_masked_softmax,
        lambda strip: lambda s, m: masked_softmax(strip(s), strip(m)),
        "not to call the package's masked_softmax",
    ),
    "5.1": (
        ex.check_make_mask,
        lambda strip: lambda lengths, max_len: lengths_to_mask(strip(lengths), max_len),
        "",  # the package's lengths_to_mask, or reading the lengths one at a time (.tolist, .numpy): both refused
    ),
}


@pytest.mark.parametrize("strip", list(STRIPS))
@pytest.mark.parametrize("exercise", list(REFUSALS))
def test_row_16_a_refusal_survives_other_one_call_strips(exercise, strip, capsys):
    check, answer, words = REFUSALS[exercise]
    result = check(answer(STRIPS[strip]))
    assert result.status == "failed", (exercise, strip, result.message)
    assert "your code raised" not in result.message, result.message  # refused, not crashed
    assert words in result.message or "5.1" in result.message or "build the mask yourself" in result.message


def test_row_16_the_watch_is_gone_once_the_check_returns(capsys):
    """A refusal (the check stops inside the student's call) leaves no watch behind on the notebook's own code."""
    assert ex.check_stable_softmax(lambda s: torch.softmax(torch.Tensor.as_subclass(s, torch.Tensor), -1)).status == (
        "failed"
    )
    assert torch.softmax(torch.tensor([0.0, 0.0]), -1).tolist() == [0.5, 0.5]  # not refused out here
    ex.watch._drop_dead_modes()  # what IPython runs after each cell
    assert torch._C._len_torch_function_stack() == 0
    ex.check_stable_softmax(
        lambda s: (s - s.amax(-1, keepdim=True)).exp() / (s - s.amax(-1, keepdim=True)).exp().sum(-1, keepdim=True)
    )
    assert not any(
        type(torch._C._get_function_stack_at(i)).__name__ == "_WatchMode"
        for i in range(torch._C._len_torch_function_stack())
    )


def test_row_16_as_subclass_keeps_the_watch_but_the_check_still_gets_plain_tensors():
    watch = ex.Watch(refused_ops={"torch:softmax": "no softmax here"})
    x = watch.wrap(torch.randn(3))
    with pytest.raises(ex.CheckFailed, match="no softmax here"):
        torch.softmax(x.as_subclass(torch.Tensor), dim=-1)
    done = watch.done(x * 2)
    assert type(done) is torch.Tensor


def test_row_16_through_the_grader(tmp_path):
    """As the review's notebook, plus three other strips (numpy round trip, torch.Tensor(x), the base as_subclass)."""
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
    nb.cells[-1] = nbformat.v4.new_code_cell(
        "import torch\nfrom rnn_attention.masking import masked_softmax as ref\n"
        "def stable_softmax(s): return torch.softmax(torch.from_numpy(s.numpy()), dim=-1)\n"
        "def my_masked_softmax(s, m): return ref(torch.Tensor(s), torch.Tensor.as_subclass(m, torch.Tensor))\n"
    )
    nbformat.write(nb, path)
    report = grade.grade(path, timeout=300)
    assert [v.status for v in report.verdicts] == ["failed", "failed"], grade.format_report(report)
    assert "write the softmax" in report.verdicts[0].message, grade.format_report(report)
    assert "masked_softmax" in report.verdicts[1].message, grade.format_report(report)
