"""Checkpoints a class can share, and checkpoints that are checked before they are trusted (issue 12).

A runs folder shared by several users, a checkpoint copied to the name of another
configuration, a truncated or old-format file, a run cut short by the time cap,
interrupted saves and dead lock holders.
"""

import json
import os
import pickle
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from rnn_attention.train import load_or_train
from rnn_attention.train.checkpoints import (
    CHECKPOINT_FORMAT,
    _file_lock,
    checkpoint_path,
    config_differences,
    runs_dir,
)

ROOT = Path(__file__).resolve().parents[1]


def trained(tiny_cfg, tmp_path, **changes):
    """A tiny model trained into tmp_path, and its config."""
    cfg = tiny_cfg(**changes)
    return load_or_train(cfg, tmp_path, verbose=False), cfg


def test_runs_dir_is_the_checkout_or_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_RUNS_DIR", raising=False)
    assert runs_dir() == ROOT / "runs"  # this checkout
    monkeypatch.setenv("COURSE_RUNS_DIR", str(tmp_path / "shared"))
    assert runs_dir() == tmp_path / "shared"


def test_an_installed_package_never_writes_into_site_packages(tmp_path):
    # A copy of the package outside any checkout (as pip install puts it in site-packages).
    site = tmp_path / "site-packages"
    subprocess.run(["cp", "-r", str(ROOT / "rnn_attention"), str(site / "rnn_attention")], check=False)
    site.mkdir(exist_ok=True)
    if not (site / "rnn_attention").exists():
        import shutil

        shutil.copytree(ROOT / "rnn_attention", site / "rnn_attention")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "COURSE_RUNS_DIR"}
    env["PYTHONPATH"] = str(site)
    code = "from rnn_attention.train.checkpoints import runs_dir; print(runs_dir())"
    out = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, check=True)
    assert Path(out.stdout.strip()) == work / "runs"


