"""
The package's log messages are plain text: no Markdown (a log view shows it as typed), and a link
is followed by white space or the end of the line, never by ``)``, ``,`` or ``.``, which a log
view's auto-linking would take into the link.

Checked on the source (its AST): the format string of every ``log.<level>(...)`` call in the
package. Messages whose links come from data (a failed step's progress, a rejected release) are
tested where they are made (``tests/test_workflows_failures.py``, ``tests/operators/test_approval.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import airflow_provider_releases

PACKAGE = Path(airflow_provider_releases.__file__).parent
LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical"}
#: A printf-style placeholder (``%s``, ``%(name)r``, ``%.1f``...), or ``%%``.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")
MARKDOWN = {"`": "a backtick", "](": "a Markdown link", "**": "Markdown bold"}


def log_calls(tree: ast.AST) -> list[ast.Call]:
    """The calls ``<...>.log.<level>(...)`` and ``log(ger).<level>(...)`` with a format string."""
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = ast.unparse(node.func.value)
        if node.func.attr in LEVELS and re.search(r"(^|\.)(log|logger|_log|LOG)$", receiver) and node.args:
            calls.append(node)
    return calls


def mentions_link(expression: ast.AST) -> bool:
    return re.search(r"url|link|href", ast.unparse(expression), re.IGNORECASE) is not None


def problems(call: ast.Call) -> list[str]:
    """What is wrong with the message of one log call (nothing for a format string built at run time)."""
    message, *args = call.args
    found = []
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        text = message.value
        specs = [match for match in PLACEHOLDER.finditer(text) if match.group() != "%%"]
        for match, arg in zip(specs, args, strict=False):
            after = text[match.end() : match.end() + 1]
            if mentions_link(arg) and after and not after.isspace():
                found.append(f"the link {ast.unparse(arg)} is followed by {after!r}")
    elif isinstance(message, ast.JoinedStr):
        parts = message.values
        text = "".join(part.value for part in parts if isinstance(part, ast.Constant))
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            if isinstance(part, ast.FormattedValue) and mentions_link(part.value):
                after = following.value[:1] if isinstance(following, ast.Constant) else ""
                if after and not after.isspace():
                    found.append(f"the link {ast.unparse(part.value)} is followed by {after!r}")
    else:
        return []
    found += [f"{name} ({mark!r})" for mark, name in MARKDOWN.items() if mark in text]
    return found


def scan(source: str) -> list[str]:
    return [
        f"line {call.lineno}: {problem}"
        for call in log_calls(ast.parse(source))
        for problem in problems(call)
    ]


def test_the_check_finds_markdown_and_links_followed_by_punctuation() -> None:
    source = """
self.log.warning("Created `%s` ([open](%s)).", step, url)
context["task"].log.error("See %s, then retry.", release_url)
log.info(f"Shipped ({release['url']}), done.")
self.log.info("%s: %s", service, url)
self.log.info(f"Open {url}\\nor ask.")
"""
    assert scan(source) == [
        "line 2: the link url is followed by ')'",
        "line 2: a backtick ('`')",
        "line 2: a Markdown link ('](')",
        "line 3: the link release_url is followed by ','",
        "line 4: the link release['url'] is followed by ')'",
    ]


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_check_sees_the_packages_log_calls() -> None:
    count = sum(len(log_calls(ast.parse(path.read_text(encoding="utf-8")))) for path in package_files())
    assert count >= 30, count


@pytest.mark.parametrize("path", package_files(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_log_messages_are_plain_text_with_links_followed_by_white_space(path: Path) -> None:
    assert scan(path.read_text(encoding="utf-8")) == []
