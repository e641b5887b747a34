"""The browser tests run only under `make browser-test`, never under `make test`.

`make browser-test` sets COURSE_BROWSER_TEST=1; without it this folder is not
collected, so `make test` (which passes `tests` to pytest) is unaffected.
"""

import os

if os.environ.get("COURSE_BROWSER_TEST") != "1":
    collect_ignore_glob = ["test_*.py"]
