"""What every browser test shares: JupyterLab on a free port, the system Chromium, waits on the kernel.

conftest.py turns `lab_server` and `chromium` into session fixtures (`lab`, `browser`): one JupyterLab
server and one Chromium serve test_lab.py and test_widgets.py.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
JUPYTER = Path(sys.executable).parent / "jupyter"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Timeouts (seconds). Each wait has its own limit, and the widget test as a whole is capped
# by TEST_BUDGET_S on top of the server start: well under 3 minutes even when everything waits to the end.

SERVER_START_S = 45
PAGE_LOAD_S = 60


# JupyterLab settings for the test: no autosave (the student notebook on disk must not
# get outputs), no news or update pop-ups over the page.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def chromium_path() -> str:
    """The system Chromium, or skip (fail under CI) with a clear reason."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = (
        "no `chromium` on PATH: install the system browser (Debian/Ubuntu: "
        "`sudo apt-get install chromium`); Playwright is pointed at it, nothing is downloaded"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: a missing browser is a failure)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def artifact(name: str) -> Path:
    """Where a screenshot goes; printed so that CI logs show it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def lab_server(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1, a free port and a random token; always shut down."""
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab")
    settings = home / "settings"
    for name, values in LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        COURSE_PROFILE=os.environ.get("COURSE_PROFILE", "ci"),
    )
    command = [
        str(JUPYTER),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = artifact("jupyterlab.log")
    log = open(log_path, "w", encoding="utf-8")
    # A process group of its own, so the kernels it starts go down with it.
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {server.returncode} before answering; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {base} within {SERVER_START_S} s; see {log_path}")
            time.sleep(0.5)
        print(f"JupyterLab answering on {base} (log: {log_path})")
        yield {"base": base, "token": token}
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def chromium():
    """Headless system Chromium through Playwright."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def accept_dialogs(page) -> None:
    """Answer a dialog (such as "Select Kernel") with its default button."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        print("dialog:", " ".join(dialog.first.inner_text().split())[:120])
        dialog.first.locator(".jp-mod-accept").first.click()


def kernel_state(lab: dict, relative: str) -> str | None:
    """The server's view of the notebook's kernel: 'starting', 'idle', 'busy', or None without a session."""
    try:
        with urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}", timeout=5) as reply:
            sessions = json.load(reply)
    except OSError:
        return None
    for session in sessions:
        if session.get("path") == relative and session.get("kernel"):
            return session["kernel"].get("execution_state")
    return None


def wait_for_kernel(page, lab: dict, relative: str, seconds: float) -> None:
    """Until the server says the notebook's kernel is idle, the page agrees, and no dialog is open, for a second."""
    ui_idle = page.locator(".jp-StatusBar-Widget", has_text="Idle")
    deadline, calm_since = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        accept_dialogs(page)
        if kernel_state(lab, relative) == "idle" and ui_idle.count():
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since > 1.0:
                return
        else:
            calm_since = None
        page.wait_for_timeout(250)
    pytest.fail(
        f"the notebook's kernel was not idle within {seconds:.0f} s (server says {kernel_state(lab, relative)})"
    )


def run_all_cells(page) -> bool:
    """Run > Run All Cells from the menu bar (the command palette if the menu is not there); False if disabled."""
    page.keyboard.press("Escape")  # close a menu left open by an earlier attempt
    try:
        page.get_by_role("menuitem", name="Run", exact=True).click(timeout=10_000)
        item = page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).first
        item.wait_for(timeout=10_000)
        if item.get_attribute("aria-disabled") == "true" or "lm-mod-disabled" in (item.get_attribute("class") or ""):
            page.keyboard.press("Escape")
            return False
        item.click(timeout=10_000)
    except Exception:  # menu layout changed: fall back on the command palette
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Shift+C")
        page.keyboard.type("Run All Cells")
        page.keyboard.press("Enter")
    return True
