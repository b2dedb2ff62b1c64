"""SES's bounces and complaints, through SNS and SQS to the bounces handler, then the next digest.

The account is the one tests/integration/test_handlers.py sets up (DynamoDB Local for
the store, moto in server mode for SES, SNS, SQS and SSM, the demo's sources and
people). A test publishes SES's event JSON to an SNS topic in moto as SES would,
reads what SNS delivered to the subscribed SQS queue, and hands it to the handler
as Lambda would; then it runs the digest the way the daily schedule does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from tests.integration import test_handlers as handlers_suite
from tests.integration.test_handlers import (
    CONTEXT,
    PEOPLE,
    Aws,
    metric,
    personal_data,
    tick,
    today,
)

from warta.config.people import load_people
from warta.core.identity import subscriber_id
from warta.core.model import SubscriberStatus
from warta.handlers import _app, alerts, bounces, digest_plan, digest_send

pytestmark = pytest.mark.integration

# The account of the handler tests, and their log recorder, as fixtures of this module too.
aws = handlers_suite.aws
feeds = handlers_suite.feeds
logged = handlers_suite.logged

RINA = "rina.wulandari@warga.example"
BUDI = "budi.santoso@warga.example"
SITI = "siti.aminah@warga.example"
CONFIGURATION_SET = "warta-mail"


@pytest.fixture
def topic(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The stack's bounce topic and queue: SNS hands each event to SQS in its envelope.

    Every send names the stack's configuration set, as on AWS.
    """
    sns, sqs = aws.client("sns"), aws.client("sqs")
    url = sqs.create_queue(QueueName="warta-bounces")["QueueUrl"]
    aws.queues["bounces"] = url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic_arn = sns.create_topic(Name="warta-bounces")["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    aws.client("sesv2").create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)
    monkeypatch.setenv("WARTA_SES_CONFIGURATION_SET", CONFIGURATION_SET)
    _app.reset()
    yield topic_arn
    _app.reset()


_numbers = iter(range(1, 1000))


def ses_id() -> str:
    return f"0100019ad1e2f3a4-{next(_numbers):08d}-2222-4333-8444-555555555555-000000"


def mail(address: str, headers: list[dict[str, str]] | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(),
        "source": "Warta Pemilu <warta@warta.example>",
        "messageId": ses_id(),
        "destination": [address],
    }
    if headers is not None:
        found |= {"headersTruncated": False, "headers": headers}
    return found


def digest_headers(address: str) -> list[dict[str, str]]:
    link = f"https://warta.example/unsubscribe?subscriber={subscriber_id(address)}&token={'A' * 32}"
    return [
        {"name": "To", "value": address},
        {"name": "List-Unsubscribe", "value": f"<{link}>"},
        {"name": "X-Warta-Kind", "value": "digest"},
    ]


def permanent_bounce(
    address: str, shape: str, headers: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """SES's Bounce record; event publishing (eventType) always passes the headers on."""
    if shape == "eventType" and headers is None:
        headers = digest_headers(address)
    return {
        shape: "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": datetime.now(UTC).isoformat(),
            "feedbackId": ses_id(),
            "reportingMTA": "dsn; mx.warga.example",
        },
        "mail": mail(address, headers),
    }


def complaint(address: str, shape: str) -> dict[str, Any]:
    return {
        shape: "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": address}],
            "timestamp": datetime.now(UTC).isoformat(),
            "feedbackId": ses_id(),
            "complaintFeedbackType": "abuse",
            "userAgent": "ExampleMail/1.0",
        },
        "mail": mail(address, digest_headers(address) if shape == "eventType" else None),
    }


def publish(aws: Aws, topic: str, *messages: Any) -> dict[str, Any]:
    """Publish each message to the topic as SES would; the SQS event SNS's deliveries make."""
    sns = aws.client("sns")
    for message in messages:
        sns.publish(
            TopicArn=topic, Message=message if isinstance(message, str) else json.dumps(message)
        )
    event = aws.drain("bounces")
    assert len(event["Records"]) == len(messages)
    return event


def status(aws: Aws, address: str) -> tuple[SubscriberStatus, str | None]:
    found = aws.store.get_subscriber(subscriber_id(address))
    assert found is not None
    return found.status, found.suppressed_reason


