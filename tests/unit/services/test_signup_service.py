"""Signing up, confirming and asking for a link: what each state of an address allows.

A real SQLite store and the real renderer; the mail provider is a recording
double. Every refusal is checked on the record read back: nothing changed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core import links
from warta.core.identity import subscriber_id
from warta.core.links import Link
from warta.core.model import ALL_REGIONS, Consent, Subscriber, SubscriberStatus
from warta.services.delivery import Delivery
from warta.services.signup import (
    CONFIRM_GRACE,
    Asked,
    Choices,
    Client,
    Confirmed,
    Limits,
    SignUp,
)
from warta.services.subscriptions import Access, Subscriptions

from .conftest import LETTERHEAD, NOW, CountingRenderer, FixedClock, RecordingMailer

ADDRESS = "ani@contoh.id"
SID = subscriber_id(ADDRESS)
HOME = Client("203.0.113.0/24")
BASE = "https://warta.example"
KEDIRI = Choices(regions=("35.71",), urgent=True, digest_hour=7)


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def signup(store: SqliteStore, clock: FixedClock, mailer: RecordingMailer) -> SignUp:
    delivery = Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD)
    return SignUp(
        store=store,
        secret=LETTERHEAD.secret,
        clock=clock,
        delivery=delivery,
        renderer=CountingRenderer(),
    )


def stored(store: SqliteStore, sid: str = SID) -> Subscriber:
    found = store.get_subscriber(sid)
    assert found is not None
    return found


def body_link(message: EmailMessage, path: str) -> Link:
    """The link to `path` in a message's text part."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text = part.get_content()
    url = next(word for word in text.split() if word.startswith(BASE + path + "?"))
    link = links.read_link(urlsplit(url).query)
    assert link is not None
    return link


def confirmation(mailer: RecordingMailer) -> Link:
    [message] = [m for m in mailer.sent if m["X-Warta-Kind"] == "confirm"][-1:]
    return body_link(message, "/confirm")


def test_sign_up_stores_a_pending_subscriber_with_evidence_and_sends_one_confirmation(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    assert signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE) is Asked.DONE

    assert stored(store) == Subscriber(
        id=SID,
        email=ADDRESS,
        status=SubscriberStatus.PENDING,
        regions=("35.71",),
        urgent=True,
        digest_hour=7,
        created_at=NOW,
        signed_up=Consent(NOW, "web 203.0.113.0/24"),
        confirmation_sent_on=NOW.date(),
        updated_at=NOW,
    )
    [message] = mailer.sent
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Konfirmasi langganan Warta Pemilu"
    assert message["X-Warta-Kind"] == "confirm"
    assert signup.check_confirmation(confirmation(mailer)) is Confirmed.CONFIRMED
    assert store.get_send("confirm", NOW.date().isoformat(), SID) is not None
    assert ADDRESS not in caplog.text


