"""Bounces, complaints and deliveries applied to the store: who is suppressed, and when.

The service runs over a real SQLite store (the `store` fixture); the SES account's
suppression list is a recording stand-in that can refuse, as SES may.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from tests.builders import official
from tests.doubles import FixedClock

from warta.core.errors import SendError
from warta.core.identity import subscriber_id
from warta.core.links import Link
from warta.core.model import SendStatus, Subscriber, SubscriberStatus
from warta.core.ports import Store
from warta.services.feedback import (
    LEDGER_KIND,
    SOFT_BOUNCES,
    Feedback,
    remember,
    too_many_soft_bounces,
)
from warta.services.ses_events import MailEvent, Outcome

ADDRESS = "pembaca@warga.example"
OTHER = "tetangga@warga.example"
OFFICIAL_ADDRESS = "humas@kpu.example"

_ids = itertools.count(1)


@dataclass
class RecordingSuppressionList:
    """The SES account's suppression list: keeps what it is given, refuses when told to."""

    added: list[tuple[str, bool]] = field(default_factory=list)
    refuse: bool = False

    def suppress(self, address: str, *, complaint: bool) -> None:
        if self.refuse:
            raise SendError(
                "SES refused an address for the account's suppression list (AccessDenied)"
            )
        self.added.append((address, complaint))


def event(
    outcome: Outcome, *addresses: str, named: Link | None = None, event_id: str | None = None
) -> MailEvent:
    event_id = event_id or f"0100019a-{next(_ids):08d}-000000"
    return MailEvent(outcome, event_id, f"msg-{event_id}", addresses or (ADDRESS,), named=named)


def subscriber(address: str = ADDRESS, **fields: object) -> Subscriber:
    return Subscriber(id=subscriber_id(address), email=address, **fields)  # type: ignore[arg-type]


@pytest.fixture
def account() -> RecordingSuppressionList:
    return RecordingSuppressionList()