@pytest.mark.parametrize(
    ("bounce_shape", "complaint_shape"),
    [("eventType", "notificationType"), ("notificationType", "eventType")],
)
def test_a_permanent_bounce_and_a_complaint_suppress_and_the_next_digest_skips_them(
    aws: Aws,
    topic: str,
    logged: list[str],
    capsys: pytest.CaptureFixture[str],
    bounce_shape: str,
    complaint_shape: str,
) -> None:
    tick(aws)
    event = publish(
        aws, topic, permanent_bounce(RINA, bounce_shape), complaint(BUDI, complaint_shape)
    )
    # The queue holds SNS's envelope, the event's JSON as its Message.
    assert all(json.loads(r["body"])["Type"] == "Notification" for r in event["Records"])

    answer = bounces.handler(event, CONTEXT)
    again = bounces.handler(event, CONTEXT)  # SQS may deliver a record twice

    assert answer == again == {"batchItemFailures": []}
    assert status(aws, RINA) == (SubscriberStatus.SUPPRESSED, "bounce")
    assert status(aws, BUDI) == (SubscriberStatus.SUPPRESSED, "complaint")
    assert status(aws, SITI) == (SubscriberStatus.ACTIVE, None)

    plan = digest_plan.handler({"day": today()}, CONTEXT)
    sent = digest_send.handler(aws.drain("digest"), CONTEXT)

    assert plan["batches"] == 1 and sent == {"batchItemFailures": []}
    # The unaffected subscriber still has theirs; the two suppressed get nothing.
    assert [str(m["To"]) for m in aws.mail("digest")] == [SITI]
    output = capsys.readouterr().out
    assert metric(output, "AddressesSuppressed") == 2
    # moto has no SES account suppression list: the call is refused, the store's
    # suppression stands, and the records still succeed.
    assert metric(output, "AccountSuppressionRefused") == 2
    assert logged and not [line for line in logged if any(p in line for p in personal_data())]


def _headers(message: EmailMessage) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in message.items()]


def test_an_officials_bounced_alert_stops_their_email_and_keeps_their_sms(
    aws: Aws, topic: str
) -> None:
    tick(aws)
    # Each urgent story is planned into batches of officials, queued again, then sent.
    work = aws.drain("alerts")
    while work["Records"]:
        alerts.handler(work, CONTEXT)
        work = aws.drain("alerts")
    _, officials = load_people(PEOPLE, datetime.now(UTC))
    humas = next(o for o in officials if o.id == "kpu-kota-kediri-humas")
    assert humas.email and humas.phone
    sent = next(m for m in aws.mail("alert") if str(m["To"]) == humas.email)
    # Event publishing passes the alert's own headers on: its unsubscribe link names
    # the official, so no other official is looked at.
    bounce = permanent_bounce(humas.email, "eventType", _headers(sent))

    answer = bounces.handler(publish(aws, topic, bounce), CONTEXT)

    assert answer == {"batchItemFailures": []}
    after = aws.store.get_official(humas.id)
    assert after is not None and after.active
    assert (after.email, after.phone) == (None, humas.phone)
    others = [aws.store.get_official(o.id) for o in officials if o.id != humas.id]
    assert [o.email for o in others if o] == [o.email for o in officials if o.id != humas.id]


def test_a_bad_report_fails_alone_and_set_up_messages_are_dropped(
    aws: Aws, topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = permanent_bounce(RINA, "eventType")
    del broken["bounce"]["bouncedRecipients"]
    event = publish(
        aws,
        topic,
        broken,
        "Successfully validated SNS topic for Amazon SES event publishing.",
        complaint(BUDI, "notificationType"),
    )

    answer = bounces.handler(event, CONTEXT)

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert status(aws, RINA) == (SubscriberStatus.ACTIVE, None)
    assert status(aws, BUDI) == (SubscriberStatus.SUPPRESSED, "complaint")
    assert metric(capsys.readouterr().out, "MailFeedbackIgnored") == 1


def test_no_address_of_a_report_reaches_a_log_line(
    aws: Aws, topic: str, logged: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = complaint(SITI, "eventType")
    broken["complaint"]["complainedRecipients"] = [{"emailAddress": f"{SITI}, {RINA}"}]
    event = publish(aws, topic, permanent_bounce(RINA, "eventType"), broken)

    bounces.handler(event, CONTEXT)

    # Both the package's log records (with their keys) and what the handler printed.
    text = capsys.readouterr().out + "\n".join(logged)
    assert "record failed" in text and subscriber_id(RINA) in text
    assert "warga.example" not in text
