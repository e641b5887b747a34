"""Tests of rnn_attention.train.checkpoints and the CLI: round trip, load-or-train, corruption, the lock."""

import json
import re
import threading
import warnings

import pytest
import torch

from rnn_attention.models import build_model
from rnn_attention.train import TrainedRun, load_checkpoint, load_or_train, prepare_data, save_checkpoint
from rnn_attention.train.__main__ import main as train_main


def assert_same_weights(a, b):
    """Every parameter and buffer of two models is identical."""
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for name in sa:
        assert torch.equal(sa[name].cpu(), sb[name].cpu()), name


def test_checkpoint_round_trip(tmp_path, tiny_cfg):
    cfg = tiny_cfg()
    _, vocabs = prepare_data(cfg)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg).eval()
    history = {"loss": [1.0, 0.5], "alignments": [{"step": 0, "attn": [torch.rand(3, 2)], "outputs": ["ab"]}]}
    path = save_checkpoint(tmp_path / "m.pt", TrainedRun(model, vocabs, history, {"exact_match": 0.5}, cfg))
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed into place
    payload = torch.load(path, weights_only=True)  # only safe types inside
    assert payload["config"]["hidden_size"] == 16
    run = load_checkpoint(path)
    assert isinstance(run, TrainedRun) and run.loaded and run.path == path
    assert run.vocabs == vocabs and run.cfg == cfg and run.info["exact_match"] == 0.5
    torch.testing.assert_close(run.history["alignments"][0]["attn"][0], history["alignments"][0]["attn"][0])
    src = torch.tensor([[5, 6, 7], [5, 4, 0]])
    lengths, tgt_in = torch.tensor([3, 2]), torch.tensor([[1, 5, 6], [1, 5, 4]])
    torch.testing.assert_close(run.model(src, lengths, tgt_in), model(src, lengths, tgt_in))


def test_a_checkpoint_without_the_newest_fields_loads_with_their_defaults(tmp_path, tiny_cfg):
    cfg = tiny_cfg()
    _, vocabs = prepare_data(cfg)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    path = save_checkpoint(tmp_path / "old.pt", TrainedRun(model, vocabs, {}, {}, cfg))
    payload = torch.load(path, weights_only=True)
    for name in ("decoder", "location_filters", "location_kernel_size"):
        del payload["config"][name]  # as written before these fields existed
    torch.save(payload, path)
    assert load_checkpoint(path).cfg == cfg


def test_load_or_train_trains_once_then_loads(tmp_path, tiny_cfg):
    cfg = tiny_cfg()
    run = load_or_train(cfg, tmp_path, verbose=False)
    assert isinstance(run, TrainedRun) and not run.loaded and run.path.exists()
    assert run.info["steps"] == run.info["steps_planned"] == 3 and run.info["stopped_by_time"] is False
    history = run.history
    assert {"loss", "token_accuracy", "step", "alignments", "valid_exact_match"} <= set(history)
    assert history["alignments"][0]["step"] == 0 and len(history["alignments"][-1]["attn"]) == 2
    assert [s["step"] for s in history["alignments"]] == [0, 2, 3]  # step 0, every snapshot_every, the end
    again = load_or_train(cfg, tmp_path, verbose=False)
    assert again.loaded and again.path == run.path and again.cfg == run.cfg
    assert_same_weights(again.model, run.model)
    assert again.info == run.info and again.vocabs == run.vocabs
    src, lengths, tgt_in = torch.tensor([[5, 6]]), torch.tensor([2]), torch.tensor([[1, 5]])
    torch.testing.assert_close(again.model(src, lengths, tgt_in), run.model(src, lengths, tgt_in))
    # a changed config is a different model: trained anew, into a different file
    changed = load_or_train(cfg.replace(hidden_size=12), tmp_path, verbose=False)
    assert not changed.loaded and changed.path != run.path


def test_corrupted_checkpoint_warns_and_retrains(tmp_path, tiny_cfg):
    cfg = tiny_cfg(seed=3)
    path = load_or_train(cfg, tmp_path, verbose=False).path
    with open(path, "wb") as handle:
        handle.write(b"not a checkpoint")
    with pytest.warns(RuntimeWarning, match="could not be loaded"):
        retrained = load_or_train(cfg, tmp_path, verbose=False)
    assert not retrained.loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_or_train(cfg, tmp_path, verbose=False).loaded  # the file is good again


def test_two_callers_at_once_train_only_once(tmp_path, tiny_cfg):
    cfg = tiny_cfg(seed=4)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(load_or_train(cfg, tmp_path, verbose=False))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.loaded for r in results) == [False, True]


def test_cli_prints_json_summary_last(tmp_path, copy_task_dir, capsys):
    argv = [
        "--task",
        "copy",
        "--profile",
        "ci",
        "--data",
        copy_task_dir,
        "--out",
        str(tmp_path),
        "--attention",
        "none",
        "--json",
        "--set",
        "hidden_size=8",
        "--set",
        "emb_size=4",
        "--set",
        "max_steps=2",
        "--set",
        "valid_pairs=0",
        "--set",
        "max_seconds=30",
    ]
    summary = train_main(argv)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    parsed = json.loads(last)
    assert {"exact_match", "token_accuracy", "seconds", "device", "profile", "params", "epochs"} <= set(parsed)
    assert parsed["profile"] == "ci" and parsed["attention"] == "none" and parsed == summary
    assert parsed["steps"] == parsed["steps_planned"] == 2 and parsed["loaded"] is False
    assert train_main(argv)["loaded"] is True  # the second time it loads
    with pytest.raises(SystemExit, match="FIELD=VALUE"):
        train_main(["--set", "hiden_size=8"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set", "hidden_size=abc"], r"--set hidden_size: expected an int, got 'abc'"),
        (["--profile", "turbo"], r"unknown profile 'turbo': expected one of \['ci', 'cpu', 'gpu'\]"),
        (["--set", "epochs=0"], r"TrainConfig.epochs must be >= 1, got 0"),
        (["--max-steps", "-5"], r"TrainConfig.max_steps must be >= 1, got -5"),
        (["--set", "hiden_size=3"], r"--set expects FIELD=VALUE with FIELD one of"),
    ],
)
def test_cli_bad_arguments_give_one_line_not_a_traceback(argv, message):
    with pytest.raises(SystemExit) as stop:
        train_main(
            ["--task", "copy", "--profile", "ci", *argv] if "--profile" not in argv else ["--task", "copy", *argv]
        )
    text = str(stop.value.code)
    assert re.search(message, text), text
    assert "\n" not in text and "Traceback" not in text


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without CUDA")
def test_cli_cuda_without_cuda_is_one_line():
    with pytest.raises(SystemExit) as stop:
        train_main(["--task", "copy", "--profile", "ci", "--device", "cuda"])
    assert re.search(
        r"device 'cuda' is not available on this machine .*use one of \['auto', 'cpu'", str(stop.value.code)
    )
