#!/usr/bin/env bash
# labkit's two entry points on a fresh machine:
#   ./run.sh lab    set everything up, then open JupyterLab on notebooks/00 (the simulator when no engine answers)
#   ./run.sh test   set everything up, then run every test (unit, conformance on both engines, notebooks)
# Extra arguments after `lab` go to `jupyter lab`, after `test` to pytest (tests/ only).
# Set PYTHON to choose the interpreter (3.10 or newer), LABKIT_VENV the virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${LABKIT_VENV:-.venv}

setup() {
    if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
            || { echo "labkit needs Python 3.10 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
        echo "== creating $VENV"
        "$PYTHON" -m venv --clear "$VENV" \
            || { echo "could not create $VENV: on Debian or Ubuntu, apt-get install python3-venv" >&2; exit 1; }
    fi
    # Reinstall only when the package description changed: a second run starts at once.
    local stamp="$VENV/.labkit-installed"
    local want
    want=$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "== installing labkit and its packages into $VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e '.[test]'
        echo "$want" > "$stamp"
    fi
    # JupyterLab's settings for this environment: no "Jupyter news" question in a corner of every
    # learner's screen (and of the projector), and no fetch of news or of update checks.
    mkdir -p "$VENV/share/jupyter/lab/settings"
    cp binder/overrides.json "$VENV/share/jupyter/lab/settings/overrides.json"
}

case "${1:-}" in
    lab)
        shift
        setup
        "$VENV/bin/labkit" doctor --short || true
        # Jupyter refuses to run as root unless told; root is fine here (multi-host labs need it).
        if [ "$(id -u)" = 0 ]; then set -- --allow-root "$@"; fi
        exec "$VENV/bin/jupyter" lab notebooks/00-start-here.ipynb "$@"
        ;;
    test)
        shift
        setup
        exec "$VENV/bin/python" tests/run_all.py "$@"
        ;;
    *)
        sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
