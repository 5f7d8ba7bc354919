#!/usr/bin/env bash
# labkit's two entry points on a fresh machine:
#   ./run.sh lab    set everything up, then open JupyterLab on notebooks/00 (the simulator when no engine answers)
#   ./run.sh test   set everything up, then run every test (unit, conformance on both engines, notebooks)
# Extra arguments after `test` go to pytest. Set PYTHON to choose the interpreter (3.10 or newer).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${LABKIT_VENV:-.venv}

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
            || { echo "labkit needs Python 3.10 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
        echo "== creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    # Reinstall only when the package description changed: a second run starts at once.
    local stamp="$VENV/.labkit-installed"
    local want
    want=$(cat pyproject.toml | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "== installing labkit and its packages into $VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e '.[test]'
        echo "$want" > "$stamp"
    fi
}

case "${1:-}" in
    lab)
        shift
        setup
        "$VENV/bin/labkit" doctor --short || true
        exec "$VENV/bin/jupyter" lab notebooks/00-start-here.ipynb "$@"
        ;;
    test)
        shift
        setup
        exec "$VENV/bin/python" -m labkit.testrun "$@"
        ;;
    *)
        sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
