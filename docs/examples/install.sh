#!/usr/bin/env bash
# Installs the provider and Apache Airflow into the active Python environment, every dependency
# pinned by Airflow's constraints file for that Airflow and Python version.
# scripts/release-check.sh runs it to install the freshly built wheel into a new virtualenv:
#   AIRFLOW_VERSION  the Airflow to install (default 3.3.2)
#   PROVIDER         what to install: a PyPI requirement (default airflow-provider-releases) or a wheel file
#   CONSTRAINTS      constraints URL or file (default Airflow's own for AIRFLOW_VERSION and this Python)
set -euo pipefail

AIRFLOW_VERSION=${AIRFLOW_VERSION:-3.3.2}
PYTHON_VERSION=$(python -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')
PROVIDER=${PROVIDER:-airflow-provider-releases}
CONSTRAINTS=${CONSTRAINTS:-"https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW_VERSION}/constraints-${PYTHON_VERSION}.txt"}

# [START install]
python -m pip install "apache-airflow==${AIRFLOW_VERSION}" "${PROVIDER}" \
  --constraint "${CONSTRAINTS}"
# [END install]
