"""A real JupyterHub load test: N throw-away students run notebooks 02-04 through their own kernels.

Run by `make hub-test USERS=10` as root (it creates system users). What it does, in order:

1. Creates a group and N system users named `hlt<run>u<NN>` (a home each, no login shell), and copies the
   executed solutions of notebooks 02-04 into each home's notebooks/ folder. Every name it creates is written
   to build/hub/run-<run>/created.json first, so `--cleanup-leftovers` can remove them after a crash.
2. Starts JupyterHub (LocalProcessSpawner: each student's server runs as that student, with the course venv's
   Python) and configurable-http-proxy on 127.0.0.1 only, free ports, SharedPasswordAuthenticator with a random
   password that only the N throw-away users may use (allowed_users).
3. Each student, in a thread, does what a browser does (as hubtraf does): log in with the form, start the server
   through the hub's REST API, open /user/NAME/lab (the OAuth redirects included), then for each notebook open a
   session (a kernel) through the server's REST API and execute every code cell in order over the kernel's
   websocket, pausing `--think-s` between cells; then it closes the session.
4. A monitor samples every process of the throw-away users (RSS, and the kernel's peak, VmHWM) and the load average.
5. Removes everything it created: servers, hub, proxy, every process of the users, the users and their homes,
   the group, the run folder; then checks that no port it used still listens.

The pure pieces (percentile, summary, config, cleanup list, names) are tested in tests/test_hub_load.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "build" / "hub"
NOTEBOOKS = ("02_alignment_scores", "03_softmax", "04_context_vector")
USER_RE = re.compile(r"^hlt[0-9a-f]{6}u\d{2,3}$")  # the only names this tool ever creates or removes
GROUP_RE = re.compile(r"^hlt[0-9a-f]{6}$")
CGROUP_RE = re.compile(r"^/sys/fs/cgroup/cpu/hlt[0-9a-f]{6}(/hlt[0-9a-f]{6}u\d{2,3})?$")
MARKER = "hub load test, remove me"
ABOUT = (
    "JupyterHub load test runs (make hub-test, tools/hub/hubload.py): N throw-away students each log in, start a "
    "server and run notebooks 02-04 cell by cell through their own kernels. Times in seconds, memory in MB (RSS; a "
    "kernel's peak is its VmHWM). 'failures' counts students who did not finish every cell. See the README, "
    "'JupyterHub load test', and TEACHING.md, 'How many students one hub holds'."
)  # the GECOS field of every user it creates


# ----------------------------------------------------------------------------------------- pure pieces


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    data = sorted(float(v) for v in values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0-100, got {q}")
    pos = (len(data) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def user_names(run_id: str, n: int) -> list[str]:
    """hlt<run>u01, hlt<run>u02, ...: short (useradd allows 32), lower case, recognisable by USER_RE."""
    if not re.fullmatch(r"[0-9a-f]{6}", run_id):
        raise ValueError(f"run id must be 6 hex digits, got {run_id!r}")
    if not 1 <= n <= 999:
        raise ValueError(f"number of users must be 1-999, got {n}")
    width = 2 if n < 100 else 3
    return [f"hlt{run_id}u{i:0{width}d}" for i in range(1, n + 1)]


def render_config(
    *,
    ip: str,
    port: int,
    hub_port: int,
    proxy_api_port: int,
    proxy_cmd: str,
    users: list[str],
    password: str,
    service_token: str,
    course_python: str,
    pythonpath: list[str],
    state_dir: str,
    extra_env: dict | None = None,
    cpus_per_user: int = 0,
    cgroup_parent: str | None = None,
    start_timeout: int = 600,
) -> str:
    """The jupyterhub_config.py of one run. Every value goes through repr(), so no value can inject code."""
    if ip not in ("127.0.0.1", "::1", "localhost"):
        raise ValueError(f"the load test's hub listens on the loopback only, got ip={ip!r}")
    bad = [u for u in users if not USER_RE.match(u)]
    if bad:
        raise ValueError(f"not throw-away user names (expected hlt<6 hex>u<NN>): {bad}")
    if len(password) < 8:
        raise ValueError("SharedPasswordAuthenticator needs a password of at least 8 characters")
    env = {"PYTHONPATH": ":".join(pythonpath), "COURSE_PROFILE": "cpu", "MPLBACKEND": "agg", **(extra_env or {})}
    lines = [
        "# Written by tools/hub/hubload.py for one load-test run; removed with the run.",
        "import pwd",
        f"c.JupyterHub.ip = {ip!r}",
        f"c.JupyterHub.port = {port!r}",
        f"c.JupyterHub.hub_ip = {ip!r}",
        f"c.JupyterHub.hub_port = {hub_port!r}",
        f"c.ConfigurableHTTPProxy.api_url = {f'http://{ip}:{proxy_api_port}'!r}",
        f"c.ConfigurableHTTPProxy.command = [{proxy_cmd!r}]",
        "c.ConfigurableHTTPProxy.should_start = True",
        f"c.JupyterHub.db_url = {'sqlite:///' + state_dir + '/jupyterhub.sqlite'!r}",
        f"c.JupyterHub.cookie_secret_file = {state_dir + '/jupyterhub_cookie_secret'!r}",
        f"c.JupyterHub.pid_file = {state_dir + '/jupyterhub.pid'!r}",
        "c.JupyterHub.cleanup_servers = True",
        "c.JupyterHub.concurrent_spawn_limit = 0  # no limit: the test measures what the machine does",
        "c.JupyterHub.active_server_limit = 0",
        "c.JupyterHub.authenticator_class = 'shared-password'",
        f"c.SharedPasswordAuthenticator.user_password = {password!r}",
        f"c.Authenticator.allowed_users = {set(users)!r}",
        "c.Authenticator.allow_all = False",
        "c.Authenticator.admin_users = set()",
        "c.JupyterHub.spawner_class = 'localprocess'",
        f"c.Spawner.cmd = [{course_python!r}, '-m', 'jupyterhub.singleuser']",
        "c.Spawner.default_url = '/lab'",
        f"c.Spawner.start_timeout = {start_timeout!r}",
        f"c.Spawner.http_timeout = {start_timeout!r}",
        f"c.Spawner.environment = {env!r}",
        "c.Spawner.environment['COURSE_RUNS_DIR'] = lambda spawner: pwd.getpwnam(spawner.user.name).pw_dir + '/runs'",
        "c.JupyterHub.services = [",
        f"    {{'name': 'hub-load-test', 'api_token': {service_token!r}}},",
        "]",
        "c.JupyterHub.load_roles = [",
        "    {'name': 'hub-load-test', 'services': ['hub-load-test'],",
        "     'scopes': ['admin:servers', 'list:users', 'read:users', 'read:servers']},",
        "]",
    ]
    if cpus_per_user:
        # A CPU quota per student, as a hub with cgroup limits gives (LocalProcessSpawner enforces none): the
        # server, and the kernels it starts, run under `taskset` on cpus_per_user CPUs, round robin by user number.
        lines += [
            "import os",
            "def _pin_cpus(spawner):",
            "    cpus = sorted(os.sched_getaffinity(0))",
            "    first = (int(spawner.user.name.rsplit('u', 1)[1]) - 1) * " + repr(cpus_per_user),
            "    mine = [cpus[(first + k) % len(cpus)] for k in range(" + repr(cpus_per_user) + ")]",
            "    spawner.cmd = ['taskset', '--cpu-list', ','.join(map(str, mine)), *spawner.cmd]",
            "c.Spawner.pre_spawn_hook = _pin_cpus",
        ]
    if cgroup_parent:
        # A CPU quota per student (cgroup v1 CFS, one folder per user made by the test): the hub, as root, moves
        # each server into its user's folder as soon as it starts; the kernels it starts later inherit it.
        if not CGROUP_RE.match(cgroup_parent):
            raise ValueError(f"not a cgroup this tool creates: {cgroup_parent!r}")
        lines += [
            "from jupyterhub.spawner import LocalProcessSpawner",
            "class QuotaSpawner(LocalProcessSpawner):",
            "    async def start(self):",
            "        started = await super().start()",
            f"        with open({cgroup_parent!r} + '/' + self.user.name + '/cgroup.procs', 'w') as f:",
            "            f.write(str(self.pid))",
            "        return started",
            "c.JupyterHub.spawner_class = QuotaSpawner",
        ]
    return "\n".join(lines) + "\n"


def world_reachable(path: str | Path, stat=os.stat) -> bool:
    """Whether a user who is neither owner nor group can run `path`: o+x on every folder above it, o+rx on it.

    A course venv made from a Python under /root (pyenv's default, mode 700) fails this: each student's
    server would die with "Permission denied" before it starts.
    """
    import stat as st

    path = Path(path)
    if not path.is_absolute():
        raise ValueError(f"world_reachable needs an absolute path, got {str(path)!r}")
    mode = stat(path).st_mode
    if not (mode & st.S_IROTH and mode & st.S_IXOTH):
        return False
    return all(stat(folder).st_mode & st.S_IXOTH for folder in path.parents)


def shim_pth_line(site_packages: str) -> str:
    """The .pth line that gives another interpreter of the same X.Y the course venv's packages (and their .pth)."""
    return f"import site; site.addsitedir({site_packages!r})\n"


def cleanup_plan(created: dict) -> list[tuple[str, str]]:
    """What to remove, in order, from the record of what a run created (created.json).

    Servers stop before the hub; the hub and the proxy before the users' leftover processes are killed; processes
    before their users are deleted (userdel refuses a user with processes); users before their group; the run
    folder last. A name that this tool could not have created is refused, so a corrupt record removes nothing else.
    """
    plan: list[tuple[str, str]] = []
    users = list(created.get("users", []))
    bad = [u for u in users if not USER_RE.match(u)]
    group = created.get("group")
    if bad or (group is not None and not GROUP_RE.match(group)):
        raise ValueError(f"refusing to remove names this tool never creates: users {bad}, group {group!r}")
    for user in users:
        plan.append(("stop-server", user))
    for pid in created.get("pids", []):  # the hub (the proxy is its child and stops with it)
        plan.append(("stop-process", str(int(pid))))
    for user in users:
        plan.append(("kill-user-processes", user))
    for user in users:
        plan.append(("delete-user", user))  # userdel --remove: the home too
    cgroups = list(created.get("cgroups", []))
    bad = [g for g in cgroups if not CGROUP_RE.match(g)]
    if bad:
        raise ValueError(f"refusing to remove cgroups this tool never creates: {bad}")
    for folder in sorted(cgroups, key=len, reverse=True):  # a user's folder before its parent
        plan.append(("remove-cgroup", folder))
    if group:
        plan.append(("delete-group", group))
    if created.get("state_dir"):
        plan.append(("remove-folder", created["state_dir"]))
    for port in created.get("ports", []):
        plan.append(("check-port-closed", str(int(port))))
    return plan


def summarize(students: list[dict], samples: dict, *, users: int) -> dict:
    """The numbers of one run, from each student's record and the monitor's peaks."""
    failed = [s for s in students if s.get("error")]
    cells = [lat for s in students for lat in s.get("cell_latencies_s", [])]
    kernel_waits = [w for s in students for w in s.get("kernel_ready_s", [])]
    first_kernel = [s["first_kernel_s"] for s in students if s.get("first_kernel_s") is not None]
    servers = [s["server_ready_s"] for s in students if s.get("server_ready_s") is not None]

    def stats(values):
        if not values:
            return None
        return {
            "median": round(percentile(values, 50), 3),
            "p95": round(percentile(values, 95), 3),
            "max": round(max(values), 3),
        }

    kernel_peaks = samples.get("kernel_hwm_mb", {})
    cpu_by_user: dict[int, float] = {}
    for (uid, _pid), seconds in samples.get("cpu_s", {}).items():
        cpu_by_user[uid] = cpu_by_user.get(uid, 0.0) + seconds
    by_cell: dict[str, list[float]] = {}
    for s in students:
        for stem, index, latency in s.get("cells", []):
            by_cell.setdefault(f"{stem} cell {index}", []).append(latency)
    slowest = sorted(by_cell.items(), key=lambda item: -percentile(item[1], 50))[:5]
    return {
        "users": users,
        "failures": len(failed),
        "failed_users": [{"user": s["user"], "step": s.get("step"), "error": s["error"]} for s in failed],
        "cells_executed": len(cells),
        "cell_errors": sum(s.get("cell_errors", 0) for s in students),
        "kernel_reconnects": sum(s.get("reconnects", 0) for s in students),
        "cell_latency_median_s": round(percentile(cells, 50), 3) if cells else None,
        "cell_latency_p95_s": round(percentile(cells, 95), 3) if cells else None,
        "cell_latency_max_s": round(max(cells), 3) if cells else None,
        "slowest_cells_median_s": {name: round(percentile(v, 50), 2) for name, v in slowest},
        "time_to_server_s": stats(servers),
        "time_to_first_kernel_s": stats(first_kernel),
        "kernel_start_s": stats(kernel_waits),
        "kernel_torch_threads": sorted(
            {
                f"{k['torch_threads']} torch threads on {k['cpus']} CPUs of its affinity"
                for s in students
                for k in s.get("kernels", [])
                if "torch_threads" in k
            }
        ),
        "kernel_packages": sorted({k["package"] for s in students for k in s.get("kernels", []) if "package" in k}),
        "cpu_s_per_student": stats(list(cpu_by_user.values())),
        "kernel_rss_peak_mb": round(max(kernel_peaks.values()), 1) if kernel_peaks else None,
        "kernel_rss_median_peak_mb": round(percentile(kernel_peaks.values(), 50), 1) if kernel_peaks else None,
        "kernels_seen": len(kernel_peaks),
        "kernels_rss_total_peak_mb": round(samples.get("kernels_total_peak_mb", 0.0), 1),
        "server_rss_peak_mb": round(samples.get("server_peak_mb", 0.0), 1),
        "users_rss_total_peak_mb": round(samples.get("users_total_peak_mb", 0.0), 1),
        "hub_and_proxy_rss_peak_mb": round(samples.get("hub_total_peak_mb", 0.0), 1),
        "load_average_max_1min": samples.get("load_max"),
    }


# ------------------------------------------------------------------------------------- system helpers


def log(msg: str) -> None:
    print(f"[hub-test {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_listens(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def uid_of(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


def pids_of_uids(uids: set[int]) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def proc_status(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kb(value: str) -> float:
    return float(value.split()[0]) / 1024 if value else 0.0


def descendants(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(proc_status(int(entry)).get("PPid", "0"))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
            if ppid == pid:
                children.append(int(entry))
    return children + [d for c in children for d in descendants(c)]


class Monitor(threading.Thread):
    """Samples the throw-away users' processes every second: RSS now, and each kernel's peak (VmHWM)."""

    def __init__(self, uids: set[int], hub_pid: int, interval: float = 1.0):
        super().__init__(daemon=True)
        self.uids, self.hub_pid, self.interval = uids, hub_pid, interval
        self.stop_event = threading.Event()
        self.samples = {
            "kernel_hwm_mb": {},
            "kernels_total_peak_mb": 0.0,
            "server_peak_mb": 0.0,
            "users_total_peak_mb": 0.0,
            "hub_total_peak_mb": 0.0,
            "load_max": 0.0,
            "cpu_s": {},  # (uid, pid) -> CPU seconds (user + system) at the last sample
        }

    def sample(self) -> None:
        s = self.samples
        kernels = users_total = 0.0
        for pid in pids_of_uids(self.uids):
            try:
                status = proc_status(pid)
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (FileNotFoundError, ProcessLookupError):
                continue
            rss = kb(status.get("VmRSS", ""))
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
                uid = int(status.get("Uid", "0").split()[0])
                s["cpu_s"][(uid, pid)] = ticks / os.sysconf("SC_CLK_TCK")
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
            users_total += rss
            if b"ipykernel" in cmdline:
                kernels += rss
                s["kernel_hwm_mb"][pid] = max(s["kernel_hwm_mb"].get(pid, 0.0), kb(status.get("VmHWM", "")))
            elif b"jupyterhub.singleuser" in cmdline:
                s["server_peak_mb"] = max(s["server_peak_mb"], rss)
        hub = 0.0
        for pid in [self.hub_pid, *descendants(self.hub_pid)]:
            try:
                if os.stat(f"/proc/{pid}").st_uid == 0:  # the hub and the proxy, not the students' servers
                    hub += kb(proc_status(pid).get("VmRSS", ""))
            except (FileNotFoundError, ProcessLookupError):
                pass
        s["kernels_total_peak_mb"] = max(s["kernels_total_peak_mb"], kernels)
        s["users_total_peak_mb"] = max(s["users_total_peak_mb"], users_total)
        s["hub_total_peak_mb"] = max(s["hub_total_peak_mb"], hub)
        s["load_max"] = max(s["load_max"], os.getloadavg()[0])

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.sample()
            except Exception as exc:  # a sample lost is not a test lost; say so
                log(f"monitor: sample failed: {exc!r}")
            self.stop_event.wait(self.interval)


# ------------------------------------------------------------------------------------------- a student


def cookie(session, name: str, path_prefix: str) -> str | None:
    for c in session.cookies:
        if c.name == name and c.path.startswith(path_prefix):
            return c.value
    return None


PROBE = (
    "import json as _j, os as _o, sys as _s, torch as _t, rnn_attention as _r\n"
    "print(_j.dumps({'torch_threads': _t.get_num_threads(), 'cpus': len(_o.sched_getaffinity(0)), "
    "'package': _r.__file__, 'python': _s.executable}))"
)  # run after each notebook, not timed: which package the kernel imported, and its torch threads


def execute(ws, session_id: str, code: str, timeout: float, stdout: list | None = None) -> tuple[float, str | None]:
    """Run one cell over the kernel websocket; the time until both execute_reply and status idle arrive."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps(kernel_message("execute_request", session_id, msg_id, "shell", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False,
        "stop_on_error": True,
    })))  # fmt: skip
    start = time.monotonic()
    reply = idle = False
    error = None
    ws.settimeout(timeout)
    while not (reply and idle):
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "execute_reply":
            reply = True
            if msg["content"].get("status") != "ok":
                error = f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"
        elif kind == "status" and msg["content"].get("execution_state") == "idle":
            idle = True
        elif kind == "stream" and stdout is not None:
            stdout.append(msg["content"].get("text", ""))
        elif kind == "error" and error is None:
            error = f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"
    return time.monotonic() - start, error


def kernel_message(msg_type: str, session_id: str, msg_id: str, channel: str, content: dict) -> dict:
    return {
        "header": {
            "msg_id": msg_id,
            "username": "student",
            "session": session_id,
            "msg_type": msg_type,
            "version": "5.3",
            "date": dt.datetime.now(dt.timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": channel,
        "buffers": [],
    }


KERNEL_CONNECT_TRIES = 3  # JupyterLab, too, reconnects a kernel whose websocket the server closed


def connect_kernel(websocket, ws_url: str, cookie_header: str, session_id: str, rec: dict):
    """Open the kernel's websocket and wait for its kernel_info reply: the kernel runs.

    jupyter_server closes the websocket when a kernel has not answered within its kernel_info_timeout (60 s), as
    happens on an overloaded machine; JupyterLab then reconnects, and so does this, up to KERNEL_CONNECT_TRIES
    times. Each reconnection is counted in rec["reconnects"] and reported.
    """
    for attempt in range(1, KERNEL_CONNECT_TRIES + 1):
        ws = websocket.create_connection(ws_url, header=[f"Cookie: {cookie_header}"], suppress_origin=True, timeout=300)
        try:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps(kernel_message("kernel_info_request", session_id, msg_id, "shell", {})))
            while True:
                msg = json.loads(ws.recv())
                if msg["header"]["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                    return ws
        except (websocket.WebSocketConnectionClosedException, ConnectionResetError):
            ws.close()
            if attempt == KERNEL_CONNECT_TRIES:
                raise
            rec["reconnects"] = rec.get("reconnects", 0) + 1
            log(f"{rec['user']}: the server closed the kernel's websocket before the kernel answered; reconnecting")
    raise AssertionError("unreachable")


def student(base: str, user: str, password: str, cells: dict, think_s: float, cell_timeout: float, rec: dict):
    """One student's visit; fills `rec` (times, latencies, the failing step and its error)."""
    import requests
    import websocket

    rec.update(user=user, cell_latencies_s=[], cells=[], kernel_ready_s=[], cell_errors=0, first_kernel_s=None)
    t0 = time.monotonic()
    s = requests.Session()
    try:
        rec["step"] = "login"
        s.get(f"{base}/hub/login", timeout=120).raise_for_status()
        xsrf = cookie(s, "_xsrf", "/hub")
        r = s.post(
            f"{base}/hub/login",
            data={"username": user, "password": password, "_xsrf": xsrf},
            allow_redirects=False,
            timeout=120,
        )
        if r.status_code != 302:
            raise RuntimeError(f"login answered {r.status_code}, not a redirect")
        rec["login_s"] = time.monotonic() - t0

        rec["step"] = "start server"
        hub_headers = {"X-XSRFToken": cookie(s, "_xsrf", "/hub") or ""}
        r = s.post(f"{base}/hub/api/users/{user}/server", headers=hub_headers, timeout=120)
        if r.status_code not in (201, 202):
            raise RuntimeError(f"POST /hub/api/users/{user}/server answered {r.status_code}: {r.text[:200]}")
        while True:
            info = s.get(f"{base}/hub/api/users/{user}", headers=hub_headers, timeout=120).json()
            server = info.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if not server or (not server.get("pending") and not server.get("ready")):
                raise RuntimeError(f"server stopped while starting: {server}")
            if time.monotonic() - t0 > 900:
                raise TimeoutError("server not ready after 900 s")
            time.sleep(0.5)
        rec["server_ready_s"] = time.monotonic() - t0

        rec["step"] = "open lab"  # the OAuth redirects a browser follows: the server's own cookie
        r = s.get(f"{base}/user/{user}/lab", timeout=300)
        r.raise_for_status()
        server_headers = {"X-XSRFToken": cookie(s, "_xsrf", f"/user/{user}") or ""}
        cookie_header = "; ".join(f"{c.name}={c.value}" for c in s.cookies if c.path.startswith(f"/user/{user}"))

        for stem, code_cells in cells.items():
            rec["step"] = f"{stem}: start kernel"
            k0 = time.monotonic()
            r = s.post(
                f"{base}/user/{user}/api/sessions",
                json={"path": f"notebooks/{stem}.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}},
                headers=server_headers,
                timeout=300,
            )
            r.raise_for_status()
            sess = r.json()
            kid, session_id = sess["kernel"]["id"], uuid.uuid4().hex
            ws_url = base.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kid}/channels?session_id={session_id}"
            ws = connect_kernel(websocket, ws_url, cookie_header, session_id, rec)
            try:
                ready = time.monotonic() - k0
                rec["kernel_ready_s"].append(ready)
                if rec["first_kernel_s"] is None:
                    rec["first_kernel_s"] = time.monotonic() - t0
                for i, code in enumerate(code_cells):
                    rec["step"] = f"{stem}: cell {i + 1}"
                    latency, error = execute(ws, session_id, code, cell_timeout)
                    rec["cell_latencies_s"].append(latency)
                    rec["cells"].append([stem, i + 1, round(latency, 3)])
                    if error:
                        rec["cell_errors"] += 1
                        raise RuntimeError(f"cell {i + 1} raised {error[:300]}")
                    if think_s:
                        time.sleep(random.uniform(0.5, 1.5) * think_s)
                out: list[str] = []
                _, error = execute(ws, session_id, PROBE, cell_timeout, out)
                rec.setdefault("kernels", []).append(json.loads("".join(out)) if not error else {"error": error})
            finally:
                ws.close()
            rec["step"] = f"{stem}: close kernel"
            s.delete(f"{base}/user/{user}/api/sessions/{sess['id']}", headers=server_headers, timeout=120)
        rec["step"] = "done"
    except Exception as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"
        log(f"{user}: FAILED at {rec.get('step')}: {rec['error']}")
    rec["total_s"] = time.monotonic() - t0


# ------------------------------------------------------------------------------------------ the run


def code_cells(solutions: Path) -> dict[str, list[str]]:
    cells = {}
    for stem in NOTEBOOKS:
        nb = json.loads((solutions / f"{stem}.ipynb").read_text())
        cells[stem] = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return cells


def record(created: dict, path: Path) -> None:
    path.write_text(json.dumps(created, indent=1))


def create_users(created: dict, path: Path, users: list[str], group: str, solutions: Path) -> None:
    run(["groupadd", group])
    created["group"] = group
    record(created, path)
    for user in users:
        created["users"].append(user)
        record(created, path)  # written before useradd: a crash in between still leaves it listed
        run(["useradd", "--create-home", "--gid", group, "--shell", "/usr/sbin/nologin", "--comment", MARKER, user])
        home = Path(f"/home/{user}")
        (home / "notebooks").mkdir()
        for stem in NOTEBOOKS:
            shutil.copy(solutions / f"{stem}.ipynb", home / "notebooks" / f"{stem}.ipynb")
        run(["chown", "-R", f"{user}:{group}", str(home)])


def make_cgroups(created: dict, path: Path, run_id: str, users: list[str], cpus: float) -> str:
    """/sys/fs/cgroup/cpu/hlt<run>/<user>, each with cpu.cfs_quota_us = cpus x the period (cgroup v1 only)."""
    root = Path("/sys/fs/cgroup/cpu")
    if not (root / "cpu.cfs_quota_us").exists():
        raise SystemExit(
            "hub-test: --cpu-quota needs the cgroup v1 cpu controller at /sys/fs/cgroup/cpu (this machine has "
            "none; cgroup v2 is not supported by this option yet)"
        )
    parent = root / f"hlt{run_id}"
    for folder in [parent, *(parent / u for u in users)]:
        created["cgroups"].append(str(folder))
        record(created, path)
        folder.mkdir()
        period = int((folder / "cpu.cfs_period_us").read_text())
        if folder == parent:
            # The class's folder competes with every other process of the machine as ONE task of weight 1024
            # (cgroup v1 shares): without this, 30 students together got the CPU share of a single process.
            (folder / "cpu.shares").write_text(str(1024 * len(users)))
        else:
            (folder / "cpu.cfs_quota_us").write_text(str(int(cpus * period)))
    return str(parent)


def stop_servers(base: str, token: str, users: list[str]) -> None:
    """DELETE every server at once (one at a time took over 2 minutes for 30), then wait until none is left."""
    import requests

    def stop(user):
        try:
            requests.delete(
                f"{base}/hub/api/users/{user}/server", headers={"Authorization": f"token {token}"}, timeout=120
            )
        except Exception as exc:
            log(f"stopping {user}'s server: {exc!r}")

    threads = [threading.Thread(target=stop, args=(user,)) for user in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            r = requests.get(f"{base}/hub/api/users", headers={"Authorization": f"token {token}"}, timeout=30)
            if not any(u.get("servers") for u in r.json()):
                return
        except Exception:
            return
        time.sleep(1)


def cleanup(created: dict, base: str | None = None, token: str | None = None) -> list[str]:
    """Carry out cleanup_plan; returns what could not be removed (empty when all went)."""
    problems = []
    plan = cleanup_plan(created)
    servers = [arg for action, arg in plan if action == "stop-server"]
    if base and token and servers:
        stop_servers(base, token, servers)
    uids = {uid_of(arg) for action, arg in plan if action == "kill-user-processes"} - {None}
    for action, arg in plan:
        if action == "kill-user-processes" and uids:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for pid in pids_of_uids(uids):
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                time.sleep(1)
            left = pids_of_uids(uids)
            if left:
                problems.append(f"processes {left} of the throw-away users survived SIGKILL")
            uids = set()
        if action == "stop-process":
            pid = int(arg)
            try:
                os.kill(pid, signal.SIGTERM)
                for _ in range(100):
                    if os.waitpid(pid, os.WNOHANG)[0] == pid:
                        break
                    time.sleep(0.1)
                else:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        elif action == "kill-user-processes":
            pass  # done above for all users at once: one second of grace for everyone, not one each
        elif action == "delete-user":
            if uid_of(arg) is not None:
                r = run(["userdel", "--remove", arg], check=False)
                if r.returncode not in (0, 12):  # 12: home removed with a warning (mail spool missing)
                    problems.append(f"userdel {arg}: {r.stderr.strip()}")
            if Path(f"/home/{arg}").exists():
                shutil.rmtree(f"/home/{arg}", ignore_errors=True)
        elif action == "delete-group":
            if run(["getent", "group", arg], check=False).returncode == 0:
                r = run(["groupdel", arg], check=False)
                if r.returncode:
                    problems.append(f"groupdel {arg}: {r.stderr.strip()}")
        elif action == "remove-cgroup":
            try:
                os.rmdir(arg)  # a cgroup folder goes with rmdir once no process is in it
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"cgroup {arg}: {exc}")
        elif action == "remove-folder":
            shutil.rmtree(arg, ignore_errors=True)
        elif action == "check-port-closed":
            if port_listens(int(arg)):
                problems.append(f"port {arg} still listens")
    return problems


def leftovers() -> list[dict]:
    """Records of earlier runs that did not finish cleaning (build/hub/run-*/created.json)."""
    found = []
    for path in sorted(HUB_DIR.glob("run-*/created.json")):
        try:
            found.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass
    return found


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        mem[key] = value.strip()
    return {
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "mem_total_gb": round(kb(mem["MemTotal"]) / 1024, 1),
        "mem_available_gb_at_start": round(kb(mem["MemAvailable"]) / 1024, 1),
        "kernel": platform.release(),
    }


def versions(course_python: str) -> dict:
    out = {"python": platform.python_version()}
    import jupyterhub

    out["jupyterhub"] = jupyterhub.__version__
    chp = HUB_DIR / "node_modules" / "configurable-http-proxy" / "package.json"
    out["configurable_http_proxy"] = json.loads(chp.read_text())["version"]
    out["node"] = run(["node", "--version"]).stdout.strip()
    probe = (
        "import torch, jupyter_server, ipykernel, jupyterlab; "
        "print(torch.__version__, jupyter_server.__version__, ipykernel.__version__, jupyterlab.__version__)"
    )
    parts = run([course_python, "-c", probe]).stdout.split()
    out.update(zip(["torch", "jupyter_server", "ipykernel", "jupyterlab"], parts))
    return out


def students_python(course_python: str) -> tuple[str, dict, str]:
    """The interpreter the students' servers run, the environment it needs, and a note on the choice.

    The course venv's own python when any user can run it. Otherwise (its interpreter lies under a folder
    that only root can enter) a small venv of a system Python of the same X.Y (so compiled packages match),
    build/hub/course-shim, whose one .pth line adds the course venv's site-packages: the same packages, run
    by an interpreter the students can reach.
    """
    probe = (
        "import json, os, sys, sysconfig; print(json.dumps({'exe': os.path.realpath(sys.executable), "
        "'prefix': sys.prefix, 'purelib': sysconfig.get_paths()['purelib'], 'xy': '%d.%d' % sys.version_info[:2]}))"
    )
    info = json.loads(run([course_python, "-c", probe]).stdout)
    if world_reachable(info["exe"]):
        return course_python, {}, f"per-user servers run {course_python}"
    candidates = [f"/usr/bin/python{info['xy']}", f"/usr/local/bin/python{info['xy']}"]
    base = next((c for c in candidates if os.path.exists(c) and world_reachable(os.path.realpath(c))), None)
    if base is None:
        raise SystemExit(
            f"hub-test: students cannot run the course venv's interpreter {info['exe']} (a folder above it is not "
            f"world-executable), and there is no system python{info['xy']} ({', '.join(candidates)}) to run its "
            "packages instead. Make the interpreter reachable, or build the course venv from a system Python."
        )
    shim = HUB_DIR / "course-shim"
    if not (shim / "bin" / "python").exists():
        run([base, "-m", "venv", "--without-pip", str(shim)])
    xy = info["xy"]
    (shim / "lib" / f"python{xy}" / "site-packages" / "course-venv.pth").write_text(shim_pth_line(info["purelib"]))
    run(["chmod", "-R", "a+rX", str(shim)])
    prefix = info["prefix"]
    env = {
        "JUPYTER_PATH": f"{prefix}/share/jupyter",  # kernelspecs, lab extensions of the course venv
        "JUPYTER_CONFIG_PATH": f"{prefix}/etc/jupyter",  # the server extensions it enables
        "JUPYTERLAB_DIR": f"{prefix}/share/jupyter/lab",
    }
    note = (
        f"the course venv's interpreter {info['exe']} is not reachable by other users; per-user servers run "
        f"{base} (same Python {xy}) with the course venv's site-packages ({info['purelib']}) "
        "through build/hub/course-shim"
    )
    return str(shim / "bin" / "python"), env, note


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--course-python", required=True, help="the course venv's python (per-user servers and kernels)")
    ap.add_argument("--out", default=None, help="append the run to this JSON file (results/hub-load.json)")
    ap.add_argument("--think-s", type=float, default=1.0, help="mean pause between two cells (0.5x-1.5x, random)")
    ap.add_argument("--ramp-s", type=float, default=10.0, help="students arrive spread over this many seconds")
    ap.add_argument("--cell-timeout", type=float, default=600.0)
    ap.add_argument("--note", default="", help="a sentence stored with the run")
    ap.add_argument(
        "--cpu-quota",
        type=float,
        default=0.0,
        help="give each student a cgroup v1 CPU quota of this many CPUs (cpu.cfs_quota_us), as a hub with limits does",
    )
    ap.add_argument(
        "--cpus-per-user", type=int, default=0, help="pin each student's server and kernels to this many CPUs (taskset)"
    )
    ap.add_argument("--cleanup-leftovers", action="store_true", help="only remove what crashed runs left behind")
    args = ap.parse_args(argv)

    def interrupted(signum, frame):  # `kill` (SIGTERM) cleans up as Ctrl-C does
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    if os.geteuid() != 0:
        print("hub-test: needs root (it creates system users and runs their servers as them)", file=sys.stderr)
        return 2
    for old in leftovers():
        log(f"removing what an earlier run left: {len(old.get('users', []))} users, group {old.get('group')}")
        problems = cleanup({**old, "pids": [], "ports": []})
        if problems:
            log("could not remove: " + "; ".join(problems))
    if args.cleanup_leftovers:
        return 0

    course_python = os.path.abspath(args.course_python)  # not resolved: the venv is known by its own path
    server_python, server_env, interpreter_note = students_python(course_python)
    run_id = secrets.token_hex(3)
    users = user_names(run_id, args.users)
    group = f"hlt{run_id}"
    state = HUB_DIR / f"run-{run_id}"
    state.mkdir(parents=True, mode=0o700)
    created_path = state / "created.json"
    created = {
        "run_id": run_id,
        "users": [],
        "group": None,
        "cgroups": [],
        "pids": [],
        "ports": [],
        "state_dir": str(state),
    }
    record(created, created_path)
    password = secrets.token_urlsafe(18)
    token = secrets.token_hex(32)
    ports = {"port": free_port(), "hub_port": free_port(), "proxy_api_port": free_port()}
    created["ports"] = list(ports.values())
    base = f"http://127.0.0.1:{ports['port']}"
    info = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "N": args.users,
        "notebooks": list(NOTEBOOKS),
        "think_s": args.think_s,
        "ramp_s": args.ramp_s,
        "cpus_per_user": args.cpus_per_user or None,
        "cpu_quota_per_user": args.cpu_quota or None,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions(server_python),
        "interpreter": interpreter_note,
        "note": args.note,
    }
    log(interpreter_note)
    log(f"run {run_id}: {args.users} users, JupyterHub {info['versions']['jupyterhub']} at {base}")
    log(
        f"load average at start: {info['load_average_at_start']}, "
        f"{info['machine']['mem_available_gb_at_start']} GB free"
    )
    hub = None
    t_start = time.monotonic()
    problems: list[str] = []
    try:
        create_users(created, created_path, users, group, ROOT / "solutions")
        log(f"created group {group} and {len(users)} users ({time.monotonic() - t_start:.0f} s)")
        cgroup_parent = None
        if args.cpu_quota:
            cgroup_parent = make_cgroups(created, created_path, run_id, users, args.cpu_quota)
            log(f"each student's server runs in a cgroup with a quota of {args.cpu_quota} CPU ({cgroup_parent})")
        config = render_config(
            ip="127.0.0.1",
            **ports,
            proxy_cmd=str(HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"),
            users=users,
            password=password,
            service_token=token,
            course_python=server_python,
            extra_env=server_env,
            pythonpath=[str(ROOT), str(HUB_DIR / "singleuser-lib")],
            state_dir=str(state),
            cpus_per_user=args.cpus_per_user,
            cgroup_parent=cgroup_parent,
        )
        (state / "jupyterhub_config.py").write_text(config)
        hub_log = open(state / "jupyterhub.log", "w")
        env = {**os.environ, "PATH": f"{HUB_DIR / 'venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
        hub = subprocess.Popen(
            [str(HUB_DIR / "venv" / "bin" / "jupyterhub"), "-f", str(state / "jupyterhub_config.py")],
            cwd=state,
            stdout=hub_log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        created["pids"] = [hub.pid]
        record(created, created_path)
        import requests

        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/hub/api", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if hub.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not start; see {state}/jupyterhub.log")
            time.sleep(0.5)
        log(f"hub up after {time.monotonic() - t_start:.0f} s; {args.users} students arrive over {args.ramp_s:.0f} s")

        monitor = Monitor({uid_of(u) for u in users}, hub.pid)
        monitor.start()
        cells = code_cells(ROOT / "solutions")
        records = [{} for _ in users]
        threads = []
        t_students = time.monotonic()
        for i, user in enumerate(users):
            th = threading.Thread(
                target=student, args=(base, user, password, cells, args.think_s, args.cell_timeout, records[i])
            )
            th.start()
            threads.append(th)
            if args.users > 1:
                time.sleep(args.ramp_s / (args.users - 1) if i < args.users - 1 else 0)
        for th in threads:
            th.join()
        students_s = time.monotonic() - t_students
        monitor.stop_event.set()
        monitor.join()
        summary = summarize(records, monitor.samples, users=args.users)
        summary["students_wall_s"] = round(students_s, 1)
        summary["student_total_s"] = {
            "median": round(percentile([r["total_s"] for r in records], 50), 1),
            "max": round(max(r["total_s"] for r in records), 1),
        }
    finally:
        log("cleaning up: servers, hub, processes, users, homes, group, run folder, ports")
        if hub is not None and hub.poll() is None:
            stop_servers(base, token, created["users"])
        if hub is not None:
            try:
                shutil.copy(state / "jupyterhub.log", HUB_DIR / f"last-run-{run_id}.log")
            except OSError:
                pass
        problems = cleanup(created)
        if problems:
            log("NOT removed: " + "; ".join(problems))
        else:
            log(f"everything removed ({time.monotonic() - t_start:.0f} s in all)")
    run_entry = {**info, **summary, "cleanup_problems": problems, "wall_s": round(time.monotonic() - t_start, 1)}
    run_entry["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    run_entry["students"] = [
        {
            k: (round(v, 2) if isinstance(v, float) else v)
            for k, v in r.items()
            if k not in ("cell_latencies_s", "cells")
        }
        for r in records
    ]
    print(json.dumps({k: v for k, v in run_entry.items() if k != "students"}, indent=1))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(out.read_text()) if out.exists() else {"about": ABOUT, "runs": []}
        data["runs"].append(run_entry)
        out.write_text(json.dumps(data, indent=1) + "\n")
        log(f"appended to {out}")
    return 1 if summary["failures"] or problems else 0


if __name__ == "__main__":
    sys.exit(main())
