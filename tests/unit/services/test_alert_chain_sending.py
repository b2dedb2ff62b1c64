"""Each recipient gets each message of an alert's chain once, in order, each naming those before."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

from tests import builders
from tests.builders import official, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.chain import Reason
from warta.core.identity import subscriber_id
from warta.core.model import Authority, Story, Subscriber
from warta.services.alerts import EMAIL_KIND, Alerts
from warta.services.delivery import Delivery, message_id
from warta.services.lifecycle import Lifecycle

from .conftest import LETTERHEAD, CountingRenderer, FixedClock, RecordingMailer, RecordingNotifier

CLARIFICATION = builders.story(
    "st-1",
    region="35.71",
    urgent=True,
    title="KPU Kota Kediri Bantah Isu Kotak Suara Dibakar",
    summary=(
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
        "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
    ),
    sources=(story_source("kpu-kota-kediri", "KPU Kota Kediri", "https://kpu.example/a"),),
)
CONFIRMED = replace(
    CLARIFICATION,
    sources=(
        *CLARIFICATION.sources,
        story_source(
            "bawaslu-kota-kediri",
            "Bawaslu Kota Kediri",
            "https://bawaslu.example/b",
            authority=Authority.BAWASLU,
            item_id="b",
        ),
    ),
)
FACT = "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
CLAIM = "Kotak suara dibakar di gudang KPU Kota Kediri"


class World:
    def __init__(self, store: SqliteStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        self.mailer, self.notifier = RecordingMailer(), RecordingNotifier()
        self.lifecycle = Lifecycle(store=store)
        self.alerts = Alerts(
            store=store,
            delivery=Delivery(
                store=store,
                clock=clock,
                mailer=self.mailer,
                notifier=self.notifier,
                letterhead=LETTERHEAD,
            ),
            renderer=CountingRenderer(),
        )

    def alert(self, story: Story = CLARIFICATION) -> None:
        self.store.put_story(story)
        self.lifecycle.start(story, at=self.clock.now())

    def update(self, after: Story = CONFIRMED, *reasons: Reason, cause: str = "join:b") -> None:
        self.clock.advance(minutes=30)
        before = self.store.get_story(after.id)
        assert before is not None
        added = self.lifecycle.add(
            before,
            after,
            reasons=reasons or (Reason.CONFIRMED,),
            cause=cause,
            now=self.clock.now(),
            note="Bawaslu Kota Kediri",
        )
        assert added is not None
        self.store.put_story(after)

    def cancel(self) -> None:
        self.clock.advance(minutes=30)
        story = self.store.get_story("st-1")
        assert story is not None
        self.lifecycle.add(
            story,
            story,
            reasons=(Reason.WITHDRAWN,),
            cause="gone:a",
            now=self.clock.now(),
            note="KPU Kota Kediri",
        )

    def mail_to(self, address: str) -> list[EmailMessage]:
        return self.mailer.to(address)

    def sms_to(self, phone: str) -> list[str]:
        return [text for number, text in self.notifier.sent if number == phone]


def people(store: SqliteStore) -> None:
    store.put_official(official("kediri", "35.71", "kediri@petugas.example", "+6281200000001"))
    store.put_official(official("jatim", "35", "jatim@petugas.example"))
    store.put_official(official("blitar", "35.05", "blitar@petugas.example"))
    store.put_subscriber(
        Subscriber(
            subscriber_id("warga@contoh.id"), "warga@contoh.id", regions=("35.71",), urgent=True
        )
    )


def subjects(messages: list[EmailMessage]) -> list[str]:
    return [str(m["Subject"]).split("]")[0] + "]" for m in messages]


def test_alert_update_and_cancel_reach_each_recipient_in_order_each_naming_the_last(
    store: SqliteStore, clock: FixedClock
) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    world.alerts.story("st-1")
    world.update()
    world.alerts.story("st-1")
    world.cancel()

    world.alerts.story("st-1")

    for address in ("kediri@petugas.example", "jatim@petugas.example", "warga@contoh.id"):
        mail = world.mail_to(address)
        assert subjects(mail) == ["[PENTING]", "[PEMBARUAN]", "[DICABUT]"], address
        ids = [str(m["Message-ID"]) for m in mail]
        assert mail[0]["In-Reply-To"] is None
        assert [str(m["In-Reply-To"]) for m in mail[1:]] == ids[:2]
        assert str(mail[2]["References"]).split() == ids[:2]
    assert world.mail_to("blitar@petugas.example") == []
    sms = world.sms_to("+6281200000001")
    assert [text.split(":")[0] for text in sms] == [
        "WARTA PEMILU",
        "WARTA PEMILU PEMBARUAN",
        "WARTA PEMILU",
    ]
    assert "PERINGATAN DICABUT" in sms[2]
    assert "https://warta.example/cerita/st-1/" in sms[2]


def test_an_update_goes_to_those_who_had_the_alert_and_its_redelivery_sends_nothing(
    store: SqliteStore, clock: FixedClock
) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    first = world.alerts.story("st-1")
    world.update()

    second = world.alerts.story("st-1")
    again = world.alerts.story("st-1")

    assert (first.emails, first.sms, first.updates) == (3, 1, 0)
    assert (second.emails, second.sms, second.updates) == (3, 1, 4)
    assert (again.emails, again.sms, again.already) == (0, 0, 8)
    update = world.mail_to("kediri@petugas.example")[1]
    alert_id = message_id(EMAIL_KIND, "st-1", "kediri", LETTERHEAD.domain)
    assert str(update["In-Reply-To"]) == alert_id
    assert str(update["Message-ID"]) == message_id(
        EMAIL_KIND, "st-1:1", "kediri", LETTERHEAD.domain
    )


def test_an_update_leads_with_the_fact_then_says_what_is_new_then_the_claim(
    store: SqliteStore, clock: FixedClock
) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    world.update()

    world.alerts.story("st-1")

    update = world.mail_to("kediri@petugas.example")[1]
    assert FACT in str(update["Subject"])
    for part in ("plain", "html"):
        body = update.get_body((part,))
        assert body is not None
        text = body.get_content()
        fact, new, claim = (
            text.index(FACT),
            text.index("Bawaslu Kota Kediri (Sumber resmi)"),
            text.index(CLAIM),
        )
        assert fact < new < claim, part


def test_a_recipient_the_story_reaches_only_after_the_cancel_gets_nothing(
    store: SqliteStore, clock: FixedClock
) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    world.alerts.story("st-1")
    world.cancel()
    store.put_official(official("baru", "35.71", "baru@petugas.example"))

    world.alerts.story("st-1")

    assert world.mail_to("baru@petugas.example") == []
    assert subjects(world.mail_to("kediri@petugas.example")) == ["[PENTING]", "[DICABUT]"]


def test_a_region_widened_brings_new_officials_the_alert_then_the_update(
    store: SqliteStore, clock: FixedClock
) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    world.alerts.story("st-1")
    world.update(replace(CONFIRMED, region="35"), Reason.CONFIRMED, Reason.WIDENED)

    world.alerts.story("st-1")

    blitar = world.mail_to("blitar@petugas.example")
    assert subjects(blitar) == ["[PENTING]", "[PEMBARUAN]"]
    # The alert reads as it was made: Kota Kediri's, then the update says it widened.
    alert_text = blitar[0].get_body(("plain",))
    update_text = blitar[1].get_body(("plain",))
    assert alert_text is not None and update_text is not None
    assert "Wilayah: Kota Kediri" in alert_text.get_content()
    assert "dari Kota Kediri menjadi Jawa Timur" in update_text.get_content()


def test_an_update_waits_for_the_alert_it_follows(store: SqliteStore, clock: FixedClock) -> None:
    people(store)
    world = World(store, clock)
    world.alert()
    world.update()
    world.mailer.fail_for = {"jatim@petugas.example"}

    report = world.alerts.story("st-1")

    assert world.mail_to("jatim@petugas.example") == []
    assert report.failed == 1  # the alert; its update was not tried
    world.mailer.fail_for = set()
    world.alerts.story("st-1")
    assert subjects(world.mail_to("jatim@petugas.example")) == ["[PENTING]", "[PEMBARUAN]"]
