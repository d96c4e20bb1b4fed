"""
Airflow's own processes in a temporary ``AIRFLOW_HOME``, driven through the REST API.

:class:`AirflowEngine` runs ``airflow api-server``, ``scheduler``, ``dag-processor`` and
``triggerer`` (and ``celery worker``) as separate processes of this interpreter's Airflow, each in
its own process group with its own log file, so any one of them can be stopped and started again
while the others run. Several processes of one kind run under numbered names (``triggerer-1``,
``triggerer-2``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psutil
import pytest
import requests

T = TypeVar("T")

PROCESSES = ("api-server", "scheduler", "dag-processor", "triggerer")
#: Every kind of process the engine runs; a process's name is its kind, or ``<kind>-<n>``.
KINDS = (*PROCESSES, "celery-worker")
TERMINAL_RUN_STATES = frozenset({"success", "failed"})
#: Triggerer settings: a triggerer takes over the triggers of one whose last heartbeat is older
#: than the threshold (default 30 s); heartbeating every second (default 5 s), it never looks
#: dead to itself.
FAST_TAKEOVER = {
    "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "5",
    "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
}
# The health endpoint's name for each component the API server does not run itself.
_HEALTH_KEYS = {"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"}


class EngineError(AssertionError):
    """The engine did not get where a test waited for it to get; the message says where it stood."""


class ServerError(EngineError):
    """The API server answered 5xx (SQLite busy, say): :meth:`AirflowEngine.wait_for` asks again."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a text file, or a note that it does not exist."""
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class _Started:
    """One start of one process: the process and the log it writes."""

    process: subprocess.Popen[bytes]
    log: Path


