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
