#!/usr/bin/env bash
# The sandbox's control API driven with curl from another process (docs/testing.md shows it;
# tests/sandbox/test_user_guide.py runs it against a sandbox started on the command line).
# Usage: bash docs/examples/control_api.sh http://127.0.0.1:<port>
set -euo pipefail
SANDBOX="${1:?usage: control_api.sh <the sandbox base URL that python -m airflow_provider_releases_sandbox printed>}"

# [START control_api_curl]
# Complete the active phase of the flag's LaunchDarkly release and start the next one
curl -s -X POST "$SANDBOX/_sandbox/complete_phase" -H 'Content-Type: application/json' \
  -d '{"project_key": "default", "flag_key": "beta-banner"}'
echo
# The journal of POST requests to Aha! since the last reset
curl -s -X POST "$SANDBOX/_sandbox/requests" -d '{"service": "aha", "method": "POST"}'
echo
# A wrong argument name: a 400 naming the accepted ones
curl -s -X POST "$SANDBOX/_sandbox/complete_phase" -d '{"project": "default"}'
echo
# [END control_api_curl]
