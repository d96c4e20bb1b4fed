"""The Python half of scripts/release-check.sh: checks of the built distributions and of the
installed wheel. Each subcommand prints what it checked and exits non-zero naming what is wrong.

    release_check.py dist DIST_DIR                      the provider's and the sandbox's wheel and
                                                        sdist: file lists, entry points, metadata
    release_check.py installed PROVIDERS_JSON           run by the NEW virtualenv's python
    release_check.py sandbox PYTHON                     python -m airflow_provider_releases_sandbox
    release_check.py user-project DEST                  a user's project with the documented DAG test
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tarfile
import threading
import urllib.request
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "airflow_provider_releases"
DIST_NAME = "airflow-provider-releases"
SANDBOX = "airflow_provider_releases_sandbox"
# Nothing of the repository but the package belongs in a wheel.
NOT_IN_WHEEL = (
    "tests/",
    "benchmarks/",
    "docs/",
    "example_dags/",
    "build/",
    "scripts/",
    "__pycache__",
    ".pyc",
)
# The sdist rebuilds the wheel; the test suite needs the whole repository, so none of it either.
NOT_IN_SDIST = (".venv/", "/build/", "/dist/", "/tests/", "__pycache__", ".pyc", ".git/", ".pytest_cache")
PROJECT_URLS = ("Documentation", "Source", "Changelog", "Issue tracker")


@dataclass(frozen=True)
class Distribution:
    """One distribution built from the repository: the provider, or its sandbox (in ``sandbox/``)."""

    package: str
    name: str
    home: Path  # the directory of its pyproject.toml, README.md and LICENSE
    classifiers: tuple[str, ...]
    #: Entry point groups the wheel must declare, and groups it must not.
    entry_points: tuple[str, ...]
    no_entry_points: tuple[str, ...] = ()
    #: Paths no file of the wheel may start with.
    absent: tuple[str, ...] = ()


PROVIDER = Distribution(
    PACKAGE,
    DIST_NAME,
    ROOT,
    ("Framework :: Apache Airflow", "Framework :: Apache Airflow :: Provider"),
    ("[apache_airflow_provider]", "[airflow.plugins]"),
    no_entry_points=("[pytest11]",),
    absent=(f"{PACKAGE}/sandbox/", SANDBOX, "sandbox/"),
)
SANDBOX_DIST = Distribution(
    SANDBOX,
    "airflow-provider-releases-sandbox",
    ROOT / "sandbox",
    ("Framework :: Pytest",),
    ("[pytest11]",),
    no_entry_points=("[apache_airflow_provider]", "[airflow.plugins]"),
    absent=(f"{PACKAGE}/",),
)
DISTRIBUTIONS = (PROVIDER, SANDBOX_DIST)


class CheckFailed(Exception):
    """One check found the distribution or the installation wrong."""


def require(condition: object, message: str) -> None:
    """Raise CheckFailed with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def source_version(dist: Distribution = PROVIDER) -> str:
    """``__version__`` of a package in the clone, read without importing it."""
    init = dist.home / dist.package / "__init__.py"
    match = re.search(r'^__version__ = "([^"]+)"', init.read_text(), re.M)
    require(match, f"no __version__ in {init}")
    return match.group(1)


