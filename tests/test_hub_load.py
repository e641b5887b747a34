"""The pure pieces of the JupyterHub load test (tools/hub/hubload.py); the run itself is `make hub-test` (root)."""

import importlib.util
import stat
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("hubload", ROOT / "tools" / "hub" / "hubload.py")
hubload = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hubload)


# ------------------------------------------------------------------------------------------ percentile


def test_percentile_by_hand():
    # 5 values: ranks 0..4; p95 sits at rank 3.8, between 40 and 100: 40 + 0.8 * 60 = 88.
    values = [100, 10, 40, 20, 30]
    assert hubload.percentile(values, 50) == 30
    assert hubload.percentile(values, 95) == pytest.approx(88.0)
    assert hubload.percentile(values, 0) == 10 and hubload.percentile(values, 100) == 100


def test_percentile_interpolates_an_even_median():
    assert hubload.percentile([1, 2, 3, 4], 50) == 2.5


def test_percentile_matches_numpy():
    np = pytest.importorskip("numpy")
    values = [0.3, 7.1, 0.05, 2.2, 2.2, 9.9, 0.8, 1.4, 3.3, 0.01, 5.5]
    for q in (5, 25, 50, 90, 95, 99):
        assert hubload.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_of_nothing_or_bad_q_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        hubload.percentile([], 50)
    with pytest.raises(ValueError, match="within 0-100, got 120"):
        hubload.percentile([1.0], 120)


def test_summarize_counts_failed_students_and_pools_cells():
    students = [
        {"user": "a", "cell_latencies_s": [0.1, 0.2], "kernel_ready_s": [1.0], "first_kernel_s": 5.0},
        {"user": "b", "cell_latencies_s": [0.3], "kernel_ready_s": [], "error": "TimeoutError: x", "step": "open lab"},
    ]
    samples = {
        "kernel_hwm_mb": {11: 300.0, 12: 350.0},
        "kernels_total_peak_mb": 640.0,
        "load_max": 3.5,
        "cpu_s": {(1001, 11): 10.0, (1001, 13): 5.0, (1002, 12): 3.0},  # (uid, pid): a student's server and kernel
    }
    out = hubload.summarize(students, samples, users=2)
    assert out["failures"] == 1 and out["failed_users"][0]["step"] == "open lab"
    assert out["cells_executed"] == 3 and out["cell_latency_median_s"] == pytest.approx(0.2)
    assert out["kernel_rss_peak_mb"] == 350.0 and out["kernels_seen"] == 2
    assert out["time_to_first_kernel_s"]["median"] == 5.0
    assert out["cpu_s_per_student"]["max"] == 15.0 and out["cpu_s_per_student"]["median"] == 9.0


# ------------------------------------------------------------------------------------------ names, config


def test_user_names_are_recognisable_and_short():
    names = hubload.user_names("a1b2c3", 30)
    assert names[0] == "hlta1b2c3u01" and names[-1] == "hlta1b2c3u30" and len(set(names)) == 30
    assert all(hubload.USER_RE.match(n) and len(n) <= 32 for n in names)
    with pytest.raises(ValueError, match="6 hex digits"):
        hubload.user_names("root", 3)
    with pytest.raises(ValueError, match="1-999, got 0"):
        hubload.user_names("a1b2c3", 0)


def config(**changes):
    args = dict(
        ip="127.0.0.1",
        port=8000,
        hub_port=8081,
        proxy_api_port=8001,
        proxy_cmd="/x/node_modules/.bin/configurable-http-proxy",
        users=["hlta1b2c3u01", "hlta1b2c3u02"],
        password="a-long-password",
        service_token="t" * 64,
        course_python="/x/.venv/bin/python",
        pythonpath=["/x", "/x/build/hub/singleuser-lib"],
        state_dir="/x/build/hub/run-a1b2c3",
    )
    args.update(changes)
    return hubload.render_config(**args)


def test_config_loads_and_says_what_the_brief_asks():
    text = config(extra_env={"JUPYTER_PATH": "/v/share/jupyter"})
    namespace = {"c": _Config()}
    exec(compile(text, "jupyterhub_config.py", "exec"), namespace)
    c = namespace["c"]
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8001"
    assert c.JupyterHub.spawner_class == "localprocess"
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.Authenticator.allowed_users == {"hlta1b2c3u01", "hlta1b2c3u02"} and c.Authenticator.allow_all is False
    assert c.Spawner.cmd == ["/x/.venv/bin/python", "-m", "jupyterhub.singleuser"]
    assert c.Spawner.environment["PYTHONPATH"] == "/x:/x/build/hub/singleuser-lib"
    assert c.Spawner.environment["JUPYTER_PATH"] == "/v/share/jupyter"
    assert callable(c.Spawner.environment["COURSE_RUNS_DIR"])


class _Config:
    """c.Section.key = value, as traitlets' config object allows."""

    def __getattr__(self, name):
        section = types.SimpleNamespace()
        setattr(self, name, section)
        return section


