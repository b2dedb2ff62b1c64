"""Reading the lexicon files in ./data: once per process, only when first needed."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# Only a bare lower-case name in brackets is a header, so that a regex line
# such as "[a-z]+" is never mistaken for one.
_SECTION = re.compile(r"\[([a-z][a-z0-9-]*)\]")


@cache
def data_lines(name: str) -> tuple[str, ...]:
    """The meaningful lines of data/<name>: stripped, without blanks and '#' comments.

    Only whole-line comments exist, because regex lines may contain a '#'.
    """
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@cache
def data_sections(name: str) -> dict[str, tuple[str, ...]]:
    """data/<name> as its '[section]' blocks; lines before any header fall under ''."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in data_lines(name):
        header = _SECTION.fullmatch(line)
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return {key: tuple(values) for key, values in sections.items()}
