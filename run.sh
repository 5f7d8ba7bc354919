#!/usr/bin/env bash
# labkit's entry points on a fresh machine:
#   ./run.sh lab    set up the lab, then open JupyterLab on notebooks/00 (the simulator when no engine answers)
#   ./run.sh test   set up the lab and the test tools, then run every test (unit, both engines, notebooks)
#   ./run.sh class  a JupyterHub for a class on this machine (docs/instructors.md: "A class")
# Extra arguments after `lab` go to `jupyter lab`, after `test` to pytest (tests/ only), after
# `class` to jupyterhub.
# Set PYTHON to choose the interpreter (3.10 or newer), LABKIT_VENV the virtual environment (.venv),
# LABKIT_INSTALLER=pip to install with pip instead of uv.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${LABKIT_VENV:-.venv}

# uv installs the lab's packages in seconds (from its cache after the first time); pip takes half
# a minute, and making an environment with pip in it takes seconds more. uv is used when it is on
# the PATH; otherwise run.sh keeps a copy for this user (installed once with pip, in
# ~/.cache/labkit/uv). LABKIT_INSTALLER=pip: pip alone. find_uv sets UV, or fails.
find_uv() {
    [ "${LABKIT_INSTALLER:-uv}" != pip ] || return 1
    UV=$(command -v uv 2>/dev/null) && return 0
    local home="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/labkit/uv"
    if [ ! -x "$home/bin/uv" ]; then
        echo "== installing uv, once for this user, into $home"
        { "$PYTHON" -m venv --clear "$home" && "$home/bin/python" -m pip install --quiet --disable-pip-version-check uv; } \
            >/dev/null 2>&1 || { rm -rf "$home"; echo "   (could not: pip installs instead)"; return 1; }
    fi
    UV="$home/bin/uv"
}

# setup lab|test|class: the virtual environment with labkit and what the lab needs (and, for test,
# the test tools; for class, JupyterHub), installed again only when pyproject.toml changed: a second
# run starts at once.
setup() {
    local part=$1 spec=. want
    [ "$part" = test ] && spec='.[test]'
    [ "$part" = class ] && spec='.[class]'
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
            || { echo "labkit needs Python 3.10 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
        echo "== creating $VENV"
        if find_uv; then
            "$UV" venv --quiet --python "$(command -v "$PYTHON")" "$VENV"
        else
            "$PYTHON" -m venv "$VENV" \
                || { echo "could not create $VENV: on Debian or Ubuntu, apt-get install python3-venv" >&2; exit 1; }
        fi
    fi
    want="$(cksum < pyproject.toml)"
    if [ "$(cat "$VENV/.labkit-$part" 2>/dev/null)" != "$want" ]; then
        echo "== installing labkit and what the $part needs into $VENV"
        if find_uv; then
            "$UV" pip install --quiet --python "$VENV/bin/python" -e "$spec"
        else
            "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
            "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
        fi
        echo "$want" > "$VENV/.labkit-$part"
        [ "$part" = test ] && echo "$want" > "$VENV/.labkit-lab"   # the tests' packages include the lab's
    fi
    # JupyterLab's settings for this environment: no "Jupyter news" question in a corner of every
    # learner's screen (and of the projector), and no fetch of news or of update checks.
    mkdir -p "$VENV/share/jupyter/lab/settings"
    cp binder/overrides.json "$VENV/share/jupyter/lab/settings/overrides.json"
}

# One engine for the whole session: when no real engine answers (or LABKIT_ENGINE=sim), labkit's
# simulated engine runs as a daemon on a socket in the user's runtime folder and DOCKER_HOST points
# to it, so notebooks, `!docker` cells and JupyterLab's terminals all see the same engine. It
# watches this script's process, which becomes JupyterLab (exec keeps the PID), and stops with it.
shared_engine() {
    local want=${LABKIT_ENGINE:-auto} url=
    case "$want" in
        sim) url=$("$VENV/bin/labkit" sim serve --background --exit-with $$) ;;
        auto) url=$("$VENV/bin/labkit" sim serve --background --exit-with $$ --unless-an-engine-answers) ;;
    esac
    if [ -n "$url" ]; then
        # The kernels find the simulator at DOCKER_HOST ("auto" recognises it as the simulator).
        export DOCKER_HOST=$url LABKIT_ENGINE=auto
        echo "== labkit's simulated engine for this session: DOCKER_HOST=$DOCKER_HOST (it stops with JupyterLab)"
    fi
    if ! command -v docker >/dev/null 2>&1; then
        echo "note: no \`docker\` command here. The notebooks work without it; for \`!docker\` in cells and" \
             "\`docker\` in JupyterLab's terminal, install the client: apt-get install docker.io" \
             "(Debian 12, Ubuntu), or docker-cli (Debian 13 and later: the client alone)." >&2
    fi
}

# JupyterHub's proxy, configurable-http-proxy, from npm, pinned by class/proxy/package-lock.json,
# into this environment (not globally): $VENV/bin/configurable-http-proxy.
setup_proxy() {
    local dir="$VENV/share/labkit-proxy"
    if [ -x "$VENV/bin/configurable-http-proxy" ] && cmp -s class/proxy/package-lock.json "$dir/package-lock.json"; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 \
        || { echo "JupyterHub's proxy comes from npm: on Debian or Ubuntu, apt-get install nodejs npm" >&2; return 1; }
    echo "== installing JupyterHub's proxy (configurable-http-proxy) into $dir"
    mkdir -p "$dir"
    cp class/proxy/package.json class/proxy/package-lock.json "$dir/"
    (cd "$dir" && npm ci --omit=dev --no-audit --no-fund --loglevel=error) || return 1
    ln -sf ../share/labkit-proxy/node_modules/.bin/configurable-http-proxy "$VENV/bin/configurable-http-proxy"
}

case "${1:-}" in
    lab)
        shift
        setup lab
        shared_engine
        "$VENV/bin/labkit" doctor --short || true
        # Jupyter refuses to run as root unless told; root is fine here (multi-host labs need it).
        if [ "$(id -u)" = 0 ]; then set -- --allow-root "$@"; fi
        exec "$VENV/bin/jupyter" lab notebooks/00-start-here.ipynb "$@"
        ;;
    test)
        shift
        setup test
        setup_proxy || echo "(without it, the class hub's test skips; under CI=true it fails)" >&2
        exec "$VENV/bin/python" tests/run_all.py "$@"
        ;;
    class)
        shift
        setup class
        setup_proxy
        venv=$(cd "$VENV" && pwd)
        config="$PWD/class/jupyterhub_config.py"
        export LABKIT_CLASS_DIR=${LABKIT_CLASS_DIR:-$HOME/labkit-class}
        mkdir -p "$LABKIT_CLASS_DIR"
        cd "$LABKIT_CLASS_DIR"
        exec "$venv/bin/jupyterhub" -f "$config" "$@"
        ;;
    *)
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
