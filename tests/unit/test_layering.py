"""The arrows point inward: each layer of functions/warta imports only what its rules allow.

- warta.core imports nothing of warta outside warta.core, and no I/O library.
- warta.services imports no adapter, handler, command line, renderer, wiring or demo,
  nor the HTTP client of warta.ingest (its modules named for http, dns, guard or
  fetcher), nor a storage or AWS library: services get all of those through ports.
- warta.adapters imports no service, handler, command line or demo: adapters implement
  ports for the services, never the other way round.

Every module is parsed with `ast`, every import counts wherever it stands (in a
function, under TYPE_CHECKING, through importlib.import_module with a literal
name), and relative imports are resolved to absolute module names first.
`violations` checks one module's source, so the rules are tested on sources
written to break them as well as on the real tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import warta

PACKAGE = Path(warta.__file__).parent
ROOT = PACKAGE.parent
"""The folder holding the `warta` package (functions/)."""

IO_LIBRARIES = frozenset(
    {
        "boto3", "botocore", "feedparser", "sqlite3", "http", "urllib.request", "urllib3",
        "requests", "socket", "ssl", "smtplib", "lxml", "jinja2", "babel",
        "aws_lambda_powertools",
    }
)  # fmt: skip
"""Libraries that reach storage, the network or the file formats of the outer layers."""

HTTP_CLIENT_PARTS = ("http", "dns", "guard", "fetch", "pinned", "capped", "connection")
"""warta.ingest modules with one of these in their name make up the HTTP client
(http, dns, address_guard, pinned_connection, capped_body, fetch_clock, file_fetcher);
test_every_ingest_module_that_reaches_the_network_counts_as_the_http_client keeps
the list whole."""

NETWORK = ("socket", "ssl", "http.client", "concurrent.futures", "urllib.request")
"""What a module imports when it reaches the network or waits on it."""


def within(name: str, *packages: str) -> bool:
    """True if the module `name` is one of `packages` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def is_warta(name: str) -> bool:
    return within(name, "warta")


def is_ingest_http_client(name: str) -> bool:
    parts = name.split(".")
    return (
        len(parts) > 2
        and parts[:2] == ["warta", "ingest"]
        and any(part in parts[2] for part in HTTP_CLIENT_PARTS)
    )


@dataclass(frozen=True)
class Rule:
    layer: str
    """The package the rule applies to (every module in it)."""
    forbids: Callable[[str], bool]
    """Given an imported module's absolute name: True if the layer must not import it."""
    reason: str


