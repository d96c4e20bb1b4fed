#!/usr/bin/env bash
# The whole test suite: ruff, the release check (scripts/release-check.sh: packages, the installed
# wheel, the documentation), then pytest on the lowest (3.2) and the newest (3.3) supported
# Airflow, each in its own virtualenv under .venv/ (built on first use).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
versions=${AIRFLOW_VERSIONS:-"3.2.2 3.3.2"}
status=0

# The CeleryExecutor engine test (tests/engine) starts its own Redis broker and PostgreSQL
# server from Debian's packages: install them when missing (the test starts and stops them).
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} from Debian's packages"
  sudo=$([ "$(id -u)" -eq 0 ] || echo "sudo -E")
  apt_log=$(mktemp)
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } \
    >"$apt_log" 2>&1 || { cat "$apt_log" >&2; echo "could not install ${missing[*]}" >&2; exit 1; }
  rm -f "$apt_log"
fi

newest=${versions##* }
venv=$(scripts/bootstrap.sh "$newest") || exit 1
echo "== ruff (lint and format)"
"$venv/bin/ruff" check . && "$venv/bin/ruff" format --check . || status=1

# Wheel and sdist, the wheel installed in a new virtualenv, the documentation (build/docs/html).
echo "== release check (scripts/release-check.sh)"
RELEASE_AIRFLOW_VERSION="$newest" bash scripts/release-check.sh || status=1
# tests/docs checks the site release-check built; without one (its build failed) it builds its own.
if [ -f "$root/build/docs/html/index.html" ]; then
  export RELEASE_DOCS_HTML="$root/build/docs/html"
fi

for version in $versions; do
  venv=$(scripts/bootstrap.sh "$version") || { status=1; continue; }
  home=$(mktemp -d)
  echo "== pytest on Airflow $version"
  AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False \
    "$venv/bin/python" -m pytest "$@" || status=1
  rm -rf "$home"
done
exit $status
