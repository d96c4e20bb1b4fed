#!/usr/bin/env bash
# Answer the approval step of a release_workflow run through Airflow's REST API.
# docs/reacting-to-releases.md shows it, and tests/docs/test_approve_release_example.py runs
# it against Airflow's own API server. Airflow 3.3 with the simple auth manager (another auth
# manager gives the token its own way).
# Usage: AIRFLOW_URL=http://localhost:8080 AIRFLOW_USER=admin AIRFLOW_PASSWORD=... \
#          bash docs/examples/approve_release.sh '<run id>' [Approve|Reject]
set -euo pipefail
RUN_ID="${1:?usage: approve_release.sh <run id> [Approve|Reject]}"
ANSWER="${2:-Approve}"

# [START approve_release_curl]
# A JWT for the REST API, from the simple auth manager
TOKEN=$(curl -sS --fail-with-body -X POST "$AIRFLOW_URL/auth/token" \
  --data-urlencode "username=$AIRFLOW_USER" \
  --data-urlencode "password=$AIRFLOW_PASSWORD" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
# The run id has ':' and '+' (manual__2026-05-04T10:00:00+00:00): URL-encode it
RUN=$(python3 -c 'import sys, urllib.parse as p; print(p.quote(sys.argv[1], safe=""))' \
  "$RUN_ID")
RUNS="$AIRFLOW_URL/api/v2/dags/release_workflow/dagRuns"
# The task approve_release, map index -1 (not mapped); ANSWER is Approve or Reject
curl -sS --fail-with-body -X PATCH \
  "$RUNS/$RUN/taskInstances/approve_release/-1/hitlDetails" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"chosen_options\": [\"$ANSWER\"], \"params_input\": {}}"
echo
# [END approve_release_curl]
