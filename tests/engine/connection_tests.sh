#!/usr/bin/env bash
# The two ways docs/connections/index.md tests a saved connection outside the UI: the REST call and
# the CLI. tests/engine/test_connection_pages.py runs this file against a real api-server, with
# AIRFLOW_URL, TOKEN and the api-server's Airflow settings in the environment.
set -euo pipefail
# [START connection_test_rest]
curl -sS -X POST "$AIRFLOW_URL/api/v2/connections/test" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  -d '{"connection_id": "aha_default", "conn_type": "aha"}'
# [END connection_test_rest]
echo
# [START connection_test_cli]
airflow connections test aha_default
# [END connection_test_cli]
