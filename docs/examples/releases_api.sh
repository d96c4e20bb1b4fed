#!/usr/bin/env bash
# Read the Releases page's data (JSON) through Airflow's api-server, as a script would.
# docs/howto/releases-page.md shows it, and tests/docs/test_approve_release_example.py runs it
# against Airflow's own API server. Airflow 3.3 with the simple auth manager (another auth
# manager gives the token its own way).
# Usage: AIRFLOW_URL=http://localhost:8080 AIRFLOW_USER=admin AIRFLOW_PASSWORD=... \
#          bash docs/examples/releases_api.sh [version]
set -euo pipefail
VERSION="${1:-}"

# [START releases_api_curl]
# A JWT from the simple auth manager, taken as Airflow's REST API takes it
TOKEN=$(curl -sS --fail-with-body -X POST "$AIRFLOW_URL/auth/token" \
  --data-urlencode "username=$AIRFLOW_USER" \
  --data-urlencode "password=$AIRFLOW_PASSWORD" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
if [ -z "$VERSION" ]; then
  # The newest versions whose LaunchDarkly phase waits on a regression, 10 a page
  curl -sS --fail-with-body -G "$AIRFLOW_URL/releases/api/versions" \
    -H "Authorization: Bearer $TOKEN" \
    --data-urlencode "state=launchdarkly:regression" -d page_size=10
else
  # One version: its timeline, pending steps and approvals
  curl -sS --fail-with-body "$AIRFLOW_URL/releases/api/versions/$VERSION" \
    -H "Authorization: Bearer $TOKEN"
fi
echo
# [END releases_api_curl]
