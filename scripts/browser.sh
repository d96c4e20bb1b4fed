#!/usr/bin/env bash
# Usage: scripts/browser.sh
# The browser tools that drive Airflow's UI (scripts/screenshots.py, scripts/connection_pages.py and
# the engine test tests/engine/test_connection_pages.py): Debian's chromium, installed when
# /usr/bin/chromium is missing, and a pinned playwright in .venv/browser (it drives that
# Chromium; it never downloads a browser). Prints the virtualenv's path on stdout; everything else
# goes to stderr. Does nothing when both are there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
playwright_version=1.65.2
tools="$root/.venv/browser"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium from Debian's packages" >&2
  sudo=$([ "$(id -u)" -eq 0 ] || echo "sudo -E")
  apt_log=$(mktemp)
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } \
    >"$apt_log" 2>&1 || { cat "$apt_log" >&2; rm -f "$apt_log"; echo "could not install chromium" >&2; exit 1; }
  rm -f "$apt_log"
fi

if ! "$tools/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('playwright') != '$playwright_version')" 2>/dev/null; then
  echo "== installing playwright $playwright_version into $tools" >&2
  [ -x "$tools/bin/python" ] || "${PYTHON:-python3}" -m venv "$tools" >&2
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "playwright==$playwright_version" >&2
fi
echo "$tools"
