"""The arrows point inward: core imports nothing from the rooms around it, nor any I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import warta

PACKAGE = Path(warta.__file__).parent
FORBIDDEN_IN_CORE = {
    "boto3", "botocore", "feedparser", "sqlite3", "http", "urllib3", "requests", "socket",
    "lxml", "jinja2", "babel", "aws_lambda_powertools",
    "warta.adapters", "warta.ingest", "warta.services", "warta.handlers", "warta.web",
    "warta.wiring", "warta.cli.main", "warta.render", "warta.config.settings",
}  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_no_io_library_and_no_outer_room(path: Path) -> None:
    for name in imported_modules(path):
        assert not any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_CORE), (
            f"{path.relative_to(PACKAGE)} imports {name}"
        )


@pytest.mark.parametrize("path", sorted((PACKAGE / "services").rglob("*.py")), ids=lambda p: p.name)
def test_services_build_no_adapters(path: Path) -> None:
    for name in imported_modules(path):
        assert not name.startswith(("warta.adapters", "warta.wiring", "sqlite3", "boto3")), (
            f"{path.relative_to(PACKAGE)} imports {name}"
        )