def test_confirmation_makes_the_subscriber_active_with_its_evidence(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    clock.advance(minutes=30)

    assert signup.confirm(confirmation(mailer), Client("198.51.100.0/24")) is Confirmed.CONFIRMED

    subscriber = stored(store)
    assert subscriber.status is SubscriberStatus.ACTIVE
    assert subscriber.confirmed == Consent(clock.now(), "web 198.51.100.0/24")
    assert subscriber.signed_up == Consent(NOW, "web 203.0.113.0/24")


def test_a_second_click_within_minutes_shows_success_and_a_later_one_is_a_replay(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    link = confirmation(mailer)
    signup.confirm(link, HOME)
    confirmed = stored(store)

    clock.advance(seconds=CONFIRM_GRACE.total_seconds())
    assert signup.confirm(link, HOME) is Confirmed.ALREADY
    clock.advance(seconds=1)
    assert signup.confirm(link, HOME) is Confirmed.REPLAYED
    assert signup.check_confirmation(link) is Confirmed.REPLAYED

    assert stored(store) == confirmed


def test_checking_a_link_for_its_page_changes_nothing(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    pending = stored(store)

    for _ in range(3):
        assert signup.check_confirmation(confirmation(mailer)) is Confirmed.CONFIRMED

    assert stored(store) == pending


def test_an_expired_or_forged_link_leaves_the_subscriber_pending(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    link = confirmation(mailer)
    pending = stored(store)
    forged = replace(link, token=link.token[:-1] + ("A" if link.token[-1] != "A" else "B"))
    other = replace(link, recipient_id=subscriber_id("budi@contoh.id"))

    assert signup.confirm(forged, HOME) is Confirmed.FORGED
    assert signup.confirm(other, HOME) is Confirmed.FORGED
    clock.advance(hours=48, seconds=1)
    assert signup.confirm(link, HOME) is Confirmed.EXPIRED

    assert stored(store) == pending


def test_resubmitting_an_active_address_never_downgrades_it_and_sends_a_manage_link(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    signup.confirm(confirmation(mailer), HOME)
    active = stored(store)
    clock.advance(days=1)

    assert signup.sign_up(ADDRESS, Choices(regions=(ALL_REGIONS,)), HOME, base_url=BASE) is (
        Asked.DONE
    )

    assert stored(store) == active
    message = mailer.sent[-1]
    assert message["X-Warta-Kind"] == "manage"
    assert message["Subject"] == "Atur langganan Warta Pemilu Anda"
    manage = body_link(message, "/preferences")
    access, whose = Subscriptions(store, LETTERHEAD.secret, clock).preferences(manage)
    assert access is Access.OPEN and whose == active


def test_at_most_one_confirmation_a_day_and_the_first_choices_stand(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    first_link = confirmation(mailer)
    pending = stored(store)

    clock.advance(hours=2)
    assert signup.sign_up(ADDRESS, Choices(regions=("11",)), HOME, base_url=BASE) is Asked.DONE
    assert len(mailer.sent) == 1
    assert stored(store) == pending

    clock.advance(days=1)
    signup.sign_up(ADDRESS, Choices(regions=("11",)), HOME, base_url=BASE)
    assert len(mailer.sent) == 2
    assert stored(store) == replace(pending, confirmation_sent_on=clock.now().date())
    # Both links belong to this sign-up: either confirms it.
    assert signup.confirm(first_link, HOME) is Confirmed.CONFIRMED


def test_a_link_of_an_earlier_sign_up_cannot_confirm_a_later_one(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    old_link = confirmation(mailer)
    Subscriptions(store, LETTERHEAD.secret, clock).unsubscribe(
        "subscriber", SID, links.sign(LETTERHEAD.secret, "unsubscribe", f"subscriber:{SID}")
    )
    assert signup.confirm(old_link, HOME) is Confirmed.REPLAYED
    assert stored(store).status is SubscriberStatus.UNSUBSCRIBED

    clock.advance(days=1)
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    pending = stored(store)
    assert pending.status is SubscriberStatus.PENDING

    assert signup.confirm(old_link, HOME) is Confirmed.REPLAYED
    assert stored(store) == pending
    assert signup.confirm(confirmation(mailer), HOME) is Confirmed.CONFIRMED


@pytest.mark.parametrize("status", [SubscriberStatus.SUPPRESSED, SubscriberStatus.UNSUBSCRIBED])
def test_a_confirmation_link_never_brings_back_someone_who_left_or_was_suppressed(
    signup: SignUp,
    store: SqliteStore,
    mailer: RecordingMailer,
    status: SubscriberStatus,
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    gone = replace(stored(store), status=status)
    store.put_subscriber(gone)

    assert signup.confirm(confirmation(mailer), HOME) is Confirmed.REPLAYED
    assert stored(store) == gone


def test_a_suppressed_address_gets_nothing_and_the_answer_is_the_same(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer
) -> None:
    suppressed = Subscriber(
        id=SID, email=ADDRESS, status=SubscriberStatus.SUPPRESSED, suppressed_reason="bounce"
    )
    store.put_subscriber(suppressed)

    assert signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE) is Asked.DONE
    assert signup.request_link(ADDRESS, HOME, base_url=BASE) is Asked.DONE

    assert stored(store) == suppressed
    assert mailer.sent == []


def test_asking_for_a_link_mails_only_someone_who_is_there(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer
) -> None:
    assert signup.request_link("nobody@contoh.id", HOME, base_url=BASE) is Asked.DONE
    assert mailer.sent == []
    assert store.get_subscriber(subscriber_id("nobody@contoh.id")) is None

    store.put_subscriber(Subscriber(id=SID, email=ADDRESS))
    assert signup.request_link(ADDRESS, HOME, base_url=BASE) is Asked.DONE
    assert [m["X-Warta-Kind"] for m in mailer.sent] == ["manage"]
    # Once a day: a second request sends nothing more.
    assert signup.request_link(ADDRESS, HOME, base_url=BASE) is Asked.DONE
    assert len(mailer.sent) == 1


def test_a_pending_address_asking_for_a_link_gets_its_confirmation_again(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE)
    clock.advance(days=1)

    signup.request_link(ADDRESS, HOME, base_url=BASE)

    assert [m["X-Warta-Kind"] for m in mailer.sent] == ["confirm", "confirm"]


def test_the_limit_per_address_holds_whatever_the_network(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    answers = [
        signup.sign_up(ADDRESS, KEDIRI, Client(f"192.0.2.{n}/32"), base_url=BASE)
        for n in range(Limits().per_address_day + 1)
    ]

    assert answers[:-1] == [Asked.DONE] * Limits().per_address_day
    assert answers[-1] is Asked.LIMITED
    clock.advance(days=1)
    assert signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE) is Asked.DONE


def test_the_limit_per_network_stops_list_bombing_and_spares_other_networks(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer, clock: FixedClock
) -> None:
    limit = Limits().per_client_hour
    answers = [
        signup.sign_up(f"orang{n}@contoh.id", KEDIRI, HOME, base_url=BASE) for n in range(limit + 1)
    ]

    assert answers.count(Asked.DONE) == limit and answers[-1] is Asked.LIMITED
    assert len(mailer.sent) == limit
    assert store.get_subscriber(subscriber_id(f"orang{limit}@contoh.id")) is None
    assert signup.sign_up("lain@contoh.id", KEDIRI, Client("198.51.100.0/24"), base_url=BASE) is (
        Asked.DONE
    )
    clock.advance(hours=1)
    assert signup.sign_up(f"orang{limit}@contoh.id", KEDIRI, HOME, base_url=BASE) is Asked.DONE


def test_a_refused_mail_is_reported_and_the_next_try_sends_it(
    signup: SignUp, store: SqliteStore, mailer: RecordingMailer
) -> None:
    mailer.fail_for.add(ADDRESS)

    assert signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE) is Asked.MAIL_FAILED
    assert stored(store).confirmation_sent_on is None
    assert store.get_send("confirm", NOW.date().isoformat(), SID) is None

    mailer.fail_for.clear()
    assert signup.sign_up(ADDRESS, KEDIRI, HOME, base_url=BASE) is Asked.DONE
    assert len(mailer.sent) == 1


def test_links_are_written_to_the_base_the_request_came_to(
    signup: SignUp, mailer: RecordingMailer
) -> None:
    signup.sign_up(ADDRESS, KEDIRI, HOME, base_url="https://abc.lambda-url.example")

    [message] = mailer.sent
    assert str(message["List-Unsubscribe"]).startswith(
        "<https://abc.lambda-url.example/unsubscribe?"
    )
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "https://abc.lambda-url.example/confirm?subscriber=" in text.get_content()


# -- preferences ---------------------------------------------------------------------


def manage_link(clock: FixedClock, sid: str = SID) -> Link:
    token = links.issue(
        LETTERHEAD.secret, links.MANAGE, links.RecipientKind.SUBSCRIBER, sid, clock.now()
    )
    return Link("subscriber", sid, token)


def test_preferences_are_saved_for_an_active_subscriber_only(
    store: SqliteStore, clock: FixedClock
) -> None:
    service = Subscriptions(store, LETTERHEAD.secret, clock)
    store.put_subscriber(Subscriber(id=SID, email=ADDRESS))
    choices = Choices(regions=("35", "35.71"), digest=False, urgent=True, digest_hour=19)

    access, saved = service.save_preferences(manage_link(clock), choices)

    assert access is Access.OPEN
    assert (
        stored(store)
        == saved
        == Subscriber(
            id=SID,
            email=ADDRESS,
            regions=("35", "35.71"),
            digest=False,
            urgent=True,
            digest_hour=19,
            updated_at=NOW,
        )
    )
    pending = replace(stored(store), status=SubscriberStatus.PENDING)
    store.put_subscriber(pending)
    assert service.save_preferences(manage_link(clock), KEDIRI)[0] is Access.INACTIVE
    assert stored(store) == pending


def test_preferences_refuse_forged_and_expired_links(store: SqliteStore, clock: FixedClock) -> None:
    service = Subscriptions(store, LETTERHEAD.secret, clock)
    active = Subscriber(id=SID, email=ADDRESS)
    store.put_subscriber(active)
    link = manage_link(clock)
    confirm = links.issue(
        LETTERHEAD.secret, links.CONFIRM, links.RecipientKind.SUBSCRIBER, SID, clock.now()
    )

    assert service.save_preferences(replace(link, recipient_id="sub-x"), KEDIRI)[0] is Access.FORGED
    assert service.save_preferences(replace(link, token=confirm), KEDIRI)[0] is Access.FORGED
    clock.advance(hours=49)
    assert service.save_preferences(link, KEDIRI)[0] is Access.EXPIRED
    assert stored(store) == active


def test_the_unsubscribe_link_of_a_digest_opens_a_fresh_preferences_link(
    store: SqliteStore, clock: FixedClock
) -> None:
    service = Subscriptions(store, LETTERHEAD.secret, clock)
    store.put_subscriber(Subscriber(id=SID, email=ADDRESS))
    unsubscribe = links.unsubscribe_link(LETTERHEAD.secret, links.RecipientKind.SUBSCRIBER, SID)

    query = service.manage_query(unsubscribe)

    assert query is not None
    fields = parse_qs(query)
    opened = Link("subscriber", fields["subscriber"][0], fields["token"][0])
    assert service.preferences(opened)[0] is Access.OPEN
    assert service.manage_query(replace(unsubscribe, token="A" * 32)) is None
    official = links.unsubscribe_link(LETTERHEAD.secret, links.RecipientKind.OFFICIAL, "kpu-1")
    assert service.manage_query(official) is None
    # The fresh link is a MANAGE token: it cannot unsubscribe.
    assert not links.genuine(LETTERHEAD.secret, opened)
    clock.advance(hours=1)
    assert stored(store).status is SubscriberStatus.ACTIVE
    assert timedelta(hours=1) < links.LIFETIMES[links.MANAGE]
