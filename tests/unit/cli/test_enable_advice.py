"""`warta sources check` ends with which disabled sources to enable."""

from __future__ import annotations

from tests.builders import source

from warta.cli.source_checks import CheckRow, enable_advice


def row(source_id: str, items: int | None, error: str | None = None) -> CheckRow:
    return CheckRow(source_id, "rss", 200 if error is None else None, items, None, 1.0, error)


def test_disabled_sources_with_items_are_the_ones_to_enable() -> None:
    sources = [
        source("ready", enabled=False),
        source("empty", enabled=False),
        source("broken", enabled=False),
        source("running"),
    ]
    rows = [
        row("ready", 12),
        row("empty", 0),
        row("broken", None, "dns: no such host"),
        row("running", 3),
    ]
    assert enable_advice(sources, rows) == (
        "to enable (set enabled = true): ready\n"
        "answered with no items (check the url and extract): empty\n"
    )


def test_nothing_to_say_when_nothing_is_disabled() -> None:
    assert enable_advice([source("running")], [row("running", 3)]) == ""
