#!/usr/bin/env bash
# What `make hub-test` needs, all under build/hub/ (nothing system-wide, the course venv untouched):
#   build/hub/venv/            JupyterHub itself (and the load driver's requests + websocket-client)
#   build/hub/node_modules/    configurable-http-proxy, from npm
#   build/hub/singleuser-lib/  what `python -m jupyterhub.singleuser` needs beyond the course venv,
#                              installed for the course venv's own interpreter (pip --target, no upgrades of
#                              anything the course venv has), so per-user servers and kernels run the course venv.
# Usage: tools/hub/install.sh COURSE_PYTHON
set -euo pipefail
cd "$(dirname "$0")/../.."

JUPYTERHUB_VERSION=6.1.1
CHP_VERSION=5.3.0
COURSE_PY=${1:?usage: tools/hub/install.sh COURSE_PYTHON (the course venv python)}
HUB=build/hub
STAMP=$HUB/.installed-jupyterhub-$JUPYTERHUB_VERSION-chp-$CHP_VERSION
PIP_QUIET=(--quiet --disable-pip-version-check)

if [ -f "$STAMP" ]; then
    echo "hub-test: JupyterHub $JUPYTERHUB_VERSION and configurable-http-proxy $CHP_VERSION already in $HUB/"
    exit 0
fi
command -v npm >/dev/null || { echo "hub-test: npm is missing (configurable-http-proxy is a Node.js program): apt-get install nodejs npm" >&2; exit 1; }
start=$(date +%s)
mkdir -p "$HUB"
echo "hub-test: installing jupyterhub==$JUPYTERHUB_VERSION into $HUB/venv ..."
"$COURSE_PY" -c 'import sys; print(sys.base_prefix)' >/dev/null
BASE_PY=$("$COURSE_PY" -c 'import sys, os; print(os.path.join(sys.base_prefix, "bin", "python3"))')
rm -rf "$HUB/venv"
"$BASE_PY" -m venv "$HUB/venv"
"$HUB/venv/bin/python" -m pip install "${PIP_QUIET[@]}" "jupyterhub==$JUPYTERHUB_VERSION" websocket-client requests

echo "hub-test: installing configurable-http-proxy@$CHP_VERSION into $HUB/node_modules ..."
npm install --prefix "$HUB" --no-audit --no-fund --silent "configurable-http-proxy@$CHP_VERSION"

echo "hub-test: installing what jupyterhub-singleuser needs beyond the course venv into $HUB/singleuser-lib ..."
rm -rf "$HUB/singleuser-lib"
"$COURSE_PY" -m pip install "${PIP_QUIET[@]}" --dry-run --report "$HUB/singleuser-missing.json" \
    "jupyterhub==$JUPYTERHUB_VERSION" >/dev/null
mapfile -t MISSING < <("$COURSE_PY" -c '
import json, sys
for item in json.load(open(sys.argv[1]))["install"]:
    print(f"{item['"'"'metadata'"'"']['"'"'name'"'"']}=={item['"'"'metadata'"'"']['"'"'version'"'"']}")' "$HUB/singleuser-missing.json")
# Only what the course venv lacks (a dry run says which): nothing it has is shadowed by another version.
"$COURSE_PY" -m pip install "${PIP_QUIET[@]}" --no-deps --target "$HUB/singleuser-lib" "${MISSING[@]}"
chmod -R a+rX "$HUB"
touch "$STAMP"
echo "hub-test: installed in $(( $(date +%s) - start )) s (${#MISSING[@]} packages for the per-user servers: ${MISSING[*]})"
