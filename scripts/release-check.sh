#!/usr/bin/env bash
# Usage: bash scripts/release-check.sh [--prepare]
# (--prepare only builds the build tools' virtualenv, .venv/release-tools, and exits.)
# What a release needs, checked end to end:
#   1. build the wheels and the sdists of the provider and of its sandbox (sandbox/) into dist/
#      (cleaned first) with the pinned build tools (scripts/release-requirements.txt, installed
#      into .venv/release-tools);
#   2. twine check --strict; the wheels' and the sdists' file lists, entry points and metadata
#      (scripts/release_check.py dist: the provider's wheel has no sandbox and no pytest11 entry
#      point, the sandbox's has one);
#   3. install the provider's wheel into a new virtualenv outside the clone with
#      docs/examples/install.sh, Airflow pinned by constraints/airflow-$RELEASE_AIRFLOW_VERSION.txt
#      (default 3.3.2, the newest), then the sandbox's wheel and pytest, as a test environment does;
#   4. in it: `airflow providers get --full` lists everything get_provider_info() declares and it all
#      imports from the installed wheel; `python -m airflow_provider_releases_sandbox` serves and
#      stops; the documented pytest example of a user's project passes;
#   5. build the documentation with warnings as errors into build/docs/html.
# Prints a summary; exits non-zero, naming the failed checks, if any failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
airflow_version=${RELEASE_AIRFLOW_VERSION:-3.3.2}
constraints="$root/constraints/airflow-$airflow_version.txt"
python=${PYTHON:-python3}
check="$root/scripts/release_check.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=()
failed=0

# run NAME COMMAND...: run a check, its output in a log shown only when it fails.
run() {
  local name=$1 log start=$SECONDS
  shift
  log="$work/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
  echo "== $name" >&2
  if "$@" >"$log" 2>&1; then
    grep -h '^ok ' "$log" >&2
    results+=("ok    $name ($((SECONDS - start)) s)")
    return 0
  fi
  tail -n 60 "$log" >&2
  results+=("FAIL  $name ($((SECONDS - start)) s)")
  failed=1
  return 1
}

skip() {
  results+=("skip  $1 (needs: $2)")
  failed=1
}

tools_venv() {
  local venv="$root/.venv/release-tools" want
  want=$(sha256sum "$root/scripts/release-requirements.txt" | cut -d' ' -f1)
  if [ ! -f "$venv/.stamp" ] || [ "$(cat "$venv/.stamp")" != "$want" ]; then
    "$python" -m venv "$venv" &&
      "$venv/bin/python" -m pip install --quiet -r "$root/scripts/release-requirements.txt" &&
      echo "$want" >"$venv/.stamp"
  fi
}

build_dists() {
  rm -rf "$root/dist" &&
    for project in "$root" "$root/sandbox"; do
      PIP_CONSTRAINT="$root/scripts/release-requirements.txt" \
        "$root/.venv/release-tools/bin/python" -m build --outdir "$root/dist" "$project" || return 1
    done &&
    ls "$root/dist"
}

# A user's install: a new virtualenv outside the clone, the documented command, the provider's
# wheel; then what a test environment adds: the sandbox's wheel and pytest.
install_wheel() {
  local wheel sandbox_wheel
  wheel=$(ls "$root"/dist/airflow_provider_releases-*.whl) || return 1
  sandbox_wheel=$(ls "$root"/dist/airflow_provider_releases_sandbox-*.whl) || return 1
  "$python" -m venv "$work/venv" &&
    (cd "$work" && env -u PYTHONPATH PATH="$work/venv/bin:$PATH" VIRTUAL_ENV="$work/venv" \
      AIRFLOW_VERSION="$airflow_version" PROVIDER="$wheel" CONSTRAINTS="$constraints" \
      bash "$root/docs/examples/install.sh") &&
    "$work/venv/bin/python" -m pip install --quiet "$sandbox_wheel" pytest -c "$constraints"
}

