"""What every Notifier promises (core/ports.py), run against each implementation.

A factory returns the notifier and a way to read back what reached the far
side, as {provider id: (number, text)}: the outbox's JSON files, the SMS that
SNS on moto (server mode on 127.0.0.1) recorded, and what the shared
RecordingNotifier double (tests/doubles.py) kept, so that the double cannot
drift from the port the services rely on.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from moto.sns import sns_backends
from tests.doubles import RecordingNotifier

from warta.adapters.outbox import OutboxNotifier
from warta.adapters.sns import SnsNotifier
from warta.core.ports import Notifier

Delivered = Callable[[], dict[str, tuple[str, str]]]

PHONE = "+6281234567890"
ALERT = "WARTA: KPU mengklarifikasi hoaks surat suara tercoblos. Rincian di surel."


def outbox_factory(request: pytest.FixtureRequest) -> tuple[Notifier, Delivered]:
    folder = request.getfixturevalue("tmp_path") / "outbox" / "sms"

    def delivered() -> dict[str, tuple[str, str]]:
        records = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
        assert len({r["id"] for r in records}) == len(records), "an id on two files"
        return {r["id"]: (r["to"], r["text"]) for r in records}

    return OutboxNotifier(folder), delivered


def sns_factory(request: pytest.FixtureRequest) -> tuple[Notifier, Delivered]:
    account = request.getfixturevalue("moto_account")

    def delivered() -> dict[str, tuple[str, str]]:
        return dict(sns_backends[account.account][account.region].sms_messages)

    return SnsNotifier(account.client("sns")), delivered


def recording_factory(request: pytest.FixtureRequest) -> tuple[Notifier, Delivered]:
    notifier = RecordingNotifier()
    return notifier, notifier.by_id


NOTIFIER_FACTORIES = [
    pytest.param(outbox_factory, id="outbox"),
    pytest.param(sns_factory, id="sns"),
    pytest.param(recording_factory, id="recording-double"),
]


@pytest.fixture(params=NOTIFIER_FACTORIES)
def notifier(request: pytest.FixtureRequest) -> tuple[Notifier, Delivered]:
    # A factory asks for the fixtures it needs (tmp_path, moto_account), so the outbox
    # and double cases never start moto.
    factory: Callable[[pytest.FixtureRequest], tuple[Notifier, Delivered]] = request.param
    return factory(request)


def test_notify_returns_a_provider_id_under_which_the_text_reached_the_number(
    notifier: tuple[Notifier, Delivered],
) -> None:
    sender, delivered = notifier

    message_id = sender.notify(PHONE, ALERT)

    assert isinstance(message_id, str) and message_id.strip()
    assert delivered() == {message_id: (PHONE, ALERT)}


def test_each_sms_gets_its_own_id_and_goes_to_its_own_number(
    notifier: tuple[Notifier, Delivered],
) -> None:
    sender, delivered = notifier
    sent = {f"+62812345678{n:02d}": f"WARTA: peringatan nomor {n}." for n in range(5)}

    ids = {sender.notify(phone, text): (phone, text) for phone, text in sent.items()}

    assert len(ids) == 5
    assert delivered() == ids


def test_the_same_text_twice_is_sent_twice(notifier: tuple[Notifier, Delivered]) -> None:
    sender, delivered = notifier

    first, second = sender.notify(PHONE, ALERT), sender.notify(PHONE, ALERT)

    assert first != second
    assert delivered() == {first: (PHONE, ALERT), second: (PHONE, ALERT)}


@pytest.mark.parametrize(
    "text",
    [
        'KPU & Bawaslu: video "surat suara tercoblos" <hoaks> — cek www.kpu.go.id 🇮🇩',
        "Baris satu.\nBaris dua.",
        "W" * 160,  # one whole SMS
        "Peringatan panjang. " * 30,  # several SMS parts, one message
    ],
    ids=["markup-and-emoji", "two-lines", "160", "600"],
)
def test_the_text_arrives_exactly_as_given(notifier: tuple[Notifier, Delivered], text: str) -> None:
    sender, delivered = notifier

    message_id = sender.notify(PHONE, text)

    assert delivered()[message_id] == (PHONE, text)


@pytest.mark.parametrize("phone", ["+62812345", "+12025550123", "+628123456789012"])
def test_e164_numbers_of_8_to_15_digits_are_sent(
    notifier: tuple[Notifier, Delivered], phone: str
) -> None:
    sender, delivered = notifier

    message_id = sender.notify(phone, ALERT)

    assert delivered() == {message_id: (phone, ALERT)}