@pytest.fixture
def feedback(store: Store, clock: FixedClock, account: RecordingSuppressionList) -> Feedback:
    return Feedback(store=store, clock=clock, account=account, officials_page=2)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every line logged, with its structured keys."""
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)


def status(store: Store, address: str = ADDRESS) -> tuple[SubscriberStatus, str | None]:
    found = store.get_subscriber(subscriber_id(address))
    assert found is not None
    return found.status, found.suppressed_reason


# -- the rule of three soft bounces in five -------------------------------------------

S, D = Outcome.SOFT_BOUNCE, Outcome.DELIVERED


@pytest.mark.parametrize(
    ("history", "suppressed"),
    [
        ((), False),
        ((S,), False),
        ((S, S), False),
        ((S, S, S), True),
        ((S, D, S, D, S), True),
        ((S, D, D, S, D), False),
        # The oldest soft bounce has left the window of five.
        ((S, D, D, D, S, S), False),
        ((S, D, D, S, S, D, S), True),
        ((D, D, D, D, D, S, S), False),
    ],
)
def test_three_soft_bounces_among_the_last_five_messages_suppress(
    history: tuple[Outcome, ...], suppressed: bool
) -> None:
    deliveries: tuple[str, ...] = ()
    for outcome in history:
        deliveries = remember(deliveries, outcome)

    assert len(deliveries) == min(len(history), 5)
    assert too_many_soft_bounces(deliveries) is suppressed


# -- subscribers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "reason", "complaint"),
    [(Outcome.HARD_BOUNCE, "bounce", False), (Outcome.COMPLAINT, "complaint", True)],
)
def test_a_hard_bounce_or_a_complaint_suppresses_at_once(
    feedback: Feedback,
    store: Store,
    clock: FixedClock,
    account: RecordingSuppressionList,
    outcome: Outcome,
    reason: str,
    complaint: bool,
) -> None:
    store.put_subscriber(subscriber())
    store.put_subscriber(subscriber(OTHER))

    report = feedback.apply(event(outcome))

    assert status(store) == (SubscriberStatus.SUPPRESSED, reason)
    assert status(store, OTHER) == (SubscriberStatus.ACTIVE, None)
    found = store.get_subscriber(subscriber_id(ADDRESS))
    assert found is not None and found.updated_at == clock.now()
    assert (report.suppressed, report.addresses) == (1, 1)
    assert account.added == [(ADDRESS, complaint)]


@pytest.mark.parametrize("was", [SubscriberStatus.PENDING, SubscriberStatus.UNSUBSCRIBED])
def test_a_complaint_suppresses_whatever_the_subscriber_chose_before(
    feedback: Feedback, store: Store, was: SubscriberStatus
) -> None:
    store.put_subscriber(subscriber(status=was))

    feedback.apply(event(Outcome.COMPLAINT))

    assert status(store) == (SubscriberStatus.SUPPRESSED, "complaint")


def test_soft_bounces_are_counted_and_the_third_in_five_suppresses(
    feedback: Feedback, store: Store, account: RecordingSuppressionList
) -> None:
    store.put_subscriber(subscriber())

    for outcome in (S, D, S, D):
        report = feedback.apply(event(outcome))
        assert (report.recorded, report.suppressed) == (1, 0)
    found = store.get_subscriber(subscriber_id(ADDRESS))
    assert found is not None and found.status is SubscriberStatus.ACTIVE
    assert found.deliveries == ("soft-bounce", "delivered", "soft-bounce", "delivered")
    assert account.added == []

    report = feedback.apply(event(S))

    assert report.suppressed == 1
    assert status(store) == (SubscriberStatus.SUPPRESSED, SOFT_BOUNCES)
    assert account.added == [(ADDRESS, False)]


def test_an_event_delivered_twice_counts_once(feedback: Feedback, store: Store) -> None:
    store.put_subscriber(subscriber())
    soft = event(S)

    first = feedback.apply(soft)
    again = feedback.apply(soft)
    feedback.apply(event(S))

    assert (first.recorded, again.recorded, again.already) == (1, 0, 1)
    found = store.get_subscriber(subscriber_id(ADDRESS))
    assert found is not None and found.deliveries == ("soft-bounce", "soft-bounce")
    assert found.status is SubscriberStatus.ACTIVE
    record = store.get_send(LEDGER_KIND, soft.key, subscriber_id(ADDRESS))
    assert record is not None and record.status is SendStatus.SENT


def test_an_event_another_invocation_is_applying_is_left_for_later(
    feedback: Feedback, store: Store, clock: FixedClock
) -> None:
    store.put_subscriber(subscriber())
    soft = event(S)
    store.claim_send(LEDGER_KIND, soft.key, subscriber_id(ADDRESS), now=clock.now())

    report = feedback.apply(soft)

    assert report.busy == 1
    found = store.get_subscriber(subscriber_id(ADDRESS))
    assert found is not None and found.deliveries == ()


def test_a_failure_midway_lets_the_event_be_applied_again(
    store: Store, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    feedback = Feedback(store=store, clock=clock)
    store.put_subscriber(subscriber())
    hard = event(Outcome.HARD_BOUNCE)

    def fail(_: Subscriber) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(store, "put_subscriber", fail)
        with pytest.raises(OSError, match="disk full"):
            feedback.apply(hard)

    assert feedback.apply(hard).suppressed == 1
    assert status(store) == (SubscriberStatus.SUPPRESSED, "bounce")


def test_a_suppressed_subscriber_stays_as_they_are(
    feedback: Feedback, store: Store, account: RecordingSuppressionList
) -> None:
    store.put_subscriber(subscriber(status=SubscriberStatus.SUPPRESSED, suppressed_reason="bounce"))

    complaint = feedback.apply(event(Outcome.COMPLAINT))
    delivered = feedback.apply(event(D))

    assert (complaint.suppressed, delivered.recorded) == (0, 0)
    assert status(store) == (SubscriberStatus.SUPPRESSED, "bounce")
    # The account's list gets the complaint anyway: it is about the address.
    assert account.added == [(ADDRESS, True)]


def test_an_address_nobody_has_is_counted_and_still_kept_from_the_account(
    feedback: Feedback, account: RecordingSuppressionList
) -> None:
    report = feedback.apply(event(Outcome.HARD_BOUNCE, "hilang@warga.example"))

    assert (report.unknown, report.suppressed) == (1, 0)
    assert account.added == [("hilang@warga.example", False)]


def test_the_store_suppresses_even_when_the_account_list_refuses(
    feedback: Feedback,
    store: Store,
    account: RecordingSuppressionList,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.put_subscriber(subscriber())
    account.refuse = True

    report = feedback.apply(event(Outcome.COMPLAINT))

    assert (report.suppressed, report.account_refused) == (1, 1)
    assert status(store) == (SubscriberStatus.SUPPRESSED, "complaint")
    assert "AccessDenied" in logged(caplog)
    assert ADDRESS not in logged(caplog)


def test_each_address_of_an_event_is_applied(feedback: Feedback, store: Store) -> None:
    store.put_subscriber(subscriber())
    store.put_subscriber(subscriber(OTHER))

    report = feedback.apply(event(Outcome.HARD_BOUNCE, ADDRESS, OTHER))

    assert report.suppressed == 2
    assert status(store, OTHER) == (SubscriberStatus.SUPPRESSED, "bounce")


def test_addresses_never_reach_the_log(
    feedback: Feedback, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    store.put_subscriber(subscriber())
    store.put_official(official("kpu-kediri", "35.71", email=ADDRESS))

    feedback.apply(event(Outcome.COMPLAINT))

    lines = logged(caplog)
    assert "subscriber suppressed" in lines and subscriber_id(ADDRESS) in lines
    assert "kpu-kediri" in lines
    assert "warga.example" not in lines


# -- officials ---------------------------------------------------------------------------


def official_link(official_id: str) -> Link:
    return Link("official", official_id, "A" * 32)


@pytest.mark.parametrize("outcome", [Outcome.HARD_BOUNCE, Outcome.COMPLAINT])
def test_an_official_with_a_phone_loses_the_email_and_keeps_sms(
    feedback: Feedback, store: Store, outcome: Outcome
) -> None:
    store.put_official(official("kpu-kediri", "35.71", OFFICIAL_ADDRESS, "+6281100000001"))

    report = feedback.apply(event(outcome, OFFICIAL_ADDRESS, named=official_link("kpu-kediri")))

    found = store.get_official("kpu-kediri")
    assert found is not None and found.active
    assert (found.email, found.phone) == (None, "+6281100000001")
    assert report.officials == 1


def test_an_official_with_email_alone_is_made_inactive(feedback: Feedback, store: Store) -> None:
    store.put_official(official("camat-kota", "35.71.01", OFFICIAL_ADDRESS))

    feedback.apply(event(Outcome.HARD_BOUNCE, OFFICIAL_ADDRESS, named=official_link("camat-kota")))

    found = store.get_official("camat-kota")
    assert found is not None and not found.active and found.email == OFFICIAL_ADDRESS


def test_without_headers_every_active_official_with_the_address_is_found(
    feedback: Feedback, store: Store
) -> None:
    # More officials than one page (the fixture's pages hold two).
    for n in range(5):
        store.put_official(
            official(f"petugas-{n}", "35.71", f"petugas{n}@kpu.example", "+6281100000009")
        )
    store.put_official(official("kpu-kediri", "35.71", OFFICIAL_ADDRESS.upper(), "+6281100000001"))
    store.put_official(official("kpu-jatim", "35", OFFICIAL_ADDRESS, "+6281100000002"))

    report = feedback.apply(event(Outcome.COMPLAINT, OFFICIAL_ADDRESS))

    assert report.officials == 2
    for official_id in ("kpu-kediri", "kpu-jatim"):
        found = store.get_official(official_id)
        assert found is not None and found.email is None
    assert all((o := store.get_official(f"petugas-{n}")) is not None and o.email for n in range(5))


def test_a_named_official_whose_address_is_not_the_bounced_one_is_left_alone(
    feedback: Feedback, store: Store
) -> None:
    store.put_official(official("kpu-kediri", "35.71", "baru@kpu.example", "+6281100000001"))

    report = feedback.apply(
        event(Outcome.HARD_BOUNCE, OFFICIAL_ADDRESS, named=official_link("kpu-kediri"))
    )

    found = store.get_official("kpu-kediri")
    assert found is not None and found.email == "baru@kpu.example"
    assert (report.officials, report.unknown) == (0, 1)


def test_a_subscribers_message_concerns_no_official(feedback: Feedback, store: Store) -> None:
    store.put_subscriber(subscriber(OFFICIAL_ADDRESS))
    store.put_official(official("kpu-kediri", "35.71", OFFICIAL_ADDRESS, "+6281100000001"))
    named = Link("subscriber", subscriber_id(OFFICIAL_ADDRESS), "A" * 32)

    report = feedback.apply(event(Outcome.HARD_BOUNCE, OFFICIAL_ADDRESS, named=named))

    assert (report.suppressed, report.officials) == (1, 0)
    found = store.get_official("kpu-kediri")
    assert found is not None and found.email == OFFICIAL_ADDRESS


def test_soft_bounces_and_deliveries_change_no_official(feedback: Feedback, store: Store) -> None:
    store.put_official(official("kpu-kediri", "35.71", OFFICIAL_ADDRESS, "+6281100000001"))
    named = official_link("kpu-kediri")

    for outcome in (S, S, S, D):
        feedback.apply(event(outcome, OFFICIAL_ADDRESS, named=named))

    assert store.get_official("kpu-kediri") == official(
        "kpu-kediri", "35.71", OFFICIAL_ADDRESS, "+6281100000001"
    )
