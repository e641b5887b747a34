"""The browser tests run only under `make browser-test`, never under `make test`.

`make browser-test` sets COURSE_BROWSER_TEST=1; without it the tests that need a browser
(test_lab.py, test_widgets.py) are not collected, so `make test` (which passes `tests` to
pytest) is unaffected. test_catalog.py needs no browser: it runs in `make test` too, and
fails there when a notebook shows a widget that the browser test does not drive.

One JupyterLab server (`lab`) and one headless Chromium (`browser`) serve the whole session.
"""

import os

import pytest

if os.environ.get("COURSE_BROWSER_TEST") != "1":
    collect_ignore_glob = ["test_lab.py", "test_widgets.py"]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1, a free port and a random token; always shut down."""
    from labkit import lab_server

    yield from lab_server(tmp_path_factory)


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium through Playwright."""
    from labkit import chromium

    yield from chromium()
