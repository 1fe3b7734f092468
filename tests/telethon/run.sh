#!/usr/bin/env bash
# Telethon (PyPI, pinned in requirements.txt) against tg-mock-server: makes a
# venv under target/telethon-venv, installs Telethon, builds the mock server
# and runs check.py (every transport: key exchange, getConfig, login,
# takeout, downloads; counts checked against the fixture's world) on the
# `small` fixture and on the recorded fixture's imported world (or once,
# with the arguments given, e.g. `--fixture DIR`). Each run ends with
# check.py's `N passed, M failed` line; non-zero exit on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
here=tests/telethon
venv=target/telethon-venv
python=${PYTHON:-python3}

# Debian's own python3 needs the python3-venv package for `-m venv`.
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "telethon: installing python3-venv"
        timeout 600 apt-get update -qq
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq python3-venv >/dev/null
    else
        echo "telethon: '$python -m venv' needs the python3-venv package" >&2
        exit 1
    fi
fi

# (Re)install only when the venv is missing or the pins changed.
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements"; then
    rm -rf "$venv"
    mkdir -p target
    "$python" -m venv "$venv"
    timeout 900 "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/.requirements"
fi

cargo build -q -p tg-mock-server
server="${CARGO_TARGET_DIR:-target}/debug/tg-mock-server"

# check.py bounds itself (120 s); this is the backstop.
check() {
    timeout -k 10 300 "$venv/bin/python" "$here/check.py" --server "$server" "$@"
}

# With arguments: one run of check.py with them.
if [ "$#" -gt 0 ]; then
    check "$@"
    exit
fi
# Without: the hand-written `small` world, then the world imported from the
# anonymized recording of the demo world, whose takeouts must get what one
# of the demo world gets (README "Recording a real export as a test fixture").
status=0
echo "telethon: fixtures/small"
check --fixture mock-server/fixtures/small || status=1
echo "telethon: fixtures/recorded/world (counts of fixtures/demo)"
check --fixture mock-server/fixtures/recorded/world \
    --counts-of mock-server/fixtures/demo \
    --server-log target/telethon-mock-recorded.log || status=1
exit "$status"
