"""SES's bounce, complaint and delivery reports read from a bounce-queue record: both shapes
(event publishing's `eventType`, identity notifications' `notificationType`), inside SNS's
envelope or raw, and what is refused or dropped."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from warta.config.files import events_dir
from warta.core.links import Link
from warta.services.ses_events import BadEvent, MailEvent, Outcome, read_mail_event

FEEDBACK_ID = "0100019ad1e2f3a4-5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e-000000"
MESSAGE_ID = "0100019ad1e2f3a4-11111111-2222-4333-8444-555555555555-000000"
ADDRESS = "pembaca@warga.example"
LINK = "https://warta.example/unsubscribe?official=kpu-kediri&token=" + "A" * 32


def mail(*, headers: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "timestamp": "2026-11-28T23:00:02.012Z",
        "source": "Warta Pemilu <warta@warta.example>",
        "sendingAccountId": "123456789012",
        "messageId": MESSAGE_ID,
        "destination": [ADDRESS],
    }
    if headers:
        found["headersTruncated"] = False
        found["headers"] = [
            {"name": "From", "value": "Warta Pemilu <warta@warta.example>"},
            {"name": "List-Unsubscribe", "value": f"<{LINK}>"},
            {"name": "X-Warta-Kind", "value": "alert"},
        ]
    return found


def bounce(bounce_type: str = "Permanent", shape: str = "eventType") -> dict[str, Any]:
    return {
        shape: "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": ADDRESS, "action": "failed", "status": "5.1.1"}],
            "timestamp": "2026-11-28T23:00:03.669Z",
            "feedbackId": FEEDBACK_ID,
        },
        "mail": mail(headers=shape == "eventType"),
    }


def complaint(shape: str = "eventType") -> dict[str, Any]:
    return {
        shape: "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": ADDRESS.upper()}],
            "timestamp": "2026-11-29T01:12:45.000Z",
            "feedbackId": FEEDBACK_ID,
            "complaintFeedbackType": "abuse",
        },
        "mail": mail(headers=shape == "eventType"),
    }


def delivery(shape: str = "eventType") -> dict[str, Any]:
    return {
        shape: "Delivery",
        "delivery": {
            "timestamp": "2026-11-28T23:00:04.000Z",
            "recipients": [ADDRESS],
            "smtpResponse": "250 2.6.0 Message received",
        },
        "mail": mail(),
    }


def envelope(message: Any, kind: str = "Notification") -> str:
    text = message if isinstance(message, str) else json.dumps(message)
    return json.dumps(
        {
            "Type": kind,
            "MessageId": "5f1c2d3e-4a5b-4c6d-8e7f-000000000001",
            "TopicArn": "arn:aws:sns:ap-southeast-3:123456789012:warta-bounces",
            "Message": text,
        }
    )


SHAPES = ["eventType", "notificationType"]
WRAPS = [pytest.param(envelope, id="sns-envelope"), pytest.param(json.dumps, id="raw")]


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("bounce_type", "outcome"),
    [
        ("Permanent", Outcome.HARD_BOUNCE),
        ("Transient", Outcome.SOFT_BOUNCE),
        ("Undetermined", Outcome.SOFT_BOUNCE),
    ],
)
def test_a_bounce_reads_the_same_in_every_shape(
    wrap: Any, shape: str, bounce_type: str, outcome: Outcome
) -> None:
    event = read_mail_event(wrap(bounce(bounce_type, shape)))

    assert event is not None
    assert event.outcome is outcome
    assert (event.event_id, event.message_id, event.recipients) == (
        FEEDBACK_ID,
        MESSAGE_ID,
        (ADDRESS,),
    )
    assert event.key == f"{outcome.value}:{FEEDBACK_ID}"


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_complaint_reads_the_same_in_every_shape_its_address_lower_cased(
    wrap: Any, shape: str
) -> None:
    event = read_mail_event(wrap(complaint(shape)))

    assert event is not None
    assert event.outcome is Outcome.COMPLAINT and event.outcome.stops
    assert event.recipients == (ADDRESS,)
    assert event.key == f"complaint:{FEEDBACK_ID}"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_delivery_is_keyed_by_its_message(shape: str) -> None:
    event = read_mail_event(envelope(delivery(shape)))

    assert event == MailEvent(
        Outcome.DELIVERED,
        event_id=MESSAGE_ID,
        message_id=MESSAGE_ID,
        recipients=(ADDRESS,),
        named=Link("official", "kpu-kediri", "A" * 32),
    )
    assert event.key == f"delivery:{MESSAGE_ID}" and not event.outcome.stops


def test_the_headers_name_the_recipient_when_ses_passes_them_on() -> None:
    with_headers = read_mail_event(envelope(bounce(shape="eventType")))
    without = read_mail_event(envelope(bounce(shape="notificationType")))

    assert with_headers is not None and with_headers.named == Link(
        "official", "kpu-kediri", "A" * 32
    )
    assert without is not None and without.named is None


@pytest.mark.parametrize(
    "value",
    [
        "https://warta.example/unsubscribe?official=a&token=b",  # no angle brackets
        "<https://warta.example/unsubscribe?official=a&subscriber=b&token=c>",  # two recipients
        "<https://warta.example/unsubscribe?token=c>",
        "<" + "x" * 3000 + ">",
        5,
    ],
)
def test_headers_that_name_no_one_clearly_are_only_a_missing_hint(value: Any) -> None:
    document = bounce()
    document["mail"]["headers"] = [{"name": "List-Unsubscribe", "value": value}]

    event = read_mail_event(json.dumps(document))

    assert event is not None and event.named is None


def test_the_sample_events_read_as_a_bounce_a_complaint_and_a_delivery() -> None:
    sample = json.loads((events_dir() / "aws" / "sqs_bounces.json").read_text(encoding="utf-8"))
    events = [read_mail_event(r["body"]) for r in sample["Records"]]

    assert [e.outcome if e else None for e in events] == [
        Outcome.HARD_BOUNCE,
        Outcome.COMPLAINT,
        Outcome.DELIVERED,
    ]
    assert [e.recipients if e else None for e in events] == [
        ("tidak.ada@warga.example",),
        ("keberatan@warga.example",),
        ("sampai@warga.example",),
    ]
    # Event publishing passes the headers on; the identity notification here does not.
    assert [e.named.kind if e and e.named else None for e in events] == [
        "subscriber",
        None,
        "subscriber",
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(envelope({"eventType": "Send", "mail": mail()}), id="send-event"),
        pytest.param(envelope({"eventType": "Open", "mail": mail()}), id="open-event"),
        pytest.param(
            envelope(
                {"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "You have..."}
            ),
            id="ses-subscription-succeeded",
        ),
        pytest.param(
            envelope("Successfully validated SNS topic for Amazon SES event publishing."),
            id="ses-setup-text",
        ),
        pytest.param(envelope(bounce(), kind="SubscriptionConfirmation"), id="sns-confirmation"),
        pytest.param("Successfully validated SNS topic.", id="raw-text"),
        pytest.param(json.dumps([bounce()]), id="a-list"),
        pytest.param(json.dumps({"mail": mail()}), id="no-type"),
    ],
)
def test_what_is_no_bounce_complaint_or_delivery_is_dropped(body: str) -> None:
    assert read_mail_event(body) is None


def _broken(change: Any) -> str:
    document = copy.deepcopy(bounce())
    change(document)
    return envelope(document)


def _set(path: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return change


def _drop(path: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for key in parents:
            node = node[key]
        del node[last]

    return change


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_broken(_drop("bounce")), id="no-bounce-object"),
        pytest.param(_broken(_set("bounce", "Permanent")), id="bounce-not-an-object"),
        pytest.param(_broken(_set("bounce.bounceType", "Soft")), id="unknown-bounce-type"),
        pytest.param(_broken(_set("bounce.bounceType", ["Permanent"])), id="bounce-type-list"),
        pytest.param(_broken(_drop("bounce.feedbackId")), id="no-feedback-id"),
        pytest.param(_broken(_set("bounce.feedbackId", "a#b")), id="feedback-id-with-hash"),
        pytest.param(_broken(_set("bounce.bouncedRecipients", [])), id="no-recipient"),
        pytest.param(_broken(_set("bounce.bouncedRecipients", "x@y.example")), id="not-a-list"),
        pytest.param(
            _broken(_set("bounce.bouncedRecipients", [{"emailAddress": ADDRESS}] * 51)),
            id="too-many-recipients",
        ),
        pytest.param(
            _broken(_set("bounce.bouncedRecipients", [{"address": ADDRESS}])), id="no-address"
        ),
        pytest.param(
            _broken(
                _set("bounce.bouncedRecipients", [{"emailAddress": "a@b.example, c@d.example"}])
            ),
            id="two-addresses",
        ),
        pytest.param(
            _broken(_set("bounce.bouncedRecipients", [{"emailAddress": "a@b.example\r\nBcc: c"}])),
            id="line-break",
        ),
        pytest.param(_broken(_drop("mail")), id="no-mail-object"),
        pytest.param(_broken(_drop("mail.messageId")), id="no-message-id"),
        pytest.param(_broken(_set("notificationType", "Complaint")), id="two-kinds-disagree"),
        pytest.param(
            envelope(complaint() | {"complaint": {"feedbackId": FEEDBACK_ID}}), id="no-complained"
        ),
        pytest.param(envelope(delivery() | {"delivery": {"recipients": [5]}}), id="delivered-to-5"),
    ],
)
def test_a_report_of_the_wrong_shape_is_refused_without_quoting_an_address(body: str) -> None:
    with pytest.raises(BadEvent) as raised:
        read_mail_event(body)

    # (The message may show the form of an address, never one of the event's.)
    assert not [d for d in ("warga.example", "b.example", "d.example") if d in str(raised.value)]
