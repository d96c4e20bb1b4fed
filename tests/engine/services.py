"""
Servers from Debian's packages that a distributed Airflow needs: a Redis broker and PostgreSQL.

Each is started on a free loopback port in a temporary directory of its own, in its own process
group, and stopped (and its directory removed) by the ``with`` block that started it: what a test
starts, it stops. ``scripts/test.sh`` installs the packages when the programs are missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.engine.engine import EngineError, free_port, tail

# PostgreSQL refuses to run as root; as root the server runs as the Debian package's own user.
POSTGRES_USER = "postgres"
DATABASE = "airflow"


def find_program(name: str, package: str, *patterns: str) -> Path:
    """
    ``name`` on ``PATH``, else the last match of ``patterns`` (Debian keeps PostgreSQL's programs
    under ``/usr/lib/postgresql/<major>/bin``).

    :raises EngineError: neither has it; the message names the Debian package to install.
    """
    found = shutil.which(name)
    if found is None:
        matches = sorted(match for pattern in patterns for match in glob.glob(pattern))
        found = matches[-1] if matches else None
    if found is None:
        raise EngineError(
            f"{name} was not found: install Debian's {package} package (`apt-get install -y {package}`; "
            "scripts/test.sh does it when it is missing)"
        )
    return Path(found)


def _stop(process: subprocess.Popen[bytes], signum: signal.Signals, timeout: float = 15.0) -> None:
    """Send ``signum`` to the process group, wait ``timeout`` seconds, then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_listening(
    process: subprocess.Popen[bytes], port: int, log: Path, what: str, timeout: float
) -> None:
    """Wait until ``process`` accepts TCP connections on loopback ``port``."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise EngineError(f"{what} exited with {process.returncode}:\n{tail(log)}")
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.settimeout(1.0)
            probe.connect(("127.0.0.1", port))
            return
        if time.monotonic() > deadline:
            raise EngineError(f"{what} did not listen on port {port} within {timeout} s:\n{tail(log)}")
        time.sleep(0.1)


@contextlib.contextmanager
def redis_server(timeout: float = 30.0) -> Iterator[str]:
    """
    Run ``redis-server`` on a free loopback port with no persistence; yield its URL
    (``redis://127.0.0.1:<port>``).

    :raises EngineError: ``redis-server`` is missing or did not start.
    """
    program = find_program("redis-server", "redis-server")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="airflow-engine-redis-"))
    log = folder / "redis.log"
    command = [str(program), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--daemonize", "no", "--dir", str(folder), "--logfile", str(log)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_listening(process, port, log, "redis-server", timeout)
        yield f"redis://127.0.0.1:{port}"
    finally:
        _stop(process, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


class PostgresServer:
    """
    A PostgreSQL cluster in a temporary directory, reachable on loopback without a password as
    user ``airflow``, holding an empty database ``airflow``. Use :func:`postgres_server`.

    :raises EngineError: PostgreSQL's programs are missing.
    """

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        # The folder of initdb's siblings (postgres, pg_dump), where a symlink on PATH leads.
        self.bin = find_program("initdb", "postgresql", "/usr/lib/postgresql/*/bin/initdb").resolve().parent
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self._process: subprocess.Popen[bytes] | None = None
        # As root, run PostgreSQL's programs as the package's user (it refuses root).
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(POSTGRES_USER)
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(folder, account.pw_uid, account.pw_gid)

    def url(self, driver: str = "postgresql+psycopg2") -> str:
        """The SQLAlchemy URL of database ``airflow`` (``driver`` is the URL's scheme)."""
        return f"{driver}://{DATABASE}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, program: str, *args: str, timeout: float = 120.0) -> str:
        done = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.folder,
            **self._as,
        )
        if done.returncode != 0:
            raise EngineError(f"{program} exited {done.returncode}: {done.stderr[-2000:]}")
        return done.stdout

    def start(self, timeout: float = 60.0) -> None:
        """Create the cluster, start the server and create database ``airflow``."""
        self._run("initdb", "-D", str(self.data), "-U", DATABASE, "--auth=trust", "--no-sync", "-E", "UTF8")
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.folder),
            "max_connections": "200",
            # A throwaway database: no durability, less I/O.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        options = [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
        with self.log.open("wb") as out:
            self._process = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), *options],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
                **self._as,
            )
        _wait_listening(self._process, self.port, self.log, "postgres", timeout)
        self.wait_ready(timeout)
        self.execute(f"CREATE DATABASE {DATABASE}", database="postgres")

    def wait_ready(self, timeout: float) -> None:
        """Wait until the server accepts queries (it listens before it finishes starting up)."""
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user=DATABASE, dbname="postgres").close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise EngineError(f"postgres did not accept queries: {exc}\n{tail(self.log)}") from exc
                time.sleep(0.2)

    def execute(self, statement: str, database: str = DATABASE) -> None:
        """Run one SQL statement outside a transaction."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=DATABASE, dbname=database)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def dump(self, path: Path) -> None:
        """
        Write database ``airflow`` as SQL to ``path`` (what a secret audit searches).
        """
        sql = self._run("pg_dump", "-h", "127.0.0.1", "-p", str(self.port), "-U", DATABASE, DATABASE)
        path.write_text(sql)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended)."""
        if self._process is not None:
            _stop(self._process, signal.SIGINT)
            self._process = None


@contextlib.contextmanager
def postgres_server(timeout: float = 60.0) -> Iterator[PostgresServer]:
    """
    Run a :class:`PostgresServer` on a free loopback port for the ``with`` block; stop it and
    remove its files after.

    :raises EngineError: PostgreSQL is missing or did not start.
    """
    folder = Path(tempfile.mkdtemp(prefix="airflow-engine-pg-"))
    server: PostgresServer | None = None
    try:
        server = PostgresServer(folder, free_port())
        server.start(timeout)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
