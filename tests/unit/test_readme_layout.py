"""The README's Layout lists every module of the package, and only those."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "functions" / "warta"
ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[\w.][\w./-]*)(?: {2,}|$)")


def listed() -> set[str]:
    """Paths inside functions/warta the Layout block names, from its indentation."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    paths: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = ENTRY.match(line)
        if not match or not line.strip():
            continue
        indent, name = len(match["indent"]), match["name"]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "/".join([p for _, p in stack] + [name.rstrip("/")])
        if name.endswith("/"):
            stack.append((indent, name.rstrip("/")))
        paths.add(path)
    prefix = "functions/warta/"
    return {p.removeprefix("functions/warta/") for p in paths if p.startswith(prefix)}


def in_tree() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" in relative.parts or path.name == "py.typed":
            continue
        if "data" in relative.parts[:-1]:
            continue  # the lexicon files: the data/ folder itself is listed
        if path.name == "__init__.py" and len(relative.parts) > 1:
            continue
        found.add(relative.as_posix())
    return found


def test_layout_lists_every_module_of_the_package_and_no_other() -> None:
    names = listed()
    tree = in_tree()

    assert sorted(tree - names) == [], "in the tree, missing from the README Layout"
    assert sorted(names - tree) == [], "in the README Layout, missing from the tree"


def test_the_layout_reader_sees_nested_entries() -> None:
    names = listed()
    assert {"core", "core/text", "core/text/cluster.py", "adapters/sqs.py", "wiring.py"} <= names
