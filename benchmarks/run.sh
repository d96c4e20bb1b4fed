#!/usr/bin/env bash
# Usage: bash benchmarks/run.sh [--write] [--quick] [--only import|request|triggerer|pagination|page]...
# Runs the benchmarks (parse-time import cost, per-request overhead, triggerer scale, pagination
# memory, the Releases page's data) and prints their table. Builds the Airflow 3.3.2 virtualenv if needed
# (scripts/bootstrap.sh) and adds the benchmark-only dependencies of benchmarks/requirements.txt
# to it, pinned by the same constraints, so the test suite keeps working in it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=3.3.2
venv=$("$root/scripts/bootstrap.sh" "$version")
constraints="$root/constraints/airflow-$version.txt"
requirements="$root/benchmarks/requirements.txt"

want=$(cat "$requirements" "$constraints" | sha256sum | cut -d' ' -f1)
stamp="$venv/.benchmarks-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing the benchmark-only dependencies into $venv..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$constraints" -r "$requirements" >&2
  "$venv/bin/python" -m pip check >&2
  echo "$want" > "$stamp"
fi

cd "$root"
exec "$venv/bin/python" -m benchmarks.run "$@"
