#!/usr/bin/env bash
# Remakes the documentation's screenshots (docs/_static/screenshots/*.png) from the real thing.
# Rerun it with:   bash scripts/screenshots.sh
# It installs Debian's chromium when missing and a pinned playwright into .venv/browser
# (scripts/browser.sh: it drives that Chromium; it never downloads a browser), releases a version
# with scripts/main.py on Airflow 3.3.2 in a temporary AIRFLOW_HOME (SQLite, DAGs folder
# example_dags, against the sandbox) so the graph shows a finished run, starts a real
# api-server on that home (the simple auth manager with every user an admin: no login), and lets
# scripts/screenshots.py take the graph of release_workflow, the Releases page and the four connection forms. Every
# process it started is stopped on exit. Exit status 1 when the run or any screenshot failed.
# Takes about 5 minutes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out="$root/docs/_static/screenshots"

venv=$(scripts/bootstrap.sh 3.3.2)
tools=$(scripts/browser.sh)

home=$(mktemp -d)
api_pid=
stop() {
  # The api-server runs in its own session (setsid): end its whole process group, by its id.
  if [ -n "$api_pid" ]; then
    kill -- "-$api_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$api_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  rm -rf "$home"
}
trap stop EXIT
export AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$root/example_dags"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True

echo "== releasing a version with release_workflow (scripts/main.py) for the graph to show a finished run"
if ! "$venv/bin/python" scripts/main.py >"$home/main.log" 2>&1; then
  tail -n 40 "$home/main.log" >&2
  echo "scripts/main.py failed: no finished run to show" >&2
  exit 1
fi

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
echo "== starting the api-server at $url"
setsid "$venv/bin/airflow" api-server --host 127.0.0.1 --port "$port" --workers 1 >"$home/api-server.log" 2>&1 &
api_pid=$!
ready=
for _ in $(seq 180); do
  if "$venv/bin/python" -c "import urllib.request as u; u.urlopen('$url/api/v2/monitor/health', timeout=5)" 2>/dev/null; then
    ready=1
    break
  fi
  kill -0 "$api_pid" 2>/dev/null || { tail -n 40 "$home/api-server.log" >&2; echo "the api-server stopped" >&2; exit 1; }
  sleep 1
done
[ -n "$ready" ] || { tail -n 40 "$home/api-server.log" >&2; echo "the api-server did not answer in 3 minutes" >&2; exit 1; }

echo "== taking the screenshots into $out"
"$tools/bin/python" scripts/screenshots.py --url "$url" --out "$out"