RULES = (
    Rule(
        "warta.core",
        lambda name: is_warta(name) and not within(name, "warta.core"),
        "core imports nothing of warta outside warta.core",
    ),
    Rule(
        "warta.core",
        lambda name: within(name, *IO_LIBRARIES),
        "core imports no I/O library",
    ),
    Rule(
        "warta.services",
        lambda name: (
            within(
                name,
                "warta.adapters",
                "warta.handlers",
                "warta.cli",
                "warta.render",
                "warta.wiring",
                "warta.demo",
            )
            or is_ingest_http_client(name)
        ),
        "services reach adapters, handlers, the CLI, rendering, wiring, the demo and "
        "the HTTP client only through ports",
    ),
    Rule(
        "warta.services",
        lambda name: within(name, "sqlite3", "boto3", "botocore"),
        "services build no store or AWS client",
    ),
    Rule(
        "warta.adapters",
        lambda name: within(name, "warta.services", "warta.handlers", "warta.cli", "warta.demo"),
        "adapters depend on no service, handler, CLI or demo",
    ),
)


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.reason}"


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    """The absolute name of `from <level dots><name> import ...` written in `module`."""
    if level == 0:
        return name
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None  # beyond the top-level package
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports(module: str, source: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the source, wherever it stands.

    `from a.b import c` yields a.b and a.b.c (c may be a module); a relative import
    that climbs above the top-level package yields the dotted text as written.
    """
    for node in ast.walk(ast.parse(source, filename=module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.level, node.module)
            if base is None:
                yield node.lineno, "." * node.level + (node.module or "")
                continue
            yield node.lineno, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"importlib.import_module", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            package = None
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                package = node.args[1].value
            name = node.args[0].value
            if name.startswith(".") and isinstance(package, str):
                level = len(name) - len(name.lstrip("."))
                yield node.lineno, _absolute(package, True, level, name[level:] or None) or name
            else:
                yield node.lineno, name


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_called_name(func.value)}.{func.attr}"
    return ""


def violations(module: str, source: str, *, is_package: bool = False) -> list[Violation]:
    """What the module's source imports against the rules of its layer.

    One statement breaking one rule is one violation, named by the outermost module
    it reaches: `from ..adapters import sqlite_store` in core reports warta.adapters.
    """
    found: list[Violation] = []
    ancestors = {".".join(module.split(".")[:n]) for n in range(1, module.count(".") + 1)}
    for line, name in imports(module, source, is_package=is_package):
        if name.startswith("."):
            found.append(Violation(module, line, name, "relative import above the package"))
            continue
        if name in ancestors:
            continue  # imported anyway, before the module itself runs
        for rule in RULES:
            if not (within(module, rule.layer) and rule.forbids(name)):
                continue
            if any(v.line == line and within(name, v.imported) for v in found):
                continue  # the same statement, already reported
            found.append(Violation(module, line, name, rule.reason))
    return found


def module_name(path: Path) -> tuple[str, bool]:
    """The module's absolute name, and whether it is a package's __init__."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


MODULES = sorted(PACKAGE.rglob("*.py"))


# -- the real tree ---------------------------------------------------------------------


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_layer_allows(path: Path) -> None:
    module, is_package = module_name(path)

    found = violations(module, path.read_text(encoding="utf-8"), is_package=is_package)

    assert not found, "\n".join(map(str, found))


def test_every_ingest_module_that_reaches_the_network_counts_as_the_http_client() -> None:
    # A new module of the HTTP client with a name outside HTTP_CLIENT_PARTS would
    # otherwise be open to the services.
    reaching = []
    for path in MODULES:
        module, is_package = module_name(path)
        if not within(module, "warta.ingest"):
            continue
        found = imports(module, path.read_text(encoding="utf-8"), is_package=is_package)
        if any(within(name, *NETWORK) for _, name in found):
            reaching.append(module)
    assert reaching, "the HTTP client is no longer in warta.ingest: move this rule with it"
    assert [m for m in reaching if not is_ingest_http_client(m)] == []


def test_every_layer_with_rules_has_modules() -> None:
    # A renamed package would otherwise leave its rules guarding nothing.
    names = {module_name(path)[0] for path in MODULES}
    for rule in RULES:
        assert any(within(name, rule.layer) and name != rule.layer for name in names), rule.layer


# -- the checker on sources written to break the rules ---------------------------------

CORE = "warta.core.model"
SERVICE = "warta.services.digest"
ADAPTER = "warta.adapters.sqlite_store"

BROKEN = [
    # core: nothing of warta outside core, however it is written
    (CORE, "from ..adapters import sqlite_store\n", "warta.adapters"),
    (CORE, "from .. import adapters\n", "warta.adapters"),
    (CORE, "from ..services.digest import Digest\n", "warta.services.digest"),
    (CORE, "import warta.ingest.rss as rss\n", "warta.ingest.rss"),
    (CORE, "from warta.config import settings\n", "warta.config"),
    (CORE, "def load():\n    from warta.render import JinjaRenderer\n", "warta.render"),
    # core: no I/O library
    (CORE, "import sqlite3\n", "sqlite3"),
    (CORE, "from urllib.request import urlopen\n", "urllib.request"),
    (CORE, "class A:\n    def m(self):\n        import boto3\n", "boto3"),
    # services: no adapters, handlers, CLI, rendering, wiring, demo or HTTP client
    (SERVICE, "from ..adapters.outbox import OutboxMailer\n", "warta.adapters.outbox"),
    (SERVICE, "from warta import handlers\n", "warta.handlers"),
    (SERVICE, "import warta.cli.main\n", "warta.cli.main"),
    (SERVICE, "from ..render import JinjaRenderer\n", "warta.render"),
    (SERVICE, "def build():\n    from warta import wiring\n", "warta.wiring"),
    (SERVICE, "from warta.demo.runner import run\n", "warta.demo.runner"),
    (SERVICE, "from ..ingest.http import HttpFetcher\n", "warta.ingest.http"),
    (SERVICE, "from ..ingest import http_fetcher\n", "warta.ingest.http_fetcher"),
    (SERVICE, "from warta.ingest.dns import resolve\n", "warta.ingest.dns"),
    (SERVICE, "import warta.ingest.address_guard as guard\n", "warta.ingest.address_guard"),
    (SERVICE, "from warta.ingest.fetcher import Fetcher\n", "warta.ingest.fetcher"),
    (SERVICE, "import importlib\nimportlib.import_module('warta.wiring')\n", "warta.wiring"),
    (SERVICE, "import boto3\n", "boto3"),
    (SERVICE, "import sqlite3\n", "sqlite3"),
    # adapters: no services, handlers, CLI or demo
    (ADAPTER, "from ..services.compose import Letterhead\n", "warta.services.compose"),
    (ADAPTER, "from warta.handlers import _app\n", "warta.handlers"),
    (ADAPTER, "def main():\n    import warta.cli.main as cli\n", "warta.cli.main"),
    (ADAPTER, "from ..demo import feeds\n", "warta.demo"),
]


@pytest.mark.parametrize(("module", "source", "imported"), BROKEN, ids=lambda v: repr(v))
def test_a_forbidden_import_is_reported(module: str, source: str, imported: str) -> None:
    found = violations(module, source)

    assert [v.imported for v in found] == [imported], f"{module} may not write: {source!r}"
    assert all(v.module == module and v.line >= 1 for v in found)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        (CORE, "from . import links\nfrom .text import classify\nimport json\n"),
        (CORE, "from warta.core.errors import WartaError\nfrom warta import core\n"),
        (SERVICE, "from ..core.ports import Mailer\nfrom ..ingest import parsers, records\n"),
        (SERVICE, "from warta.ingest.normalize import normalize\nfrom . import compose\n"),
        (SERVICE, "from warta.config.settings import Settings\n"),
        (ADAPTER, "from ..core.errors import StoreError\nimport sqlite3\nimport boto3\n"),
        (ADAPTER, "from warta.core.mail import WIRE_POLICY\nfrom . import codecs\n"),
        ("warta.wiring", "from warta.adapters.outbox import OutboxMailer\n"),
        ("warta.handlers.alerts", "from warta.services.alerts import Alerts\n"),
    ],
)
def test_an_allowed_import_is_not_reported(module: str, source: str) -> None:
    assert violations(module, source) == []


