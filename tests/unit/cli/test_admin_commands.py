"""What the admin commands decide before they print: import outcomes, region coverage, ledger kinds."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.builders import official, source

from warta.adapters.sqlite_store import SqliteStore
from warta.cli.official_commands import Coverage, plan_import
from warta.cli.sent_command import KINDS
from warta.config.officials_csv import Line
from warta.core.model import Source
from warta.services import alerts, digest, health


def test_an_import_adds_changes_keeps_and_refuses_line_by_line(store: SqliteStore) -> None:
    kept = official("kept", region="35.71", phone="+6281234567890")
    moved = official("moved", region="35.71")
    resting = replace(official("resting", region="35"), active=False)
    for known in (kept, moved, resting):
        store.put_official(known)
    lines = [
        Line(2, official("new", region="35.06")),
        Line(3, kept),
        Line(4, replace(moved, region="35.06", role="Ketua")),
        Line(5, None, "phone is not a mobile number"),
        Line(6, replace(resting, active=True, name="Baru")),
        Line(7, replace(resting, active=True)),
    ]
    outcomes = plan_import(lines, store)
    assert [(o.line, o.verdict, o.detail) for o in outcomes] == [
        (2, "added", ""),
        (3, "unchanged", ""),
        (4, "changed", "role, region"),
        (5, "refused", "phone is not a mobile number"),
        (6, "changed", "name"),
        (7, "unchanged", ""),
    ]
    # An official an admin deactivated stays inactive whatever the sheet says.
    assert outcomes[4].official is not None and not outcomes[4].official.active
    # Planning writes nothing.
    assert store.get_official("new") is None


@pytest.mark.parametrize(
    ("sources", "region", "warned"),
    [
        ([source("kota", region="35.71")], "35.71", False),
        ([source("kota", region="35.71")], "35.71.01", False),  # a kecamatan of the kota
        ([source("jatim", region="35")], "35.71", False),  # the province around it
        ([source("kota", region="35.71")], "35", False),  # a province official, a kota source
        ([source("kota", region="35.71")], "35.06", True),  # the kabupaten next door
        ([source("kpu-ri", region="national")], "35.71", True),  # national sources hide nothing
        ([source("kota", region="35.71", enabled=False)], "35.71", True),
        ([source("kota", region="35.71")], "national", False),
        ([source("kpu-ri", region="national")], "national", False),
    ],
)
def test_an_official_no_enabled_regional_source_reports_on_is_warned_about(
    sources: list[Source], region: str, warned: bool
) -> None:
    enabled = tuple(s for s in sources if s.enabled)
    warning = Coverage(enabled).warning(region)
    assert (warning is not None) is warned
    if warned and enabled:
        assert warning is not None and f"({region})" in warning


def test_without_an_enabled_source_every_official_is_warned_about() -> None:
    assert Coverage(()).warning("national") is not None
    assert Coverage(()).warning("35.71") is not None


def test_warta_sent_knows_every_kind_the_ledger_keeps() -> None:
    assert set(KINDS) == {digest.KIND, alerts.EMAIL_KIND, alerts.SMS_KIND, health.KIND}
