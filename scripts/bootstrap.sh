#!/usr/bin/env bash
# Usage: scripts/bootstrap.sh AIRFLOW_VERSION
# Builds (or reuses) .venv/airflow-AIRFLOW_VERSION with that Airflow, pinned by
# constraints/airflow-AIRFLOW_VERSION.txt, and the provider and its sandbox (sandbox/) installed
# editable with the test tools, the OpenLineage extra and the documentation toolchain (docs/requirements.txt). Prints
# the virtualenv's path on stdout; everything else goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=${1:?usage: scripts/bootstrap.sh AIRFLOW_VERSION}
venv="$root/.venv/airflow-$version"
constraints="$root/constraints/airflow-$version.txt"
[ -f "$constraints" ] || { echo "no constraints file $constraints" >&2; exit 2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "$python is older than Python 3.10, which this provider needs" >&2
  exit 2
fi

docs_requirements="$root/docs/requirements.txt"
# The packages' versions are part of their installed metadata: a new one reinstalls them.
want=$({ cat "$root/pyproject.toml" "$root/sandbox/pyproject.toml" "$constraints" "$docs_requirements"
  grep -h '^__version__' "$root/airflow_provider_releases/__init__.py" \
    "$root/sandbox/airflow_provider_releases_sandbox/__init__.py"; } | sha256sum | cut -d' ' -f1)
stamp="$venv/.bootstrap-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Building $venv (Airflow $version)..." >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$constraints" "apache-airflow==$version" -e "$root/sandbox" -e "$root[test,openlineage]" \
    -r "$docs_requirements" >&2
  echo "$want" > "$stamp"
fi
echo "$venv"
