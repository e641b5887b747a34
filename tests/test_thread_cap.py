"""Every kernel caps torch's threads to the CPUs it may use: affinity and cgroup quota, faked here."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnn_attention.environment import cap_threads, cpu_limit

ROOT = Path(__file__).resolve().parents[1]


def fake_root(tmp_path, cgroup_lines, files):
    """A folder that looks like / to cpu_limit: proc/self/cgroup and files under sys/fs/cgroup."""
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/cgroup").write_text("\n".join(cgroup_lines) + "\n")
    (tmp_path / "sys/fs/cgroup").mkdir(parents=True)
    for rel, text in files.items():
        path = tmp_path / "sys/fs/cgroup" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_cgroup_v2_quota_caps_the_affinity(tmp_path):
    root = fake_root(tmp_path, ["0::/user/kernel"], {"user/kernel/cpu.max": "150000 100000\n"})
    assert cpu_limit(root, affinity={0, 1, 2, 3}) == 2  # 1.5 CPUs: rounded up, not down to 1


def test_cgroup_v2_parent_limit_counts(tmp_path):
    root = fake_root(
        tmp_path, ["0::/hub/alice"], {"hub/cpu.max": "100000 100000\n", "hub/alice/cpu.max": "max 100000\n"}
    )
    assert cpu_limit(root, affinity={0, 1, 2, 3}) == 1


def test_cgroup_v2_without_a_limit_leaves_the_affinity(tmp_path):
    root = fake_root(tmp_path, ["0::/"], {"cpu.max": "max 100000\n"})
    assert cpu_limit(root, affinity={0, 1, 2}) == 3


def test_cgroup_v1_cfs_quota(tmp_path):
    root = fake_root(
        tmp_path,
        ["4:memory:/x", "2:cpu,cpuacct:/docker/abc"],
        {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n", "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"},
    )
    assert cpu_limit(root, affinity={0, 1, 2, 3}) == 1


def test_cgroup_v1_no_quota_is_minus_one(tmp_path):
    root = fake_root(tmp_path, ["1:cpu:/"], {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert cpu_limit(root, affinity={0, 1}) == 2


def test_container_path_missing_from_the_mount_uses_its_root(tmp_path):
    # Inside a container /proc/self/cgroup names the host's path; the namespace shows its own cgroup as the root.
    root = fake_root(tmp_path, ["0::/system.slice/docker-1.scope"], {"cpu.max": "200000 100000\n"})
    assert cpu_limit(root, affinity=set(range(8))) == 2


def test_affinity_smaller_than_quota_wins(tmp_path):
    root = fake_root(tmp_path, ["0::/"], {"cpu.max": "400000 100000\n"})
    assert cpu_limit(root, affinity={3}) == 1


def test_unreadable_or_garbled_files_mean_no_limit(tmp_path):
    assert cpu_limit(tmp_path / "nowhere", affinity={0, 1}) == 2
    root = fake_root(tmp_path, ["0::/"], {"cpu.max": "lots\n"})
    assert cpu_limit(root, affinity={0, 1}) == 2


def test_cap_threads_lowers_and_never_raises():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert cap_threads(1) == 1 and torch.get_num_threads() == 1
        assert cap_threads(4) == 1  # never raised again
    finally:
        torch.set_num_threads(before)


def test_cap_threads_refuses_a_zero_limit():
    with pytest.raises(ValueError, match="at least 1 CPU, got 0"):
        cap_threads(0)


def test_importing_the_package_caps_a_kernel():
    """A fresh interpreter pinned to one CPU with torch asked for 2 threads: importing the course lowers it to 1."""
    code = (
        "import os, torch; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); torch.set_num_threads(2); "
        "import rnn_attention; print(torch.get_num_threads())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
