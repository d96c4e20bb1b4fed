#!/usr/bin/env bash
# The main job: builds the virtualenv if missing, then releases a version end to end with the
# example DAG release_workflow on an embedded Airflow (a temporary AIRFLOW_HOME with SQLite)
# against the sandbox of the four APIs, prints what now exists at each service, and
# runs the same release again to show that nothing is created twice.
# Arguments go to scripts/main.py (--version, --title).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$("$root/scripts/bootstrap.sh" 3.3.2)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$root/example_dags"
"$venv/bin/python" "$root/scripts/main.py" "$@"