def test_config_refuses_a_public_address_or_foreign_users():
    with pytest.raises(ValueError, match="loopback only, got ip='0.0.0.0'"):
        config(ip="0.0.0.0")
    with pytest.raises(ValueError, match="not throw-away user names.*'alice'"):
        config(users=["hlta1b2c3u01", "alice"])
    with pytest.raises(ValueError, match="at least 8 characters"):
        config(password="short")


def test_config_values_cannot_inject_code():
    text = config(password="x'; import os; os.system('id'); '")
    namespace = {"c": _Config()}
    exec(compile(text, "jupyterhub_config.py", "exec"), namespace)
    assert namespace["c"].SharedPasswordAuthenticator.user_password == "x'; import os; os.system('id'); '"
    assert "os" not in namespace


# ------------------------------------------------------------------------------------------ cleanup


def test_cleanup_plan_removes_everything_in_order():
    created = {
        "users": ["hlta1b2c3u01", "hlta1b2c3u02"],
        "group": "hlta1b2c3",
        "pids": [4242],
        "ports": [8000, 8081],
        "state_dir": "/x/build/hub/run-a1b2c3",
    }
    plan = hubload.cleanup_plan(created)
    actions = [a for a, _ in plan]
    # Every created thing has its removal.
    for user in created["users"]:
        assert ("stop-server", user) in plan and ("kill-user-processes", user) in plan and ("delete-user", user) in plan
    assert ("stop-process", "4242") in plan and ("delete-group", "hlta1b2c3") in plan
    assert ("remove-folder", "/x/build/hub/run-a1b2c3") in plan
    assert ("check-port-closed", "8000") in plan and ("check-port-closed", "8081") in plan
    # Order: servers, hub, leftover processes, users (userdel refuses a user with processes), group, folder, ports.
    first = {a: actions.index(a) for a in actions}
    last = {a: len(actions) - 1 - actions[::-1].index(a) for a in actions}
    assert last["stop-server"] < first["stop-process"] < first["kill-user-processes"]
    assert last["kill-user-processes"] < first["delete-user"] and last["delete-user"] < first["delete-group"]
    assert first["delete-group"] < first["remove-folder"] < first["check-port-closed"]


def test_cleanup_plan_of_a_partial_run():
    # A crash right after the group and one user: only those.
    plan = hubload.cleanup_plan({"users": ["hlta1b2c3u01"], "group": "hlta1b2c3", "state_dir": None})
    assert plan == [
        ("stop-server", "hlta1b2c3u01"),
        ("kill-user-processes", "hlta1b2c3u01"),
        ("delete-user", "hlta1b2c3u01"),
        ("delete-group", "hlta1b2c3"),
    ]


@pytest.mark.parametrize(
    "created",
    [
        {"users": ["root"], "group": "hlta1b2c3"},
        {"users": ["hlta1b2c3u01", "alice"], "group": None},
        {"users": ["hlta1b2c3u01"], "group": "students"},
        {"users": ["hlta1b2c3u01; rm -rf /"], "group": None},
    ],
)
def test_cleanup_plan_refuses_names_it_never_creates(created):
    with pytest.raises(ValueError, match="refusing to remove names this tool never creates"):
        hubload.cleanup_plan(created)


# ------------------------------------------------------------------------------------------ interpreter


def fake_stat(modes):
    def stat_(path):
        return types.SimpleNamespace(st_mode=modes.get(str(path), 0o40755))

    return stat_


def test_world_reachable_needs_every_folder_above_it():
    exe = "/root/.pyenv/versions/3.11.7/bin/python3.11"
    assert hubload.world_reachable(exe, stat=fake_stat({exe: stat.S_IFREG | 0o755}))
    # pyenv under /root, mode 700: students cannot reach the interpreter.
    assert not hubload.world_reachable(exe, stat=fake_stat({exe: stat.S_IFREG | 0o755, "/root": 0o40700}))
    assert not hubload.world_reachable(exe, stat=fake_stat({exe: stat.S_IFREG | 0o750}))
    with pytest.raises(ValueError, match="absolute path"):
        hubload.world_reachable("bin/python")


def test_shim_pth_line_adds_the_course_site_packages(tmp_path):
    line = hubload.shim_pth_line("/work/main/.venv/lib/python3.11/site-packages")
    assert line.startswith("import site; ") and line.endswith("\n")
    assert "site.addsitedir('/work/main/.venv/lib/python3.11/site-packages')" in line


