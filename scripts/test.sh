#!/usr/bin/env bash
# The whole test suite: ruff, the release check (scripts/release-check.sh: packages, the installed
# wheel, the documentation), then pytest on the lowest (3.2) and the newest (3.3) supported
# Airflow, each in its own virtualenv under .venv/ (built on first use, both at once).
# pytest runs on every core with pytest-xdist, then the engine tests on their own.
# Prints the time of every step, and for each Airflow version the tests collected and passed,
# the time per test directory and the slowest tests (JUnit reports in build/reports/).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
versions=${AIRFLOW_VERSIONS:-"3.2.2 3.3.2"}
workers=${PYTEST_WORKERS:-$(nproc)}
reports="$root/build/reports"
mkdir -p "$reports"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
steps=()
started=$SECONDS

# timed NAME COMMAND...: run COMMAND, and keep NAME's time for the summary.
timed() {
  local name=$1 start=$SECONDS rc
  shift
  "$@"
  rc=$?
  steps+=("$(printf '%-44s %5d s%s' "$name" $((SECONDS - start)) "$([ $rc -eq 0 ] || echo '  FAILED')")")
  return $rc
}

# The CeleryExecutor engine test (tests/engine) starts its own Redis broker and PostgreSQL
# server from Debian's packages, and the connection pages' engine test drives Debian's chromium:
# install them when missing, in one apt-get run (the tests start and stop them).
install_services() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing ${missing[*]} from Debian's packages" >&2
  local sudo
  sudo=$([ "$(id -u)" -eq 0 ] || echo "sudo -E")
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; echo "could not install ${missing[*]}" >&2; return 1; }
}

# The services, then the browser tools on that chromium (two apt-get runs would fight over dpkg's lock).
install_services_and_browser() {
  install_services || return 1
  scripts/browser.sh >/dev/null 2>"$work/browser.log" || { cat "$work/browser.log" >&2; return 1; }
}

# Set-up, all at once: the services and then the browser tools (playwright, scripts/browser.sh),
# one virtualenv per Airflow version and the release check's build tools (pip's cache is shared).
setup() {
  local pids=() failed=0 version
  install_services_and_browser &
  pids+=($!)
  bash scripts/release-check.sh --prepare >"$work/release-tools.log" 2>&1 &
  pids+=($!)
  for version in $versions; do
    scripts/bootstrap.sh "$version" >"$work/venv-$version" 2>"$work/venv-$version.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  for version in $versions; do
    [ -s "$work/venv-$version" ] || { cat "$work/venv-$version.log" >&2; failed=1; }
  done
  return $failed
}
echo "== set-up: Debian services, the browser tools and the virtualenvs of Airflow $versions"
timed "set-up (services, browser, virtualenvs)" setup || status=1

newest=${versions##* }
venv="$root/.venv/airflow-$newest"
echo "== ruff (lint and format)"
timed "ruff" bash -c '"$0/bin/ruff" check . && "$0/bin/ruff" format --check .' "$venv" || status=1

# Wheel and sdist, the wheel installed in a new virtualenv, the documentation (build/docs/html).
echo "== release check (scripts/release-check.sh)"
timed "release check" env RELEASE_AIRFLOW_VERSION="$newest" bash scripts/release-check.sh || status=1
# tests/docs checks the site release-check built; without one (its build failed) it builds its own.
if [ -f "$root/build/docs/html/index.html" ]; then
  export RELEASE_DOCS_HTML="$root/build/docs/html"
fi

# pytest_phase NAME REPORT ARGS...: one pytest session in a new AIRFLOW_HOME; "no tests selected"
# (exit 5: -k matched none of the engine tests, say) is no failure.
pytest_phase() {
  local name=$1 report=$2 home rc
  shift 2
  home=$(mktemp -d)
  rm -f "$report"
  echo "== $name"
  timed "$name" run_pytest env AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False \
    "$venv/bin/python" -m pytest --durations=20 --junitxml="$report" "$@"
  rc=$?
  rm -rf "$home"
  return $rc
}

run_pytest() {
  "$@"
  local rc=$?
  [ $rc -eq 5 ] && return 0
  return $rc
}

summaries=()
for version in $versions; do
  venv="$root/.venv/airflow-$version"
  [ -x "$venv/bin/python" ] || { status=1; continue; }
  # Everything but the engine tests on every core; then the engine tests, which start Airflow's own
  # processes and time them, alone on the machine, one after another.
  parallel="$reports/pytest-airflow-$version.xml"
  engine="$reports/pytest-airflow-$version-engine.xml"
  if printf '%s\n' "$@" | grep -q -- '^-m'; then
    # The caller chose the tests by marker (-m "not engine", say): one session on every core, any
    # engine tests together on one worker (tests/conftest.py groups them).
    pytest_phase "pytest on Airflow $version ($workers workers)" "$parallel" \
      -n "$workers" --dist loadgroup "$@" || status=1
    phases=("$parallel")
  else
    pytest_phase "pytest on Airflow $version ($workers workers)" "$parallel" \
      -n "$workers" -m "not engine" "$@" || status=1
    pytest_phase "pytest on Airflow $version (engine tests)" "$engine" -p no:xdist -m engine "$@" || status=1
    phases=("$parallel" "$engine")
  fi
  if "$venv/bin/python" scripts/test_report.py "${phases[@]}" >"$work/report-$version.txt"; then
    summaries+=("Airflow $version: $(head -1 "$work/report-$version.txt")")
    echo "== pytest on Airflow $version: time by test directory"
    cat "$work/report-$version.txt"
  else
    summaries+=("Airflow $version: no report (pytest did not finish)")
    status=1
  fi
done

echo "== summary"
printf '%s\n' "${summaries[@]}"
printf '%s\n' "${steps[@]}"
printf '%-44s %5d s\n' "scripts/test.sh in all" $((SECONDS - started))
exit $status