def package_files(dist: Distribution) -> set[str]:
    """Every file of a package in the clone that its distributions must carry (code and data)."""
    files = {
        path.relative_to(dist.home).as_posix()
        for path in (dist.home / dist.package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    require(f"{dist.package}/py.typed" in files, f"{dist.package}/py.typed is missing from the clone")
    return files


def check_metadata(dist: Distribution, metadata: Message, where: str) -> None:
    """The core metadata fields users and PyPI read."""
    import tomllib  # Python 3.11+: only the build machine's check reads pyproject.toml

    project = tomllib.loads((dist.home / "pyproject.toml").read_text())["project"]
    expected = {
        "Name": dist.name,
        "Version": source_version(dist),
        "License-Expression": "Apache-2.0",
        "License-File": "LICENSE",
        "Requires-Python": project["requires-python"],
        "Description-Content-Type": "text/markdown",
    }
    for field, value in expected.items():
        require(
            metadata.get(field) == value, f"{where}: {field} is {metadata.get(field)!r}, expected {value!r}"
        )
    version = tuple(int(part) for part in metadata["Metadata-Version"].split("."))
    require(version >= (2, 4), f"{where}: Metadata-Version {metadata['Metadata-Version']} < 2.4 (PEP 639)")
    classifiers = metadata.get_all("Classifier") or []
    for classifier in dist.classifiers:
        require(classifier in classifiers, f"{where}: classifier {classifier!r} missing")
    require(
        any(re.fullmatch(r"Programming Language :: Python :: 3\.\d+", item) for item in classifiers),
        f"{where}: no 'Programming Language :: Python :: 3.X' classifier",
    )
    require(
        not any(item.startswith("License ::") for item in classifiers),
        f"{where}: a 'License ::' classifier next to License-Expression (PEP 639 forbids it)",
    )
    urls = dict(item.split(", ", 1) for item in metadata.get_all("Project-URL") or [])
    for label in PROJECT_URLS:
        require(urls.get(label, "").startswith("https://"), f"{where}: Project-URL {label!r} missing: {urls}")
    require(
        metadata.get_payload().strip() == (dist.home / "README.md").read_text().strip(),
        f"{where}: the long description is not {dist.home.name}/README.md",
    )


def check_wheel(dist: Distribution, wheel: Path) -> None:
    """The wheel holds the whole package, py.typed, data, the license, its entry points; nothing else."""
    names = set(zipfile.ZipFile(wheel).namelist())
    dist_info = f"{dist.package}-{source_version(dist)}.dist-info"
    missing = sorted(package_files(dist) - names)
    require(not missing, f"{wheel.name}: package files missing: {missing}")
    require(f"{dist_info}/licenses/LICENSE" in names, f"{wheel.name}: no {dist_info}/licenses/LICENSE")
    strays = sorted(
        name
        for name in names
        if not name.startswith((f"{dist.package}/", f"{dist_info}/"))
        or any(part in name for part in NOT_IN_WHEEL)
        or name.startswith(dist.absent)
    )
    require(not strays, f"{wheel.name}: files that do not belong in the wheel: {strays}")
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    for group in dist.entry_points:
        require(group in entry_points, f"{wheel.name}: entry point group {group} missing")
    for group in dist.no_entry_points:
        require(group not in entry_points, f"{wheel.name}: entry point group {group} does not belong here")
    check_metadata(dist, metadata, wheel.name)
    print(
        f"ok   {wheel.name}: {len(names)} files, package + py.typed + LICENSE, entry points "
        f"{' '.join(dist.entry_points)} and not {' '.join(dist.no_entry_points)}, metadata complete"
    )


def check_sdist(dist: Distribution, sdist: Path) -> None:
    """The sdist can rebuild the wheel: package, pyproject, README, LICENSE; no build output or caches."""
    prefix = f"{dist.package}-{source_version(dist)}/"
    with tarfile.open(sdist) as archive:
        names = {member.name for member in archive.getmembers() if member.isfile()}
        metadata = Parser().parsestr(archive.extractfile(f"{prefix}PKG-INFO").read().decode())
    inside = {name.removeprefix(prefix) for name in names}
    required = package_files(dist) | {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"}
    missing = sorted(required - inside)
    require(not missing, f"{sdist.name}: files missing: {missing}")
    strays = sorted(
        name
        for name in names
        if not name.startswith(prefix)
        or any(p in name for p in NOT_IN_SDIST)
        or name.removeprefix(prefix).startswith(dist.absent)
    )
    require(not strays, f"{sdist.name}: files that do not belong in the sdist: {strays}")
    check_metadata(dist, metadata, sdist.name)
    print(f"ok   {sdist.name}: {len(names)} files, metadata complete")


def cmd_dist(dist_dir: str) -> None:
    """Exactly one wheel and one sdist of each distribution, of the clone's version, all right."""
    wheels = sorted(path.name for path in Path(dist_dir).glob("*.whl"))
    sdists = sorted(path.name for path in Path(dist_dir).glob("*.tar.gz"))
    want_wheels = sorted(f"{d.package}-{source_version(d)}-py3-none-any.whl" for d in DISTRIBUTIONS)
    want_sdists = sorted(f"{d.package}-{source_version(d)}.tar.gz" for d in DISTRIBUTIONS)
    require(
        wheels == want_wheels, f"expected the pure-Python wheels {want_wheels} in {dist_dir}, found {wheels}"
    )
    require(sdists == want_sdists, f"expected the sdists {want_sdists} in {dist_dir}, found {sdists}")
    require(
        source_version(SANDBOX_DIST) == source_version(PROVIDER),
        f"the sandbox's version {source_version(SANDBOX_DIST)} is not the provider's {source_version()}",
    )
    for dist in DISTRIBUTIONS:
        check_wheel(dist, Path(dist_dir) / f"{dist.package}-{source_version(dist)}-py3-none-any.whl")
        check_sdist(dist, Path(dist_dir) / f"{dist.package}-{source_version(dist)}.tar.gz")


def _import(path: str, is_class: bool) -> object:
    """Import a module, or the class named by a dotted ``module.Class`` path."""
    import importlib

    module_name, _, attr = path.rpartition(".") if is_class else (path, "", "")
    module = importlib.import_module(module_name)
    installed = Path(sys.prefix).resolve()
    require(
        Path(module.__file__).resolve().is_relative_to(installed),
        f"{module_name} imports from {module.__file__}, not from the virtualenv {installed}",
    )
    return getattr(module, attr) if is_class else module


def cmd_installed(providers_json: str) -> None:
    """`airflow providers get --full` lists all the installed package declares, and all of it imports."""
    import importlib.metadata

    import airflow_provider_releases
    from airflow_provider_releases.get_provider_info import get_provider_info

    site = Path(sys.prefix).resolve()
    require(
        Path(airflow_provider_releases.__file__).resolve().is_relative_to(site),
        f"{PACKAGE} imports from {airflow_provider_releases.__file__}, not from the virtualenv {site}",
    )
    require(
        not Path(airflow_provider_releases.__file__).resolve().is_relative_to(ROOT),
        "the package imports from the clone, not the installed wheel",
    )
    version = source_version()
    require(
        importlib.metadata.version(DIST_NAME) == airflow_provider_releases.__version__ == version,
        f"installed version {importlib.metadata.version(DIST_NAME)} / {airflow_provider_releases.__version__}"
        f" is not the clone's {version}",
    )
    require(
        (Path(airflow_provider_releases.__file__).parent / "py.typed").is_file(), "py.typed not installed"
    )
    plugins = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.dist.name == DIST_NAME]
    require(not plugins, f"{DIST_NAME} registers pytest plugins: {plugins}")
    declared = get_provider_info()
    listed = json.loads(Path(providers_json).read_text())
    listed = listed[0] if isinstance(listed, list) else listed
    for field in ("package-name", "name", "versions"):
        require(listed.get(field) == declared[field], f"providers get: {field} {listed.get(field)!r}")
    counts = {}
    for kind in ("hooks", "operators", "sensors", "triggers"):
        want = {module for entry in declared[kind] for module in entry["python-modules"]}
        got = {module for entry in listed.get(kind, []) for module in entry["python-modules"]}
        require(want == got, f"providers get: {kind} {sorted(got)} != declared {sorted(want)}")
        for module in want:
            _import(module, is_class=False)
        counts[kind] = len(want)
    require(set(listed.get("extra-links", [])) == set(declared["extra-links"]), "providers get: extra-links")
    for link in declared["extra-links"]:
        _import(link, is_class=True)
    want = {(c["connection-type"], c["hook-class-name"]) for c in declared["connection-types"]}
    got = {(c["connection-type"], c["hook-class-name"]) for c in listed.get("connection-types", [])}
    require(want == got, f"providers get: connection-types {sorted(got)} != declared {sorted(want)}")
    for _, hook in want:
        _import(hook, is_class=True)
    want_schemes = {s for entry in declared["asset-uris"] for s in entry["schemes"]}
    got_schemes = {s for entry in listed.get("asset-uris", []) for s in entry["schemes"]}
    require(want_schemes == got_schemes, f"providers get: asset-uris {got_schemes} != {want_schemes}")
    for entry in declared["asset-uris"]:
        _import(entry["handler"], is_class=True)
        _import(entry["factory"], is_class=True)
    counts.update(
        {
            "extra links": len(declared["extra-links"]),
            "connection types": len(want),
            "asset schemes": len(want_schemes),
        }
    )
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"ok   airflow providers get lists {summary}; all import from {site}")


def cmd_sandbox(python: str) -> None:
    """The sandbox starts, prints its URL, answers a request, stops on SIGINT with status 0."""
    process = subprocess.Popen(
        [python, "-m", SANDBOX], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    first = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(60)
    try:
        match = re.search(r"listening on (http://\S+)", first[0] if first else "")
        require(match, f"the sandbox did not print 'listening on <url>' within 60 s: {first}")
        with urllib.request.urlopen(f"{match.group(1)}/_sandbox/", timeout=10) as answer:
            actions = json.load(answer)
        require(answer.status == 200 and actions, f"GET /_sandbox/ answered {answer.status} {actions!r}")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            status = process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise CheckFailed("the sandbox did not stop within 30 s of SIGINT") from None
    require(status == 0, f"the sandbox exited with status {status} after SIGINT")
    print(f"ok   python -m {SANDBOX} served {match.group(1)} and stopped on SIGINT")


def _readme_pytest_example() -> str:
    """The python block under "### In your own pytest suite" in README.md."""
    section = (ROOT / "README.md").read_text().split("### In your own pytest suite", 1)[-1].split("\n#", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    require(match, 'README.md has no ```python block under "### In your own pytest suite"')
    return match.group(1)


def cmd_user_project(dest: str) -> None:
    """Write a user's project: the documented DAG (docs/examples/user_project/dags) and README.md's
    pytest example as its test; print how many tests it holds."""
    project = Path(dest)
    dags = ROOT / "docs" / "examples" / "user_project" / "dags"
    for path in dags.glob("*.py"):
        target = project / "dags" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    require((project / "dags" / "my_release.py").is_file(), f"no my_release.py in {dags}")
    example = _readme_pytest_example()
    (project / "test_my_release.py").write_text(example)
    tests = len(re.findall(r"^def test_", example, re.M))
    require(tests, "README.md's pytest example defines no test")
    print(tests)


def main(argv: list[str]) -> int:
    """Run one subcommand; 1 and the reason on stderr when its check fails."""
    commands = {
        "dist": cmd_dist,
        "installed": cmd_installed,
        "sandbox": cmd_sandbox,
        "user-project": cmd_user_project,
    }
    if len(argv) != 2 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        commands[argv[0]](argv[1])
    except CheckFailed as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