class AirflowEngine:
    """
    Airflow's processes under ``root``, talking to each other over loopback: on SQLite with the
    LocalExecutor unless ``environ`` says otherwise.

    ``root/home`` is ``AIRFLOW_HOME`` (database, config, task logs), ``root/processes`` holds one
    log per start of each process (``triggerer.1.log``, ``triggerer.2.log``...). Call
    :meth:`migrate`, then :meth:`start` each of :data:`PROCESSES` (or :meth:`start_all`), or
    processes of :data:`KINDS` by numbered names (``celery-worker-1``, ``triggerer-2``);
    :meth:`stop` ends one (its whole process tree), :meth:`kill` crashes one, :meth:`stop_all`
    ends every one still running.

    :param root: an empty directory that holds everything the engine writes.
    :param dags_folder: the DAG files the DAG processor parses.
    :param environ: more environment variables for every process (e.g. ``AIRFLOW_CONN_*``, or
        the executor and database of a distributed Airflow); they win over the engine's own.
    """

    def __init__(self, root: Path, dags_folder: Path, environ: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.home = root / "home"
        self.process_logs = root / "processes"
        self.home.mkdir(parents=True, exist_ok=True)
        self.process_logs.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = self._environment(dags_folder, environ or {})
        self._running: dict[str, _Started] = {}
        self._starts: Counter[str] = Counter()
        self._session = requests.Session()
        self._token: str | None = None

    def _environment(self, dags_folder: Path, extra: Mapping[str, str]) -> dict[str, str]:
        """This process's environment without its Airflow settings, plus the engine's."""
        from cryptography.fernet import Fernet

        env = {
            name: value for name, value in os.environ.items() if not name.startswith(("AIRFLOW", "_AIRFLOW"))
        }
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # only what a test unpauses runs
                "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
                # Every process signs and checks the same JWTs (the API's and the workers').
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(64),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                # Log servers are skipped; their ports are still free ones, should a version serve anyway.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            }
        )
        env.update(extra)
        return env

    # Processes

    def _command(self, name: str) -> list[str]:
        airflow = [sys.executable, "-m", "airflow"]
        commands = {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            "scheduler": ["scheduler", "--skip-serve-logs"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer", "--skip-serve-logs"],
            # Each worker its own Celery node name; no start-up chatter with the other workers.
            "celery-worker": [
                *("celery", "worker", "--celery-hostname", f"{name}@%h", "--skip-serve-logs"),
                *("--without-mingle", "--without-gossip"),
            ],
        }
        return airflow + commands[kind_of(name)]

    def migrate(self, timeout: float = 300.0) -> None:
        """Create the metadata database (``airflow db migrate``)."""
        log = self.process_logs / "db-migrate.log"
        with log.open("wb") as out:
            done = subprocess.run(
                [sys.executable, "-m", "airflow", "db", "migrate"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise EngineError(f"airflow db migrate exited {done.returncode}:\n{tail(log)}")

    def start(self, name: str, environ: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """
        Start process ``name`` (a kind of :data:`KINDS`, or ``<kind>-<n>`` for one of several of
        that kind) in its own process group; return it.

        :param environ: more environment for this start only (``AIRFLOW__...`` settings, say).
        :raises ValueError: ``name`` names no kind of :data:`KINDS`.
        """
        if name in self._running:
            raise RuntimeError(f"{name} is already running (pid {self._running[name].process.pid})")
        command = self._command(name)
        self._starts[name] += 1
        log = self.process_logs / f"{name}.{self._starts[name]}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env={**self.env, **(environ or {})},
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._running[name] = _Started(process, log)
        return process

    def start_all(self, timeout: float = 180.0) -> None:
        """Start every process of :data:`PROCESSES` and wait until each reports healthy."""
        for name in PROCESSES:
            self.start(name)
        self.wait_healthy(PROCESSES, timeout=timeout)

    def stop(self, name: str, timeout: float = 30.0, *, graceful: bool = True) -> int | None:
        """
        Stop process ``name`` and everything it started: SIGTERM to its process group, then
        SIGKILL to whatever is left after ``timeout`` seconds (task and trigger-runner processes,
        which run in process groups of their own, included). Return its exit code.

        :param graceful: let the process stop its own children (as Airflow does on SIGTERM);
            ``False`` sends SIGTERM to each of them at once too.
        """
        return self.stop_many([name], timeout, graceful=graceful)[name]

    def stop_many(
        self, names: Iterable[str], timeout: float = 30.0, *, graceful: bool = True
    ) -> dict[str, int | None]:
        """Stop the processes ``names`` at once, as :meth:`stop` does; return their exit codes."""
        stopping = {
            name: self._signal(name, signal.SIGTERM, descendants=not graceful) for name in list(names)
        }
        deadline = time.monotonic() + timeout
        return {name: _reap(*started, deadline) for name, started in stopping.items()}

    def kill(self, name: str) -> int | None:
        """
        Kill process ``name`` and everything it started with SIGKILL, as a crash or the OOM killer
        would: nothing gets to clean up, so an Airflow job's row keeps its last heartbeat. Return
        its exit code.
        """
        leader, descendants = self._signal(name, signal.SIGKILL, descendants=True)
        return _reap(leader, descendants, time.monotonic() + 10.0)

    def _signal(
        self, name: str, signum: signal.Signals, *, descendants: bool
    ) -> tuple[subprocess.Popen[bytes], list[psutil.Process]]:
        """Send ``signum`` to process ``name``'s group, and to each of its descendants if asked."""
        leader = self._running.pop(name).process
        try:
            tree = psutil.Process(leader.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        _signal_group(leader.pid, signum)
        if descendants:
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.send_signal(signum)
        return leader, tree

    def stop_all(self, grace: float = 5.0) -> None:
        """
        Stop every running process at once, the API server last (the others call it): SIGTERM to
        each and to everything it started, SIGKILL to what is left after ``grace`` seconds.
        Teardown does not wait out graceful shutdowns (the triggerer's takes 10 s on Airflow 3.3).
        """
        try:
            self.stop_many([name for name in self._running if name != "api-server"], grace, graceful=False)
        finally:
            if "api-server" in self._running:
                self.stop("api-server", grace)
            self._session.close()

    def running(self, name: str) -> bool:
        """Whether process ``name`` was started and has not exited."""
        return name in self._running and self._running[name].process.poll() is None

    def pid(self, name: str) -> int:
        """The pid of running process ``name``."""
        return self._running[name].process.pid

    def log_path(self, name: str) -> Path:
        """The log of the latest start of process ``name``."""
        return self.process_logs / f"{name}.{self._starts[name]}.log"

    def log(self, name: str) -> str:
        """What the latest start of process ``name`` has logged so far."""
        return self.log_path(name).read_text(errors="replace")

    def _check_alive(self) -> None:
        for name, started in self._running.items():
            code = started.process.poll()
            if code is not None:
                raise EngineError(f"{name} exited with {code}:\n{tail(started.log)}\n\n{self.where()}")

    # Waiting

    def wait_for(self, what: str, check: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T:
        """
        Call ``check`` every ``interval`` seconds until it returns something other than ``None``
        (or ``False``); return that. Fail at once when a started process exits. A request that
        finds the API server not listening, or answering 5xx, counts as not yet.

        :raises EngineError: ``timeout`` seconds passed first, or a process exited.
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            self._check_alive()
            try:
                result = check()
            except (requests.RequestException, ServerError) as exc:  # not listening yet, or busy
                result, last_error = None, exc
            if result is not None and result is not False:
                return result
            if time.monotonic() > deadline:
                cause = f" (last error: {last_error})" if last_error else ""
                raise EngineError(f"waited {timeout} s for {what}{cause}\n\n{self.where()}")
            time.sleep(interval)

    def health(self) -> dict[str, Any]:
        """The API server's ``/api/v2/monitor/health`` answer."""
        response = self._session.get(f"{self.base_url}/api/v2/monitor/health", timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_healthy(self, names: Iterable[str], timeout: float = 180.0) -> None:
        """Wait until the API server answers and each process of ``names`` reports healthy."""
        components = sorted({_HEALTH_KEYS[kind_of(name)] for name in names if kind_of(name) in _HEALTH_KEYS})

        def healthy() -> bool:
            report = self.health()
            return all((report.get(key) or {}).get("status") == "healthy" for key in components)

        self.wait_for(f"{', '.join(names)} to be healthy", healthy, timeout)

    def wait_logged(self, name: str, text: str, timeout: float = 180.0) -> None:
        """Wait until the latest start of process ``name`` has logged ``text``."""
        self.wait_for(f"{name} to log {text!r}", lambda: text in self.log(name), timeout)

    # The REST API

    def token(self) -> str:
        """A JWT from the simple auth manager (every user is an admin)."""
        if self._token is None:
            response = self._session.get(f"{self.base_url}/auth/token", timeout=30)
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """
        Send ``method path`` to the API server with the token; return the response as it is.

        :raises ServerError: the API server answered 5xx.
        """
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = self._session.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs
        )
        if response.status_code >= 500:
            raise ServerError(f"{method} {path} answered {response.status_code}: {response.text[:2000]}")
        return response

    def api(self, method: str, path: str, *, json: Any = None, expect: Iterable[int] = (200,)) -> Any:
        """
        Call the API server and return the JSON it answered.

        :raises EngineError: the status is not one of ``expect`` (:class:`ServerError` for 5xx).
        """
        response = self.request(method, path, json=json)
        if response.status_code not in tuple(expect):
            raise EngineError(f"{method} {path} answered {response.status_code}: {response.text[:2000]}")
        return response.json() if response.content else None

    def find(self, path: str) -> Any:
        """``GET path``: the JSON answered, or ``None`` when the API server does not know it (404)."""
        response = self.request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise EngineError(f"GET {path} answered {response.status_code}: {response.text[:2000]}")
        return response.json()

    # Diagnostics

    def where(self, lines: int = 40) -> str:
        """Where the logs are, the tail of each process's latest log and of each task log with errors."""
        parts = [f"Airflow engine files (home, task logs, process logs) are kept in {self.root}"]
        for name in sorted(self._starts):
            if self._starts[name]:
                state = "running" if self.running(name) else "stopped"
                parts.append(f"--- {self.log_path(name)} ({state}), last {lines} lines:\n")
                parts.append(tail(self.log_path(name), lines))
        for task_log in sorted((self.home / "logs").glob("dag_id=*/**/*.log")):
            if '"level":"error"' in task_log.read_text(errors="replace"):
                parts.append(f"--- {task_log} (has errors), last {lines} lines:\n")
                parts.append(tail(task_log, lines))
        return "\n".join(parts)


def kind_of(name: str) -> str:
    """
    The kind of :data:`KINDS` of process ``name`` (``triggerer`` for ``triggerer-2``).

    :raises ValueError: ``name`` is neither a kind nor ``<kind>-<n>``.
    """
    kind, _, number = name.rpartition("-")
    if name in KINDS:
        return name
    if kind in KINDS and number.isdigit():
        return kind
    raise ValueError(f"name={name!r} is not one of {KINDS}, nor one of them followed by -<number>")


def _reap(leader: subprocess.Popen[bytes], descendants: list[psutil.Process], deadline: float) -> int | None:
    """Wait for a terminated process and its descendants until ``deadline``, then kill what is left."""
    try:
        code: int | None = leader.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _signal_group(leader.pid, signal.SIGKILL)
        code = leader.wait(timeout=10)
    _, alive = psutil.wait_procs(descendants, timeout=max(1.0, deadline - time.monotonic()))
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=10)
    _signal_group(leader.pid, signal.SIGKILL)  # whatever joined the group after the snapshot
    return code


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


#: The example DAGs the engine tests deploy.
EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
#: The engine a test runs, stashed on its node so a failed test's report shows the engine's logs.
ENGINE = pytest.StashKey[AirflowEngine]()