def test_the_line_and_the_rule_are_reported() -> None:
    source = "import json\n\n\ndef send():\n    from ..adapters import sqlite_store\n"

    (found,) = violations(CORE, source)

    assert (found.line, found.imported) == (5, "warta.adapters")
    assert str(found).startswith("warta.core.model:5 imports warta.adapters: core imports")


@pytest.mark.parametrize(
    ("module", "is_package", "source", "expected"),
    [
        ("warta.core.text.split", False, "from . import tokens", "warta.core.text.tokens"),
        ("warta.core.text.split", False, "from .. import model", "warta.core.model"),
        ("warta.core.text.split", False, "from ...adapters import x", "warta.adapters.x"),
        ("warta.core.text", True, "from . import tokens", "warta.core.text.tokens"),
        ("warta.core.text", True, "from .. import model", "warta.core.model"),
        ("warta.core", True, "from ..adapters import x", "warta.adapters.x"),
        ("warta.core.model", False, "from .x.y import z", "warta.core.x.y.z"),
    ],
)
def test_relative_imports_resolve_from_the_modules_package(
    module: str, is_package: bool, source: str, expected: str
) -> None:
    assert expected in {name for _, name in imports(module, source, is_package=is_package)}


def test_a_relative_import_above_the_top_package_is_reported() -> None:
    (found,) = violations("warta.core", "from ...outside import anything\n", is_package=True)

    assert found.imported == "...outside"
    assert found.reason == "relative import above the package"


def test_module_names_come_from_paths() -> None:
    assert module_name(PACKAGE / "core" / "model.py") == ("warta.core.model", False)
    assert module_name(PACKAGE / "core" / "text" / "__init__.py") == ("warta.core.text", True)
    assert module_name(PACKAGE / "wiring.py") == ("warta.wiring", False)