def test_files_and_lock_are_group_shareable_under_umask_002(tiny_cfg, tmp_path):
    old = os.umask(0o002)
    try:
        run, cfg = trained(tiny_cfg, tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(run.path.stat().st_mode) == 0o664
    assert stat.S_IMODE(Path(str(run.path) + ".lock").stat().st_mode) == 0o664


def test_a_copied_checkpoint_of_another_configuration_is_not_loaded(tiny_cfg, tmp_path):
    big, _ = trained(tiny_cfg, tmp_path, hidden_size=32)
    small_cfg = tiny_cfg(hidden_size=16)
    run_small = load_or_train(small_cfg, tmp_path / "other", verbose=False)
    target = run_small.path
    target.write_bytes(big.path.read_bytes())  # the hidden-size-32 file under the name of the 16 one
    with pytest.warns(RuntimeWarning, match=r"another configuration: hidden_size=32 \(asked for 16\)"):
        again = load_or_train(small_cfg, tmp_path / "other", verbose=False)
    assert not again.loaded and again.model.decoder.hidden_size == 16


@pytest.mark.parametrize("damage", ["truncated", "old format", "not a checkpoint"])
def test_truncated_old_and_foreign_files_are_retrained(tiny_cfg, tmp_path, damage):
    run, cfg = trained(tiny_cfg, tmp_path)
    if damage == "truncated":
        run.path.write_bytes(run.path.read_bytes()[:200])
        expected = "could not be loaded"
    elif damage == "old format":
        payload = torch.load(run.path, weights_only=True)
        torch.save({**payload, "format": CHECKPOINT_FORMAT - 1}, run.path)
        expected = "not a checkpoint of format"
    else:
        run.path.write_bytes(pickle.dumps({"hello": "world"}))
        expected = "could not be loaded"
    with pytest.warns(RuntimeWarning, match=expected):
        again = load_or_train(cfg, tmp_path, verbose=False)
    assert not again.loaded
    assert load_or_train(cfg, tmp_path, verbose=False).loaded  # the retrained file is good


def test_a_run_cut_short_by_the_time_cap_says_so_and_is_never_loaded(tiny_cfg, tmp_path, capsys):
    cfg = tiny_cfg(max_steps=50, epochs=5, max_seconds=1e-9)
    run = load_or_train(cfg, tmp_path, verbose=False)
    assert run.info["stopped_by_time"] and run.info["steps"] < run.info["steps_planned"] == 50
    assert "Training stopped by the time cap" in capsys.readouterr().out
    with pytest.warns(RuntimeWarning, match=r"the time cap cut that run short at \d+ of 50 planned steps"):
        again = load_or_train(cfg, tmp_path, verbose=False)
    assert not again.loaded


def test_config_differences_names_the_fields(tiny_cfg):
    a, b = tiny_cfg(hidden_size=16), tiny_cfg(hidden_size=32, lr=1e-3, progress=True)
    assert config_differences(a, b) == {"hidden_size": (16, 32), "lr": (4e-3, 1e-3)}


def test_interrupted_saves_leave_no_temporaries_behind(tiny_cfg, tmp_path):
    cfg = tiny_cfg()
    path = checkpoint_path(cfg, tmp_path, "x")
    path.parent.mkdir(parents=True, exist_ok=True)
    orphan = path.with_name(path.name + ".1234.deadbeef.tmp")
    orphan.write_bytes(b"half a checkpoint")
    run = load_or_train(cfg, tmp_path, verbose=False)
    stale = path.with_name(run.path.name + ".999.cafe.tmp")
    stale.write_bytes(b"x")
    load_or_train(cfg.replace(seed=1), tmp_path, verbose=False)  # another key: its own temporaries only
    assert stale.exists()
    run.path.unlink()
    load_or_train(cfg, tmp_path, verbose=False)  # saving this key again cleans its orphans
    assert not stale.exists()


def test_a_lock_held_by_a_killed_process_is_taken_over(tmp_path):
    path = tmp_path / "model.pt"
    code = (
        "import sys, time; from pathlib import Path; "
        "from rnn_attention.train.checkpoints import _file_lock\n"
        f"with _file_lock(Path({str(path)!r})):\n    print('locked', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "locked"
    child.kill()
    child.wait()
    start = time.perf_counter()
    with _file_lock(path):
        pass
    assert time.perf_counter() - start < 5


def test_a_read_only_lock_file_still_locks(tmp_path):
    path = tmp_path / "model.pt"
    lock = Path(str(path) + ".lock")
    lock.write_text("")
    lock.chmod(0o444)
    with _file_lock(path):  # as a second user who may only read the first user's lock
        pass


TWO_USERS = r"""
import json, os, sys
sys.path.insert(0, {root!r})
import tempfile
from rnn_attention.train import get_config, load_or_train
cfg = get_config("ci", task="copy", emb_size=8, hidden_size=16, attn_size=8, batch_size=32, epochs=1, max_steps=3,
                 valid_pairs=10, snapshot_every=2, probe_size=2, log_every=1, progress=False, device="cpu",
                 data_dir={data!r})
# A rehearsal as root in a private folder, so every module (torch imports some lazily) is loaded while
# they can be read: the interpreter may live where other users cannot (/root/...).
with tempfile.TemporaryDirectory() as rehearsal:
    load_or_train(cfg, rehearsal, verbose=False)
os.setgroups([{gid}]); os.setgid({gid}); os.setuid({uid})  # from here on, this process is user {uid}
os.umask(0o002)
run = load_or_train(cfg, {runs!r}, verbose=False)
print(json.dumps({{"uid": os.getuid(), "loaded": run.loaded, "path": str(run.path)}}))
"""

GROUP = 100  # the group the two users share (the class)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run as two users")
def test_two_users_share_one_runs_folder(copy_task_dir, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(copy_task_dir, data)  # where the other users can read it
    shared = tmp_path / "shared-runs"
    shared.mkdir()
    os.chown(shared, 0, GROUP)
    shared.chmod(0o2775)  # setgid: files inherit the class's group
    for folder in (tmp_path, *tmp_path.parents):
        if folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o005)  # others may enter the test's temporary folders
    for path in (data, *data.rglob("*")):
        path.chmod(path.stat().st_mode | 0o005)
    results = []
    for uid in (1001, 1002):
        script = TWO_USERS.format(root=str(ROOT), data=str(data), runs=str(shared), uid=uid, gid=GROUP)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert [r["uid"] for r in results] == [1001, 1002]
    assert [r["loaded"] for r in results] == [False, True], results  # one trains, the other loads
    assert results[0]["path"] == results[1]["path"]
    files = sorted(p.name for p in shared.iterdir())
    assert len([f for f in files if f.endswith(".pt")]) == 1 and not [f for f in files if f.endswith(".tmp")], files
    checkpoint = Path(results[0]["path"])
    assert checkpoint.stat().st_uid == 1001 and checkpoint.stat().st_gid == GROUP
    assert stat.S_IMODE(checkpoint.stat().st_mode) & 0o060 == 0o060  # the group may read and replace it