def test_config_pins_each_student_to_a_cpu_round_robin(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    namespace = {"c": _Config()}
    exec(compile(config(cpus_per_user=1), "jupyterhub_config.py", "exec"), namespace)
    hook = namespace["c"].Spawner.pre_spawn_hook
    pinned = []
    for name in ("hlta1b2c3u01", "hlta1b2c3u02", "hlta1b2c3u03"):
        spawner = types.SimpleNamespace(
            user=types.SimpleNamespace(name=name), cmd=["/py", "-m", "jupyterhub.singleuser"]
        )
        hook(spawner)
        assert spawner.cmd[:2] == ["taskset", "--cpu-list"] and spawner.cmd[3:] == [
            "/py",
            "-m",
            "jupyterhub.singleuser",
        ]
        pinned.append(spawner.cmd[2])
    assert pinned == ["0", "1", "0"]
    # Without the option no hook is set.
    namespace = {"c": _Config()}
    exec(compile(config(), "jupyterhub_config.py", "exec"), namespace)
    assert not hasattr(namespace["c"].Spawner, "pre_spawn_hook")


def test_cleanup_plan_removes_cgroups_children_first_and_refuses_others():
    created = {
        "users": ["hlta1b2c3u01"],
        "group": "hlta1b2c3",
        "cgroups": ["/sys/fs/cgroup/cpu/hlta1b2c3", "/sys/fs/cgroup/cpu/hlta1b2c3/hlta1b2c3u01"],
    }
    plan = hubload.cleanup_plan(created)
    cgroups = [arg for action, arg in plan if action == "remove-cgroup"]
    assert cgroups == ["/sys/fs/cgroup/cpu/hlta1b2c3/hlta1b2c3u01", "/sys/fs/cgroup/cpu/hlta1b2c3"]
    assert [a for a, _ in plan].index("remove-cgroup") > [a for a, _ in plan].index("kill-user-processes")
    with pytest.raises(ValueError, match="cgroups this tool never creates"):
        hubload.cleanup_plan({"users": [], "cgroups": ["/sys/fs/cgroup/cpu"]})


def test_config_with_a_cpu_quota_moves_each_server_into_its_cgroup():
    text = config(cgroup_parent="/sys/fs/cgroup/cpu/hlta1b2c3")
    assert "class QuotaSpawner(LocalProcessSpawner)" in text and "c.JupyterHub.spawner_class = QuotaSpawner" in text
    assert "'/sys/fs/cgroup/cpu/hlta1b2c3' + '/' + self.user.name + '/cgroup.procs'" in text
    with pytest.raises(ValueError, match="not a cgroup this tool creates"):
        config(cgroup_parent="/sys/fs/cgroup/cpu")


# ------------------------------------------------------------------------------------------ the stored runs


def stored_runs():
    import json

    return json.loads((ROOT / "results" / "hub-load.json").read_text())["runs"]


def plain(n):
    """The last stored run with n students and no CPU limit per student."""
    runs = [r for r in stored_runs() if r["N"] == n and not r.get("cpus_per_user") and not r.get("cpu_quota_per_user")]
    assert runs, f"results/hub-load.json has no run with N = {n}: run `make hub-test USERS={n}` as root"
    return runs[-1]


def test_stored_runs_have_the_fields_the_docs_quote():
    for run in stored_runs():
        for key in ("date", "machine", "N", "users", "failures", "cell_latency_p95_s", "kernel_rss_peak_mb"):
            assert key in run, f"run of {run.get('date')} lacks {key}"
        assert run["users"] == run["N"] and run["cleanup_problems"] == []


def test_ten_students_ran_without_a_failure():
    assert plain(10)["failures"] == 0


@pytest.mark.parametrize("doc", ["README.md", "TEACHING.md"])
def test_docs_quote_the_stored_runs(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    for n in (10, 30):
        run = plain(n)
        assert f"{run['cell_latency_p95_s']:.1f} s" in text, f"{doc} does not quote N = {n}'s p95 cell latency"
        assert f"{run['kernel_rss_peak_mb']:.0f} MB" in text, f"{doc} does not quote N = {n}'s peak kernel memory"


# ------------------------------------------------------------------------------------------ reconnecting


class _Closed(Exception):
    pass


def fake_websocket(closes_before_reply: int):
    """A websocket module whose server closes the connection `closes_before_reply` times, then answers."""
    import json

    state = {"connections": 0}

    class Conn:
        def __init__(self):
            state["connections"] += 1
            self.number = state["connections"]

        def send(self, text):
            self.msg_id = json.loads(text)["header"]["msg_id"]

        def recv(self):
            if self.number <= closes_before_reply:
                raise _Closed("Connection to remote host was lost.")
            return json.dumps({"header": {"msg_type": "kernel_info_reply"}, "parent_header": {"msg_id": self.msg_id}})

        def close(self):
            pass

    module = types.SimpleNamespace(
        WebSocketConnectionClosedException=_Closed, create_connection=lambda *a, **k: Conn(), state=state
    )
    return module


def test_a_closed_kernel_websocket_is_reopened_and_counted():
    ws_module = fake_websocket(closes_before_reply=2)
    rec = {"user": "hlta1b2c3u01"}
    ws = hubload.connect_kernel(ws_module, "ws://x", "c=1", "s", rec)
    assert ws is not None and rec["reconnects"] == 2 and ws_module.state["connections"] == 3


def test_a_kernel_that_never_answers_fails_after_the_last_try():
    ws_module = fake_websocket(closes_before_reply=99)
    rec = {"user": "hlta1b2c3u01"}
    with pytest.raises(_Closed):
        hubload.connect_kernel(ws_module, "ws://x", "c=1", "s", rec)
    assert ws_module.state["connections"] == hubload.KERNEL_CONNECT_TRIES
