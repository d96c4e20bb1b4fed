#!/usr/bin/env bash
# The whole test suite: ruff, then pytest on the lowest (3.2) and the newest (3.3) supported
# Airflow, each in its own virtualenv under .venv/ (built on first use).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
versions=${AIRFLOW_VERSIONS:-"3.2.2 3.3.2"}
status=0

newest=${versions##* }
venv=$(scripts/bootstrap.sh "$newest") || exit 1
echo "== ruff (lint and format)"
"$venv/bin/ruff" check . && "$venv/bin/ruff" format --check . || status=1

for version in $versions; do
  venv=$(scripts/bootstrap.sh "$version") || { status=1; continue; }
  home=$(mktemp -d)
  echo "== pytest on Airflow $version"
  AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False \
    "$venv/bin/python" -m pytest "$@" || status=1
  rm -rf "$home"
done
exit $status
