"""Print what Airflow sees of this provider: its version, connection types, form fields, operators,
sensors, triggers, extra links and example DAGs."""

from __future__ import annotations

import os
import sys


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    provider = manager.providers.get("airflow-provider-releases")
    if provider is None:
        print("airflow-provider-releases is not registered with Airflow", file=sys.stderr)
        return 1
    print(f"airflow-provider-releases {provider.version} is registered with Airflow.\n")
    print("Connection types:")
    widgets = manager.connection_form_widgets
    for conn in provider.data["connection-types"]:
        conn_type = conn["connection-type"]
        behaviour = manager.field_behaviours.get(conn_type, {})
        labels = ", ".join(f"{field} = {label}" for field, label in behaviour.get("relabeling", {}).items())
        extras = [w.field_name for key, w in widgets.items() if key.startswith(f"extra__{conn_type}__")]
        print(f"  {conn_type:<13} {conn['hook-name']:<13} {conn['hook-class-name']}")
        print(f"  {'':<13} fields: {labels}; extra: {', '.join(extras)}")
    for layer in ("operators", "sensors", "triggers"):
        modules = [module for entry in provider.data.get(layer, []) for module in entry["python-modules"]]
        print(f"\n{layer.capitalize()} modules: {', '.join(module.rpartition('.')[2] for module in modules)}")
    ours = "airflow_provider_releases."
    links = [link for link in manager.extra_links_class_names if link.startswith(ours)]
    print(f"Extra links: {', '.join(link.rpartition('.')[2] for link in links)}")
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    print(f"\nExample DAGs: {', '.join(sorted(bag.dag_ids))}; import errors: {len(bag.import_errors)}")
    for path, error in bag.import_errors.items():
        print(f"  {path}: {error}", file=sys.stderr)
    return 1 if bag.import_errors else 0


if __name__ == "__main__":
    sys.exit(main())
