from airflow_provider_releases_sandbox.dag_runs import run_dag


def test_my_release(release_sandbox):
    release_sandbox.auto_advance(reads=2)  # LaunchDarkly phases complete on their own
    run = run_dag("dags/my_release.py", "my_release")
    assert run.state == "success"
    assert len(release_sandbox.requests_to("cryptlex", "POST", "/v3/releases")) == 1
