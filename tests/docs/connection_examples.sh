# The four connections of the documentation's connection pages, as environment variables.
# tests/docs/test_connection_examples.py sources this file with bash and tests each connection.
# [START connection_env_amplitude]
export AIRFLOW_CONN_AMPLITUDE_DEFAULT='{
  "conn_type": "amplitude",
  "password": "<secret key>",
  "extra": {"api_key": "<api key>", "region": "eu"}
}'
# [END connection_env_amplitude]
# [START connection_env_launchdarkly]
export AIRFLOW_CONN_LAUNCHDARKLY_DEFAULT='{
  "conn_type": "launchdarkly",
  "password": "api-<token>",
  "extra": {"instance": "commercial"}
}'
# [END connection_env_launchdarkly]
# [START connection_env_aha]
export AIRFLOW_CONN_AHA_DEFAULT='{
  "conn_type": "aha",
  "host": "https://mycompany.aha.io",
  "password": "<api key>"
}'
# [END connection_env_aha]
# [START connection_env_cryptlex]
export AIRFLOW_CONN_CRYPTLEX_DEFAULT='{
  "conn_type": "cryptlex",
  "password": "<access token>",
  "extra": {"region": "default"}
}'
# [END connection_env_cryptlex]
