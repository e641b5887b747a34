"""Tests of rnn_attention.experiments.parallel: models trained side by side in worker processes."""

import os

import pytest
import torch

from rnn_attention.data import load_split
from rnn_attention.experiments.parallel import MAX_DEFAULT_WORKERS, train_missing, train_workers, usable_cores
from rnn_attention.train import get_config, is_cached, load_or_train, train_model

TINY = dict(emb_size=8, hidden_size=8, attn_size=8, max_steps=3, valid_pairs=5, snapshot_every=0, probe_size=1)


@pytest.fixture(scope="module")
def splits():
    return {name: load_split("dates", name)[:n] for name, n in (("train", 200), ("valid", 20), ("test", 20))}


def test_workers_train_what_the_notebook_would(tmp_path, splits):
    jobs = [(get_config("ci", task="dates", seed=seed, **TINY), splits) for seed in (0, 1)]
    assert not any(is_cached(cfg, tmp_path, s) for cfg, s in jobs)
    assert train_missing(jobs, tmp_path, workers=2, verbose=False) == 2
    assert all(is_cached(cfg, tmp_path, s) for cfg, s in jobs)
    loaded = [load_or_train(cfg, tmp_path, verbose=False, splits=s) for cfg, s in jobs]
    assert all(run.loaded for run in loaded)
    # Weight for weight the model seed 0 gets in this process: seeded, one thread.
    here = train_model(jobs[0][0], splits, loaded[0].vocabs).model.state_dict()
    there = loaded[0].model.state_dict()
    assert here.keys() == there.keys() and all(torch.equal(here[k], there[k]) for k in here)
    other = loaded[1].model.state_dict()
    assert not all(torch.equal(here[k], other[k]) for k in here)  # seed 1 is another model
    # Nothing left to train: no worker is started.
    assert train_missing(jobs, tmp_path, workers=2, verbose=False) == 0


def test_one_worker_or_one_model_leaves_training_to_the_caller(tmp_path, splits):
    jobs = [(get_config("ci", task="dates", seed=seed, **TINY), splits) for seed in (0, 1)]
    assert train_missing(jobs, tmp_path, workers=1, verbose=False) == 0
    assert train_missing(jobs[:1], tmp_path, workers=4, verbose=False) == 0
    assert not any(is_cached(cfg, tmp_path, s) for cfg, s in jobs)


def test_how_many_workers(monkeypatch):
    monkeypatch.delenv("COURSE_TRAIN_WORKERS", raising=False)
    assert train_workers(get_config("ci")) == 1  # the test suite runs two notebooks at once already
    # one model per usable core, at most 4
    assert train_workers(get_config("cpu", device="cpu")) == min(usable_cores(), MAX_DEFAULT_WORKERS)
    assert train_workers(get_config("cpu", device="cuda")) == 1  # one GPU: one model at a time
    monkeypatch.setenv("COURSE_TRAIN_WORKERS", "3")
    assert train_workers(get_config("ci")) == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("COURSE_TRAIN_WORKERS", bad)
        with pytest.raises(ValueError, match=f"COURSE_TRAIN_WORKERS must be a whole number >= 1, got '{bad}'"):
            train_workers(get_config("ci"))


def test_usable_cores_follows_the_container_quota(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    affinity = len(os.sched_getaffinity(0))
    cpu_max.write_text("max 100000\n")
    assert usable_cores(str(cpu_max)) == affinity  # no quota
    cpu_max.write_text("150000 100000\n")
    assert usable_cores(str(cpu_max)) == min(affinity, 1)  # 1.5 CPUs: one whole core
    cpu_max.write_text("50000 100000\n")
    assert usable_cores(str(cpu_max)) == 1  # half a CPU still gets one worker
    assert usable_cores(str(tmp_path / "missing")) == affinity


def test_an_interrupt_terminates_every_worker_and_says_so(tmp_path, splits, monkeypatch, capsys):
    import multiprocessing
    import time

    from rnn_attention.experiments import parallel

    busy = dict(TINY, max_steps=100_000)  # would train for minutes: only the interrupt ends it
    jobs = [(get_config("ci", task="dates", seed=seed, **busy), splits) for seed in (0, 1, 2)]
    seen = []

    def interrupted(futures):
        deadline = time.monotonic() + 60
        while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # the workers have imported torch and are training
        seen.extend(child.pid for child in multiprocessing.active_children())
        raise KeyboardInterrupt  # what the kernel's stop button raises in the notebook

    monkeypatch.setattr(parallel, "as_completed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_missing(jobs, tmp_path, workers=2)
    out = capsys.readouterr().out
    assert len(seen) >= 2, "the workers never started"
    assert "starting 1/3" in out and "starting 2/3" in out and "starting 3/3" not in out  # two at a time
    assert "interrupted: terminated 2 training process(es)" in out and "run the cell again" in out
    for pid in seen:
        with pytest.raises(ProcessLookupError):  # gone, and reaped
            os.kill(pid, 0)
    assert not multiprocessing.active_children()
    assert not any(is_cached(cfg, tmp_path, s) for cfg, s in jobs)


def test_each_start_is_announced_with_the_manifest_estimate(tmp_path, splits, monkeypatch, capsys):
    from rnn_attention.experiments import parallel

    monkeypatch.setattr(parallel, "expected_seconds", lambda cfg, out_dir, s: 12.0 if cfg.seed == 0 else None)
    jobs = [(get_config("ci", task="dates", seed=seed, **TINY), splits) for seed in (0, 1, 2)]
    assert train_missing(jobs, tmp_path, workers=2) == 3
    lines = capsys.readouterr().out.splitlines()
    starts = [line for line in lines if "starting" in line]
    assert len(starts) == 3 and "about 12 s on the course's machine" in starts[0] and "about" not in starts[1]
    assert lines.index(starts[2]) > min(i for i, line in enumerate(lines) if "1/3 dates" in line)  # after one ended


def test_the_manifest_knows_a_reference_model_seconds():
    from rnn_attention.experiments.parallel import expected_seconds
    from rnn_attention.train.references import read_manifest

    entry = next(e for e in read_manifest()["models"].values() if e["task"] == "dates" and e["attention"] == "dot")
    assert expected_seconds(get_config("cpu", **entry["config"])) == entry["seconds"]  # notebook 09's dot model
    assert expected_seconds(get_config("ci", task="dates", **TINY)) is None  # a model the course never trained
