"""Sources written back as a sources file: [[source]] tables that sources.py reads.

The standard library reads TOML but does not write it; the tables here hold
only strings, numbers, booleans, a list of strings and one table of strings,
and every string is written as a TOML basic string by json.dumps, whose
escapes TOML shares. `write_sources` reads what it wrote back through
parse_sources before it returns, so a file it writes always loads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from warta.config.sources import parse_sources
from warta.core.days import JAKARTA_NAME
from warta.core.model import NATIONAL, Source


def _string(value: str) -> str:
    # JSON leaves DEL raw, which a TOML basic string may not hold.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.splitlines()) + "\n"


@dataclass(frozen=True, slots=True)
class Section:
    """A heading comment and the sources under it."""

    heading: str
    sources: tuple[Source, ...]
    notes: tuple[str, ...] = ()
    """Comment lines written under the heading."""
    comments: dict[str, str] | None = None
    """A `comment` field per source id (the sources file's own field)."""


def source_table(source: Source, comment: str | None = None) -> str:
    lines = [
        "[[source]]",
        f"id = {_string(source.id)}",
        f"name = {_string(source.name)}",
        f"url = {_string(source.url)}",
        f"kind = {_string(source.kind.value)}",
        f"authority = {_string(source.authority.value)}",
        f"region = {_string(source.region)}",
        f"enabled = {'true' if source.enabled else 'false'}",
    ]
    if source.timezone != JAKARTA_NAME:
        lines.append(f"timezone = {_string(source.timezone)}")
    lines.append(f"poll_minutes = {source.poll_minutes}")
    if source.allow_addresses:
        listed = ", ".join(_string(a) for a in source.allow_addresses)
        lines.append(f"allow_addresses = [{listed}]")
    if comment:
        lines.append(f"comment = {_string(comment)}")
    if source.extract:
        lines.append("[source.extract]")
        lines.extend(f"{key} = {_string(value)}" for key, value in source.extract.items())
    return "\n".join(lines) + "\n"


def write_sources(preamble: str, sections: Iterable[Section]) -> str:
    """A whole sources file: the preamble as a comment, then each section."""
    parts = [_comment(preamble)]
    for section in sections:
        parts.append("\n" + _comment(f"-- {section.heading} " + "-" * 8))
        for note in section.notes:
            parts.append(_comment(note))
        comments = section.comments or {}
        for source in section.sources:
            parts.append("\n" + source_table(source, comments.get(source.id)))
    text = "".join(parts)
    parse_sources(text, "the generated sources file")
    return text


def region_heading(code: str, name: str) -> str:
    return "national" if code == NATIONAL else f"{name} ({code})"
