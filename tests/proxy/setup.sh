#!/usr/bin/env bash
# Makes the venv of the independent MTProxy (tests/proxy/requirements.txt)
# under target/proxy-venv, as tests/telethon/run.sh does for Telethon, and
# prints its python's path. tests/tests/proxy.rs runs it; it is skipped,
# saying so, only when this fails (no python3, no PyPI).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
here=tests/proxy
venv=target/proxy-venv
python=${PYTHON:-python3}

if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "proxy: installing python3-venv" >&2
        timeout 600 apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq python3-venv >/dev/null
    else
        echo "proxy: '$python -m venv' needs the python3-venv package" >&2
        exit 1
    fi
fi

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements"; then
    rm -rf "$venv"
    mkdir -p target
    "$python" -m venv "$venv" >&2
    timeout 900 "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$venv/.requirements"
fi
echo "$PWD/$venv/bin/python"
