#!/usr/bin/env bash
# The main job. Builds the virtualenv if missing, then runs the provider on an embedded Airflow
# in a temporary AIRFLOW_HOME and prints what it offers. (The end-to-end release workflow
# against the bundled sandbox of the four APIs replaces this as those pieces land.)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$("$root/scripts/bootstrap.sh" 3.3.2)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$root/example_dags"
"$venv/bin/python" "$root/scripts/main.py"
