"""
Reading the documentation's source pages (MyST Markdown and reStructuredText) for the rules the
docs tests enforce: code samples only through ``literalinclude`` of a file the suite runs.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
import re
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MYST_EXTENSIONS = {"colon_fence", "deflist"}

#: Directives that show code written in the page itself.
CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "code-cell", "highlight", "doctest", "testcode"}
#: The only language a block written in the page may have: program output.
OUTPUT_LANGUAGE = "text"
INCLUDE = "literalinclude"
MARKER_OPTIONS = ("start-after", "end-before")

_RST_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?P<name>[\w:-]+)::\s*(?P<arg>.*)$")
_RST_OPTION = re.compile(r"^\s+:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_MYST_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


@dataclasses.dataclass(frozen=True)
class Block:
    """A block of a source page: a code block or a directive, with where it is."""

    page: pathlib.Path
    line: int
    kind: str  # "fence", "indented", "directive" or "literal"
    name: str  # the language of a fence, or the directive's name
    argument: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @property
    def where(self) -> str:
        """``docs/page.md:12``."""
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"

    def option(self, key: str) -> str | None:
        """The value of one ``:key: value`` option, or None."""
        return dict(self.options).get(key)


@dataclasses.dataclass(frozen=True)
class Image:
    """An image a source page shows."""

    page: pathlib.Path
    target: str


def source_pages() -> list[pathlib.Path]:
    """Every page Sphinx reads under docs/ (``.md`` and ``.rst``), outside build output."""
    pages = [*DOCS.rglob("*.md"), *DOCS.rglob("*.rst")]
    return sorted(p for p in pages if not {"_build", "_static", "examples"} & set(p.relative_to(DOCS).parts))


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _myst_options(content: str) -> tuple[tuple[str, str], ...]:
    options = []
    for line in content.splitlines():
        match = _MYST_OPTION.match(line.strip())
        if not match:
            break
        options.append((match["key"], _unquote(match["value"])))
    return tuple(options)


def _markdown_tokens(text: str) -> list:
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    parser = create_md_parser(MdParserConfig(enable_extensions=MYST_EXTENSIONS), RendererHTML)
    return parser.parse(text)


def markdown_blocks(page: pathlib.Path, text: str, offset: int = 0) -> Iterator[Block | Image]:
    """The code blocks, directives and images of a MyST page, directive bodies included."""
    for token in _markdown_tokens(text):
        line = offset + (token.map[0] + 1 if token.map else 0)
        if token.type == "code_block":
            yield Block(page, line, "indented", "")
        elif token.type in ("fence", "colon_fence"):
            info = token.info.strip()
            match = re.fullmatch(r"\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)", info)
            if not match:
                yield Block(page, line, "fence", info.split()[0] if info else "")
                continue
            name, arg = match["name"], match["arg"].strip()
            yield Block(page, line, "directive", name, arg, _myst_options(token.content))
            if name == "eval-rst":
                yield from rst_blocks(page, token.content, line)
            elif name not in CODE_DIRECTIVES and name != INCLUDE:
                yield from markdown_blocks(page, token.content, line)
        for child in token.children or ():
            if child.type == "image":
                yield Image(page, str(child.attrs.get("src", "")))


def rst_blocks(page: pathlib.Path, text: str, offset: int = 0) -> Iterator[Block | Image]:
    """The directives and ``::`` literal blocks of a reStructuredText page."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        directive = _RST_DIRECTIVE.match(line)
        if directive:
            options = []
            for following in lines[number + 1 :]:
                option = _RST_OPTION.match(following)
                if not option:
                    break
                options.append((option["key"], _unquote(option["value"])))
            name, arg = directive["name"], directive["arg"].strip()
            yield Block(page, offset + number + 1, "directive", name, arg, tuple(options))
            if name in ("image", "figure"):
                yield Image(page, arg)
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            yield Block(page, offset + number + 1, "literal", "")


@functools.cache
def blocks_of(page: pathlib.Path) -> tuple[Block | Image, ...]:
    """Everything :func:`markdown_blocks` or :func:`rst_blocks` finds in one page (read once)."""
    text = page.read_text(encoding="utf-8")
    found = markdown_blocks(page, text) if page.suffix == ".md" else rst_blocks(page, text)
    return tuple(found)


def include_target(block: Block) -> pathlib.Path:
    """The file a ``literalinclude`` shows: relative to its page, or to docs/ when it starts with ``/``."""
    if block.argument.startswith("/"):
        return (DOCS / block.argument.lstrip("/")).resolve()
    return (block.page.parent / block.argument).resolve()


def runs_in_the_suite(path: pathlib.Path) -> bool:
    """
    Whether the suite runs ``path``: an example DAG (tests/example_dags runs every one), a test
    module, or a file under tests/, scripts/ or docs/examples/ that a test or script names.
    """
    try:
        relative = path.relative_to(ROOT)
    except ValueError:
        return False
    top = relative.parts[0]
    if top == "example_dags":
        return path.suffix == ".py" and len(relative.parts) == 2
    if relative.parts[:2] != ("docs", "examples") and top not in ("tests", "scripts"):
        return False
    if (
        top == "tests"
        and path.suffix == ".py"
        and (path.name.startswith("test_") or path.name == "conftest.py")
    ):
        return True
    runners = [p for p in [*(ROOT / "tests").rglob("*"), *(ROOT / "scripts").rglob("*")] if p.is_file()]
    names = (relative.as_posix(), path.name)
    for runner in runners:
        if runner == path or runner.suffix not in (".py", ".sh"):
            continue
        text = runner.read_text(encoding="utf-8", errors="replace")
        if any(name in text for name in names):
            return True
    return False


def code_sample_problems(block: Block) -> list[str]:
    """What breaks the code samples rule in one block of a page (nothing for a directive showing no code)."""
    if block.kind in ("indented", "literal"):
        return [f"{block.where}: a {block.kind} code block written in the page; use literalinclude"]
    if block.kind == "fence" and block.name != OUTPUT_LANGUAGE:
        return [f"{block.where}: a ```{block.name} block written in the page; use literalinclude"]
    if block.kind == "directive" and block.name in CODE_DIRECTIVES and block.argument != OUTPUT_LANGUAGE:
        return [
            f"{block.where}: a {block.name} {block.argument} block written in the page; use literalinclude"
        ]
    if block.kind != "directive" or block.name != INCLUDE:
        return []
    target = include_target(block)
    if not target.is_file():
        return [f"{block.where}: literalinclude of {block.argument}, which does not exist"]
    if not runs_in_the_suite(target):
        return [f"{block.where}: literalinclude of {block.argument}, a file the suite does not run"]
    text = target.read_text(encoding="utf-8")
    return [
        f"{block.where}: marker {block.option(option)!r} ({option}) is not in {block.argument}"
        for option in MARKER_OPTIONS
        if block.option(option) is not None and block.option(option) not in text
    ]
