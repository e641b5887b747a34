"""The scripts the site's pages load from outside themselves: exact npm releases with their integrity hashes.

    python tools/site.py --check-pins [DIR]   re-derive the hashes below from the npm registry (check_pins)

The pages (site.py) load these three files; tests/test_site.py and the browser test check them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

# ---- The scripts the pages load -------------------------------------------------------------------------------
#
# Every script a page loads from outside itself: one file of one exact npm release, from unpkg.com, which serves
# the files of the npm tarball unchanged, each with its Subresource Integrity hash (`integrity="sha384-..."`,
# `crossorigin="anonymous"`). nbconvert's defaults are replaced (see PAGE_TEMPLATE in site_html.py): it loads the
# html-manager as `@jupyter-widgets/html-manager@*` (whatever is newest) without a hash, MathJax through `latest.js`
# (a loader that looks up the newest 2.x on the CDN), and require.js as a cdnjs-minified file that is in no npm
# package.
#
# Why these versions:
#   html-manager 1.0.15  the newest 1.0.x, the line for widget protocol 2 (ipywidgets 8): ipywidgets 8.1.9 declares
#                        `__html_manager_version__ = "^1.0.1"`; 1.0.15 depends on @jupyter-widgets/base ^6.0.12,
#                        controls ^5.0.13, output ^6.0.12, base-manager ^1.0.13, exactly the versions bundled in the
#                        pinned jupyterlab_widgets 3.0.17 (@jupyter-widgets/jupyterlab-manager 5.0.16).
#   requirejs 2.3.8      embed-amd.js needs an AMD loader; nbconvert's default is 2.1.10 (2014); 2.3.7 fixed the
#                        prototype pollution CVE-2024-38999, 2.3.8 is the newest release (same fix, reworded).
#   mathjax 3.2.2        the version JupyterLab 4.6.6 itself typesets with; `es5/tex-chtml-full.js` is a single
#                        file with every TeX extension, so no further script is fetched to typeset (MathJax 2's
#                        loader fetches several more files, which no integrity attribute can cover).
# Not vendored into _site/: the three files and the fonts they load are about 5 MB of minified code that the repo
# would have to carry (make site must not fetch them), for readers who are online anyway when they open the pages.
#
# How the hashes were computed, and how to update them: for each entry, fetch the npm tarball
# (`npm pack PACKAGE@VERSION`, or the `dist.tarball` URL that `npm view PACKAGE@VERSION` prints), check it against
# the registry's `dist.integrity` (sha512), unpack it and hash the file the page requests (`package/PATH`):
#     openssl dgst -sha384 -binary package/PATH | openssl base64 -A
# `python tools/site.py --check-pins` does exactly that (network: registry.npmjs.org only) and prints what to paste
# here; `--check-pins DIR` also keeps the tarballs in DIR, for COURSE_SITE_NPM_DIR (tests/test_site.py and the
# browser test then check the hashes and the live pages against them, offline). To update: change VERSION (and PATH
# if the package moved the file), run it, paste the new integrity, `make site`, look at a page online.
# tests/test_site.py checks the built pages against these constants without a network.
CDN = "https://unpkg.com"


class PinnedScript(NamedTuple):
    """One file of one exact npm release, loaded from CDN with its Subresource Integrity hash."""

    package: str
    version: str
    path: str  # inside the npm package (the tarball's `package/` folder)
    integrity: str  # "sha384-" + base64 of the SHA-384 of exactly that file

    @property
    def url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"

    def tag(self, *attributes: str) -> str:
        extra = "".join(" " + a for a in attributes)
        return f'<script src="{self.url}" integrity="{self.integrity}" crossorigin="anonymous"{extra}></script>'


REQUIRE_JS = PinnedScript(
    "requirejs", "2.3.8", "require.js", "sha384-gzoQyNpzaOK+Aes9TTuBq/ZgYdleZUDN3sFwxyLRbRytLEWofprkKj2F7z3a6nTu"
)
HTML_MANAGER = PinnedScript(
    "@jupyter-widgets/html-manager",
    "1.0.15",
    "dist/embed-amd.js",
    "sha384-/x/n24gdFNkRW3aFeWPOJ5tgVI0ZmBOBu6UKswtJLAm6SIAzWBZUdrLEr5A9yXvL",
)
MATHJAX = PinnedScript(
    "mathjax",
    "3.2.2",
    "es5/tex-chtml-full.js",
    "sha384-NR8saakDju74wZ6sprPPhEoWbaP3iVtXVJH12mRSiaIgxMdi33mOQj8bnF2WxzY3",
)
PINNED_SCRIPTS = (REQUIRE_JS, HTML_MANAGER, MATHJAX)
# The widget-state format the html-manager 1.0.x draws (ipywidgets 8); pages with another one are refused.
WIDGET_STATE_VERSION_MAJOR = 2


def tarball_name(script: PinnedScript) -> str:
    """The file name `npm pack PACKAGE@VERSION` gives the package's tarball."""
    return f"{script.package.lstrip('@').replace('/', '-')}-{script.version}.tgz"


def registry_tarball(script: PinnedScript) -> bytes:
    """The npm tarball of `script`'s release, from registry.npmjs.org, checked against the registry's sha512."""
    name = urllib.parse.quote(script.package, safe="@")
    with urllib.request.urlopen(f"https://registry.npmjs.org/{name}/{script.version}", timeout=60) as response:
        dist = json.load(response)["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=300) as response:
        tarball = response.read()
    algorithm, _, expected = dist["integrity"].partition("-")
    if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
        raise ValueError(f"{dist['tarball']} does not match the registry's {dist['integrity']}")
    return tarball


def tarball_file(tarball: bytes, path: str) -> bytes:
    """The file `path` of an npm tarball (stored under `package/`)."""
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        member = archive.extractfile(f"package/{path}")
        if member is None:
            raise FileNotFoundError(f"no file package/{path} in the tarball")
        return member.read()


def sri(data: bytes) -> str:
    """The Subresource Integrity value of `data`: "sha384-" and the base64 of its SHA-384."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def check_pins(keep: Path | None = None) -> int:
    """Re-derive each pinned script's hash from the npm registry; print it; 1 if any differs from the constant.

    With `keep`, also write the tarballs there (named as `npm pack` names them), for the browser test.
    """
    differ = 0
    for script in PINNED_SCRIPTS:
        tarball = registry_tarball(script)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / tarball_name(script)).write_bytes(tarball)
        actual = sri(tarball_file(tarball, script.path))
        same = actual == script.integrity
        differ += not same
        print(
            f"{'ok  ' if same else 'DIFF'} {script.url}\n     {actual}"
            + ("" if same else f" (constant: {script.integrity})")
        )
    return 1 if differ else 0
