"""The shared runs folder against the attacks of the 2026-12 reliability review: each test is named after its row."""

import fcntl
import os
import threading
import time

import pytest
import torch

from rnn_attention.train import checkpoints, load_or_train
from rnn_attention.train.checkpoints import checkpoint_path

as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
CLASSMATE = 61998  # a uid with no account: the classmate who wrote or replaced a file


def _trained(tiny_cfg, folder):
    cfg = tiny_cfg()
    run = load_or_train(cfg, folder, verbose=False)
    return run, cfg


@as_root
def test_row_23_a_classmates_scrambled_checkpoint_claiming_exact_match_1_is_not_trusted(tiny_cfg, tmp_path, capsys):
    run, cfg = _trained(tiny_cfg, tmp_path)
    payload = torch.load(run.path, weights_only=True)
    generator = torch.Generator().manual_seed(1)
    for name, tensor in payload["model"].items():
        if tensor.is_floating_point():
            payload["model"][name] = torch.randn(tensor.shape, generator=generator) * 3
    payload["info"]["exact_match"] = 1.0
    torch.save(payload, run.path)
    os.chown(run.path, CLASSMATE, CLASSMATE)
    with pytest.warns(RuntimeWarning, match="re-measured"):
        again = load_or_train(cfg, tmp_path, verbose=True)
    assert not again.loaded, "a classmate's file whose claimed exact match does not hold was used"
    assert "1.0000" not in capsys.readouterr().out


@as_root
def test_row_23_a_classmates_honest_checkpoint_loads_and_says_whose_it_is(tiny_cfg, tmp_path, capsys):
    run, cfg = _trained(tiny_cfg, tmp_path)
    os.chown(run.path, CLASSMATE, CLASSMATE)
    capsys.readouterr()
    again = load_or_train(cfg, tmp_path, verbose=True)
    assert again.loaded
    out = capsys.readouterr().out
    assert f"uid {CLASSMATE}" in out and "re-measured" in out, out


def _hold(lock_path):
    fd = os.open(lock_path, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another open file: conflicts with this process's own flock too
    return fd


def test_row_30_a_held_lock_does_not_hang_a_classmate_when_the_checkpoint_is_finished(tiny_cfg, tmp_path):
    run, cfg = _trained(tiny_cfg, tmp_path)
    fd = _hold(str(run.path) + ".lock")
    result = {}
    worker = threading.Thread(target=lambda: result.update(run=load_or_train(cfg, tmp_path, verbose=False)))
    worker.daemon = True
    try:
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "load_or_train hung on a lock held by someone else"
        assert result["run"].loaded
    finally:
        os.close(fd)
        worker.join(timeout=60)


def test_row_30_a_lock_held_forever_times_out_with_a_message_naming_the_holder(tiny_cfg, tmp_path, monkeypatch):
    cfg = tiny_cfg()
    monkeypatch.setattr(checkpoints, "LOCK_TIMEOUT", 2.0)
    splits, _ = checkpoints.prepare_data(cfg)
    _, _, path = checkpoints._resolved_key_path(cfg, tmp_path, splits["train"])
    fd = _hold(str(path) + ".lock")
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=rf"held by process {os.getpid()}"):
            load_or_train(cfg, tmp_path, verbose=False)
        assert time.monotonic() - start < 30
    finally:
        os.close(fd)


def test_row_24_a_lock_that_is_a_symlink_is_not_followed(tiny_cfg, tmp_path):
    cfg = tiny_cfg()
    splits, _ = checkpoints.prepare_data(cfg)
    _, _, path = checkpoints._resolved_key_path(cfg, tmp_path, splits["train"])
    tmp_path.joinpath("runs_target").mkdir()
    victim = tmp_path / "runs_target" / "created_by_mallory"
    os.symlink(victim, str(path) + ".lock")
    with pytest.raises(OSError, match="not a regular file"):
        load_or_train(cfg, tmp_path, verbose=False)
    assert not victim.exists()


def test_row_27_a_fifo_at_a_checkpoints_name_is_refused_not_opened(tiny_cfg, tmp_path):
    cfg = tiny_cfg()
    splits, _ = checkpoints.prepare_data(cfg)
    _, _, path = checkpoints._resolved_key_path(cfg, tmp_path, splits["train"])
    os.mkfifo(path)
    result = {}
    worker = threading.Thread(target=lambda: result.update(run=load_or_train(cfg, tmp_path, verbose=False)))
    worker.daemon = True
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # unblock the open() before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("the loader blocked opening a FIFO")
    assert "run" in result


def test_row_31_an_oversized_checkpoint_is_refused_before_it_is_read(tiny_cfg, tmp_path, monkeypatch):
    run, cfg = _trained(tiny_cfg, tmp_path)
    monkeypatch.setattr(checkpoints, "MAX_CHECKPOINT_BYTES", run.path.stat().st_size - 1)
    with pytest.warns(RuntimeWarning, match="larger than"):
        again = load_or_train(cfg, tmp_path, verbose=False)
    assert not again.loaded
    assert checkpoint_path  # the module's public helpers stay importable


def test_row_28_a_folder_at_a_checkpoints_name_does_not_lose_the_trained_model(tiny_cfg, tmp_path):
    cfg = tiny_cfg()
    splits, _ = checkpoints.prepare_data(cfg)
    _, _, path = checkpoints._resolved_key_path(cfg, tmp_path, splits["train"])
    path.mkdir()
    with pytest.warns(RuntimeWarning, match="saved this run as"):
        run = load_or_train(cfg, tmp_path, verbose=False)
    assert run.path == checkpoints._own_path(path) and run.path.is_file()
    assert load_or_train(cfg, tmp_path, verbose=False).loaded


def test_row_33_a_full_runs_folder_gives_one_clear_line_and_the_trained_model(tiny_cfg, tmp_path, monkeypatch):
    cfg = tiny_cfg()

    def full_disk(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 236096 vs 235984")

    monkeypatch.setattr(checkpoints.torch, "save", full_disk)
    with pytest.warns(RuntimeWarning, match="could not save the trained model in .*disk full"):
        run = load_or_train(cfg, tmp_path, verbose=False)
    assert run.model is not None and not run.loaded and run.path is None
    assert not list(tmp_path.glob("*.tmp"))
