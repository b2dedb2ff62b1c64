"""`warta subscribers add` in-process on a SQLite store: it never undoes a suppression and never
quietly brings back someone who left."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.cli.main import main
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, SubscriberStatus

ADDRESS = "warga@contoh.id"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("WARTA_STORE", "WARTA_SECRET", "WARTA_MAIL", "WARTA_SOURCES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WARTA_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WARTA_OUTBOX", str(tmp_path / "outbox"))
    return tmp_path / "state"


def set_status(home: Path, status: SubscriberStatus) -> None:
    with SqliteStore(home / "warta.db") as store:
        found = store.get_subscriber(subscriber_id(ADDRESS))
        assert found is not None
        store.put_subscriber(replace(found, status=status, suppressed_reason="complaint"))


def status_of(home: Path) -> SubscriberStatus:
    with SqliteStore(home / "warta.db") as store:
        found = store.get_subscriber(subscriber_id(ADDRESS))
        assert found is not None
        return found.status


def test_a_new_subscriber_is_active_with_the_admins_consent_recorded(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribers", "add", ADDRESS]) == 0
    assert capsys.readouterr().out == f"subscriber {subscriber_id(ADDRESS)} added\n"
    with SqliteStore(home / "warta.db") as store:
        subscriber = store.get_subscriber(subscriber_id(ADDRESS))
    assert subscriber is not None
    assert (subscriber.status, subscriber.regions) == (SubscriberStatus.ACTIVE, (ALL_REGIONS,))
    assert subscriber.signed_up is not None and subscriber.signed_up.source == "cli"
    assert subscriber.confirmed == subscriber.signed_up


def test_adding_a_suppressed_address_is_refused_and_it_stays_suppressed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["subscribers", "add", ADDRESS])
    set_status(home, SubscriberStatus.SUPPRESSED)
    for extra in ([], ["--resubscribe"]):
        assert main(["subscribers", "add", ADDRESS, *extra]) != 0
        assert "suppressed" in capsys.readouterr().err
        assert status_of(home) is SubscriberStatus.SUPPRESSED


def test_an_unsubscribed_subscriber_comes_back_only_when_asked(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["subscribers", "add", ADDRESS, "--region", "35.71"])
    set_status(home, SubscriberStatus.UNSUBSCRIBED)
    assert main(["subscribers", "add", ADDRESS]) != 0
    assert "--resubscribe" in capsys.readouterr().err
    assert status_of(home) is SubscriberStatus.UNSUBSCRIBED

    assert main(["subscribers", "add", ADDRESS, "--resubscribe"]) == 0
    assert status_of(home) is SubscriberStatus.ACTIVE
    with SqliteStore(home / "warta.db") as store:
        subscriber = store.get_subscriber(subscriber_id(ADDRESS))
    assert subscriber is not None and subscriber.regions == ("35.71",)  # kept
