"""Unsubscribing through signed links: who may leave, and what a refusal gives away."""

from __future__ import annotations

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core import links
from warta.core.model import Official, Subscriber, SubscriberStatus
from warta.services.subscriptions import Outcome, Subscriptions

from .conftest import FixedClock

SECRET = b"s" * 64


def token(kind: str, recipient_id: str, secret: bytes = SECRET) -> str:
    return links.sign(secret, "unsubscribe", f"{kind}:{recipient_id}")


@pytest.fixture
def service(store: SqliteStore, clock: FixedClock) -> Subscriptions:
    store.put_subscriber(Subscriber(id="sub-1", email="ani@contoh.id", regions=("35.71",)))
    store.put_subscriber(Subscriber(id="sub-2", email="budi@contoh.id"))
    store.put_official(
        Official(id="kpu-kediri", name="Sri", role="Ketua KPU", region="35.71", email="s@kpu.id")
    )
    return Subscriptions(store, SECRET, clock)


def test_subscriber_link_unsubscribes_only_that_subscriber(
    service: Subscriptions, store: SqliteStore, clock: FixedClock
) -> None:
    assert service.unsubscribe("subscriber", "sub-1", token("subscriber", "sub-1")) is (
        Outcome.UNSUBSCRIBED
    )

    left = store.get_subscriber("sub-1")
    assert left == Subscriber(
        id="sub-1",
        email="ani@contoh.id",
        regions=("35.71",),
        status=SubscriberStatus.UNSUBSCRIBED,
        updated_at=clock.now(),
    )
    other = store.get_subscriber("sub-2")
    assert other is not None and other.status is SubscriberStatus.ACTIVE


def test_second_click_is_still_a_success(service: Subscriptions, store: SqliteStore) -> None:
    link = token("subscriber", "sub-1")
    service.unsubscribe("subscriber", "sub-1", link)

    assert service.unsubscribe("subscriber", "sub-1", link) is Outcome.ALREADY
    assert Outcome.ALREADY.ok
    left = store.get_subscriber("sub-1")
    assert left is not None and left.status is SubscriberStatus.UNSUBSCRIBED


def test_pending_subscriber_who_clicks_is_unsubscribed(
    service: Subscriptions, store: SqliteStore
) -> None:
    store.put_subscriber(
        Subscriber(id="sub-p", email="p@contoh.id", status=SubscriberStatus.PENDING)
    )

    assert service.unsubscribe("subscriber", "sub-p", token("subscriber", "sub-p")) is (
        Outcome.UNSUBSCRIBED
    )
    left = store.get_subscriber("sub-p")
    assert left is not None and left.status is SubscriberStatus.UNSUBSCRIBED


def test_official_link_deactivates_the_official(service: Subscriptions, store: SqliteStore) -> None:
    link = token("official", "kpu-kediri")

    assert service.unsubscribe("official", "kpu-kediri", link) is Outcome.UNSUBSCRIBED
    official = store.get_official("kpu-kediri")
    assert official is not None and official.active is False
    assert official.email == "s@kpu.id"
    assert store.officials_page().items == ()
    assert service.unsubscribe("official", "kpu-kediri", link) is Outcome.ALREADY


def test_admin_link_is_genuine_but_stores_nothing(
    service: Subscriptions, store: SqliteStore
) -> None:
    assert service.unsubscribe("admin", "admin", token("admin", "admin")) is Outcome.ADMIN
    assert Outcome.ADMIN.ok
    assert store.get_subscriber("admin") is None
    assert store.get_official("admin") is None


@pytest.mark.parametrize(
    ("kind", "recipient_id", "link"),
    [
        ("subscriber", "sub-1", token("subscriber", "sub-1")[:-1] + "A"),
        ("subscriber", "sub-1", token("subscriber", "sub-1", secret=b"x" * 64)),
        ("subscriber", "sub-1", token("subscriber", "sub-2")),
        ("subscriber", "sub-1", token("official", "sub-1")),
        ("official", "kpu-kediri", token("subscriber", "kpu-kediri")),
        ("subscriber", "sub-1", ""),
        ("subscriber", "sub-1", "é" * 32),
        ("subscriber", "sub-1", token("subscriber", "sub-1") + "x" * 300),
        ("admin", "root", token("admin", "root")),
        ("member", "sub-1", token("member", "sub-1")),
        ("subscriber", "", token("subscriber", "")),
    ],
    ids=[
        "altered",
        "other-secret",
        "other-subscriber",
        "other-kind",
        "official-with-subscriber-token",
        "empty",
        "non-ascii",
        "overlong",
        "admin-other-id",
        "unknown-kind",
        "empty-id",
    ],
)
def test_bad_link_is_refused_and_changes_nothing(
    service: Subscriptions, store: SqliteStore, kind: str, recipient_id: str, link: str
) -> None:
    assert service.unsubscribe(kind, recipient_id, link) is Outcome.REFUSED
    assert not Outcome.REFUSED.ok

    subscriber = store.get_subscriber("sub-1")
    assert subscriber is not None and subscriber.status is SubscriberStatus.ACTIVE
    official = store.get_official("kpu-kediri")
    assert official is not None and official.active


@pytest.mark.parametrize("kind", ["subscriber", "official"])
def test_unknown_id_is_refused_exactly_like_a_bad_token(service: Subscriptions, kind: str) -> None:
    # A genuinely signed link for someone no longer stored gets the same answer
    # as a forged one, so the page never confirms that an id exists.
    assert service.unsubscribe(kind, "gone", token(kind, "gone")) is Outcome.REFUSED
    assert service.unsubscribe(kind, "gone", "A" * 32) is Outcome.REFUSED


def test_genuine_checks_the_token_without_reading_the_store(clock: FixedClock) -> None:
    class NoStore:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"store.{name} was used")

    service = Subscriptions(NoStore(), SECRET, clock)  # type: ignore[arg-type]

    assert service.genuine("subscriber", "sub-9", token("subscriber", "sub-9"))
    assert not service.genuine("subscriber", "sub-9", token("subscriber", "sub-8"))
    assert service.unsubscribe("subscriber", "sub-9", "B" * 32) is Outcome.REFUSED


def test_log_never_carries_the_address_or_a_refused_id(
    service: Subscriptions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="warta")
    service.unsubscribe("subscriber", "sub-1", token("subscriber", "sub-1"))
    service.unsubscribe("subscriber", "probe-id", "A" * 32)

    assert "ani@contoh.id" not in caplog.text
    assert "probe-id" not in caplog.text
    assert "sub-1" in caplog.text
    assert repr(service) == "Subscriptions()"