# Commands run as a user would: from a directory outside the clone ($cwd, default the work
# directory), no test-suite variables.
in_venv() {
  (cd "${cwd:-$work}" && env -u PYTHONPATH $(compgen -e | grep -E '^(AIRFLOW_CONN_|PYTEST_)' | sed 's/^/-u /') \
    AIRFLOW_HOME="$work/airflow" AIRFLOW__CORE__LOAD_EXAMPLES=False "$@")
}

providers_listed() {
  in_venv "$work/venv/bin/airflow" providers get airflow-provider-releases --full -o json \
    >"$work/providers.json" 2>"$work/providers.err" || { cat "$work/providers.err"; return 1; }
  in_venv "$work/venv/bin/python" "$check" installed "$work/providers.json"
}

user_project_test() {
  local tests
  tests=$(in_venv "$work/venv/bin/python" "$check" user-project "$work/project") || return 1
  cwd="$work/project" in_venv "$work/venv/bin/python" -m pytest -q -p no:cacheprovider >"$work/project.log" 2>&1
  local status=$?
  cat "$work/project.log"
  [ $status -eq 0 ] && grep -q "^$tests passed" "$work/project.log" &&
    echo "ok   the documented pytest example: $tests passed in a user's project"
}

build_docs() {
  local venv status
  venv=$("$root/scripts/bootstrap.sh" "$airflow_version") || return 1
  rm -rf "$root/build/docs" && mkdir -p "$root/build/docs"
  local command=("$venv/bin/sphinx-build" -q -W --keep-going -b html "$root/docs" "$root/build/docs/html")
  # autodoc imports Airflow: its home in the work directory, not ~/airflow.
  AIRFLOW_HOME="$work/docs-airflow" "${command[@]}" 2>"$root/build/docs/sphinx-build.log"
  status=$?
  cat "$root/build/docs/sphinx-build.log"
  # tests/docs checks this site instead of building its own: it reads how it was built from here.
  "$venv/bin/python" -c 'import json, sys; json.dump({"returncode": int(sys.argv[1]), "command": sys.argv[3:],
    "messages": open(sys.argv[2]).read()}, sys.stdout, indent=1)' \
    "$status" "$root/build/docs/sphinx-build.log" "${command[@]}" >"$root/build/docs/sphinx-build.json"
  if [ $status -eq 0 ]; then
    echo "ok   documentation built into build/docs/html"
  else
    # Not a site to test against (scripts/test.sh passes build/docs/html to tests/docs).
    mv "$root/build/docs/html" "$root/build/docs/html-failed" 2>/dev/null
    echo "the failed build is in build/docs/html-failed"
    return 1
  fi
}

[ -f "$constraints" ] || { echo "no constraints file $constraints" >&2; exit 2; }
if [ "${1:-}" = "--prepare" ]; then
  tools_venv
  exit
fi
if run "release tools (build, twine)" tools_venv && run "build the wheels and sdists" build_dists; then
  run "twine check --strict" "$root/.venv/release-tools/bin/twine" check --strict "$root"/dist/*
  run "wheels and sdists: contents, entry points, metadata" "$root/.venv/release-tools/bin/python" "$check" dist "$root/dist"
  if run "install the wheels in a new virtualenv (docs/examples/install.sh)" install_wheel; then
    run "airflow providers get lists the provider" providers_listed
    run "python -m airflow_provider_releases_sandbox" in_venv "$work/venv/bin/python" "$check" sandbox "$work/venv/bin/python"
    run "pytest example in a user's project" user_project_test
  else
    skip "installed-wheel checks" "the installed wheel"
  fi
else
  skip "distribution and installed-wheel checks" "built distributions"
fi
run "documentation (sphinx-build -W)" build_docs

echo "== release check summary" >&2
printf '%s\n' "${results[@]}" >&2
if [ $failed -ne 0 ]; then
  echo "release check FAILED: $(printf '%s\n' "${results[@]}" | grep -v '^ok' | sed 's/^[a-zA-Z]* *//; s/ ([0-9]* s)$//' | paste -sd ';' -)" >&2
fi
exit $failed
