"""The Lambda handlers, run for real: DynamoDB Local, and moto in server mode for SQS, SES, SNS and SSM.

Each test gets an empty table, empty queues and mailboxes, and sets the
environment a deployed function would see; the handlers build their clients
the way they do on AWS, pointed at the servers on 127.0.0.1 through
AWS_ENDPOINT_URL(_DYNAMODB). Messages move between steps the way SQS would
move them: a test reads a queue and hands what it read to the next handler as
an SQS event.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses import ses_backends
from moto.sns import sns_backends

from warta.adapters.dynamodb_store import DynamoDbStore, create_table
from warta.config.files import events_dir
from warta.config.people import load_people, seed_people
from warta.core.days import jakarta_day
from warta.core.errors import QueueError
from warta.core.model import SubscriberStatus
from warta.core.regions import concerns
from warta.demo.server import SampleServer
from warta.handlers import _app, alerts, digest_plan, digest_send, ingest, schedule, web

pytestmark = pytest.mark.integration

REGION = "ap-southeast-3"
SENDER = "warta@warta.example"
SECRET_PARAMETER = "/warta/test/secret"  # noqa: S105 - a parameter name, not its value
PUBLIC_URL = "https://warta.example"
PEOPLE = events_dir() / "demo" / "people.toml"
EVENTS = events_dir() / "aws"


@dataclass(frozen=True)
class FakeContext:
    """What powertools reads from a LambdaContext."""

    function_name: str = "warta-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:warta-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        """Every invocation starts with its whole time here: 60 s, the template's timeout."""
        return 60_000


CONTEXT = FakeContext()


@pytest.fixture(scope="module")
def feeds() -> Iterator[SampleServer]:
    with SampleServer(events_dir()) as server:
        yield server


class Aws:
    """The emulated account one test runs in, and what the handlers left in it."""

    def __init__(self, moto_url: str, dynamodb: Any, table: str) -> None:
        self.moto_url = moto_url
        self.table = table
        self.store = DynamoDbStore(table, dynamodb)
        self.queues: dict[str, str] = {}
        self._sqs = self.client("sqs")
        self._messages = 0

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
        )

    def drain(self, queue: str) -> dict[str, Any]:
        """Take every message off a queue, as the SQS event Lambda would receive."""
        url = self.queues[queue]
        records = []
        while True:
            got = self._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            messages = got.get("Messages", [])
            if not messages:
                return {"Records": records}
            for message in messages:
                records.append(self.record(queue, message["Body"]))
                self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def record(self, queue: str, body: str) -> dict[str, Any]:
        self._messages += 1
        return {
            "messageId": f"message-{self._messages}",
            "receiptHandle": f"handle-{self._messages}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{queue}",
            "awsRegion": REGION,
        }

    def mail(self, kind: str) -> list[EmailMessage]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        messages = [message_from_bytes(m.raw_data.encode(), policy=policy.default) for m in sent]
        return [m for m in messages if m["X-Warta-Kind"] == kind]

    def sms(self) -> list[str]:
        return [
            phone for phone, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
        ]


@pytest.fixture
def aws(
    moto_url: str,
    dynamodb_local: Any,
    feeds: SampleServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Aws]:
    urlopen(Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).close()
    table = "warta-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:24]
    # DynamoDB Local keeps one database per access key and region: the same as the handlers'.
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local.endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - DynamoDB Local ignores it
    )
    create_table(client, table)
    account = Aws(moto_url, client, table)
    for queue in ("ingest", "alerts", "digest"):
        account.queues[queue] = account.client("sqs").create_queue(QueueName=f"warta-{queue}")[
            "QueueUrl"
        ]
    account.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    account.client("ssm").put_parameter(
        Name=SECRET_PARAMETER, Type="SecureString", Value="s" * 48, Overwrite=True
    )
    text = (events_dir() / "demo" / "sources.toml").read_text(encoding="utf-8")
    sources = tmp_path / "sources.toml"
    sources.write_text(text.replace("{demo}", feeds.base_url), encoding="utf-8")
    seed_people(account.store, PEOPLE, datetime.now(UTC))

    for name in ("AWS_PROFILE", "WARTA_SECRET", "WARTA_ADMIN_EMAIL", "WARTA_MAIL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        # Nothing may pick up real credentials or reach beyond loopback.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local.endpoint,
        "WARTA_TABLE": table,
        "WARTA_INGEST_QUEUE_URL": account.queues["ingest"],
        "WARTA_ALERT_QUEUE_URL": account.queues["alerts"],
        "WARTA_DIGEST_QUEUE_URL": account.queues["digest"],
        "WARTA_SECRET_PARAMETER": SECRET_PARAMETER,
        "WARTA_SOURCES": str(sources),
        "WARTA_PUBLIC_URL": PUBLIC_URL,
        "WARTA_SENDER": f"Warta Pemilu <{SENDER}>",
        "WARTA_HOME": str(tmp_path / "home"),
    }.items():
        monkeypatch.setenv(name, value)
    _app.reset()
    yield account
    _app.reset()


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__}")


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """Every log line of the package, with its structured keys."""
    handler = Recorded()
    logging.getLogger("warta").addHandler(handler)
    yield handler.lines
    logging.getLogger("warta").removeHandler(handler)


def personal_data() -> set[str]:
    subscribers, officials = load_people(PEOPLE, datetime.now(UTC))
    found = {s.email for s in subscribers} | {o.email for o in officials if o.email}
    return found | {o.phone for o in officials if o.phone}


def tick(aws: Aws) -> tuple[dict[str, Any], dict[str, Any]]:
    """One scheduled run: queue the due sources and take them in; returns both handlers' answers."""
    summary = schedule.handler({}, CONTEXT)
    answer = ingest.handler(aws.drain("ingest"), CONTEXT)
    return summary, answer


def today() -> str:
    return jakarta_day(datetime.now(UTC)).isoformat()


def test_schedule_queues_each_due_source_once_and_ingest_takes_them_all(aws: Aws) -> None:
    summary, answer = tick(aws)

    # requeued_alerts: the schedule's sweep for lost alerts finds none on a first run.
    assert summary == {
        "sources": 6,
        "due": 6,
        "requeued_alerts": 0,
        "resumed_digests": [],
        "problems": 0,
    }
    assert answer == {"batchItemFailures": []}
    again = schedule.handler({}, CONTEXT)
    assert again["due"] == 0  # every source was fetched: none is due for a while
    assert aws.drain("ingest") == {"Records": []}


def test_urgent_story_alerts_each_official_once_per_channel(aws: Aws, logged: list[str]) -> None:
    tick(aws)
    event = aws.drain("alerts")
    story_ids = [json.loads(r["body"])["story_id"] for r in event["Records"]]
    assert story_ids and len(set(story_ids)) == len(story_ids)

    # Each story is planned into batches of its officials, on the same queue.
    assert alerts.handler(event, CONTEXT) == {"batchItemFailures": []}
    batches = aws.drain("alerts")
    assert batches["Records"]
    assert all("official_ids" in json.loads(r["body"]) for r in batches["Records"])
    assert alerts.handler(batches, CONTEXT) == {"batchItemFailures": []}
    assert alerts.handler(batches, CONTEXT) == {"batchItemFailures": []}  # a redelivery
    assert aws.drain("alerts") == {"Records": []}  # nothing handed back: time was plenty

    _, officials = load_people(PEOPLE, datetime.now(UTC))
    stories = [aws.store.get_story(s) for s in story_ids]
    expected_mail = sorted(
        o.email
        for s in stories
        for o in officials
        if s and o.email and concerns(s.region, [o.region])
    )
    expected_sms = sorted(
        o.phone
        for s in stories
        for o in officials
        if s and o.phone and concerns(s.region, [o.region])
    )
    assert expected_mail and expected_sms
    assert sorted(str(m["To"]) for m in aws.mail("alert")) == expected_mail
    assert sorted(aws.sms()) == expected_sms
    assert all(aws.store.get_send("alert-done", s, "officials") for s in story_ids)
    assert logged and not [line for line in logged if any(p in line for p in personal_data())]


def test_alerts_the_queue_refused_are_queued_again_by_the_next_schedule(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app.current()

    def refuse(messages: Any) -> None:
        raise QueueError("the alert queue refused the batch")

    with monkeypatch.context() as patch:
        patch.setattr(app.fanout.queues.alerts, "send", refuse)
        _, answer = tick(aws)
    assert answer["batchItemFailures"]  # the sources with urgent stories failed
    assert aws.drain("alerts") == {"Records": []}

    again = schedule.handler({}, CONTEXT)
    event = aws.drain("alerts")

    urgent = [s.id for s in aws.store.stories_of_day(date.fromisoformat(today())) if s.urgent]
    assert urgent and again["requeued_alerts"] == len(urgent)
    assert sorted(json.loads(r["body"])["story_id"] for r in event["Records"]) == sorted(urgent)
    assert schedule.handler({}, CONTEXT)["requeued_alerts"] == 0  # marked once queued


def metric(output: str, name: str) -> float:
    """The sum of one metric over the CloudWatch EMF lines the handlers printed."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return sum(sum(line.get(name, [])) for line in lines)


def test_digest_goes_once_to_each_subscriber(
    aws: Aws, logged: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    tick(aws)

    plan = digest_plan.handler({"day": today()}, CONTEXT)
    event = aws.drain("digest")
    first = digest_send.handler(event, CONTEXT)
    again = digest_send.handler(event, CONTEXT)

    subscribers, _ = load_people(PEOPLE, datetime.now(UTC))
    assert plan == {"day": today(), "batches": 1}
    assert len(event["Records"]) == 1
    assert first == again == {"batchItemFailures": []}
    assert sorted(str(m["To"]) for m in aws.mail("digest")) == sorted(s.email for s in subscribers)
    assert metric(capsys.readouterr().out, "DigestsSent") == len(subscribers)
    assert logged and not [line for line in logged if any(p in line for p in personal_data())]


def test_a_record_redelivered_while_its_claim_is_leased_fails_until_the_lease_ends(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARTA_SEND_LEASE_SECONDS", "2")
    _app.reset()
    tick(aws)
    digest_plan.handler({"day": today()}, CONTEXT)
    event = aws.drain("digest")
    subscribers, _ = load_people(PEOPLE, datetime.now(UTC))
    # An invocation that claimed this reader's digest and died (or still runs).
    held = subscribers[0]
    assert aws.store.claim_send(
        "digest", today(), held.id, now=datetime.now(UTC), lease=timedelta(seconds=2)
    )

    during = digest_send.handler(event, CONTEXT)

    # Held under lease: the record fails, so SQS delivers it again later,
    # and everyone else in the batch has their digest already.
    assert during == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert sorted(str(m["To"]) for m in aws.mail("digest")) == sorted(
        s.email for s in subscribers[1:]
    )

    time.sleep(2.2)  # the lease runs out: the holder is taken for dead
    after = digest_send.handler(event, CONTEXT)

    assert after == {"batchItemFailures": []}
    assert sorted(str(m["To"]) for m in aws.mail("digest")) == sorted(s.email for s in subscribers)
    assert metric(capsys.readouterr().out, "ClaimsTakenOver") == 1


def test_a_failing_record_is_reported_alone(aws: Aws) -> None:
    event = {
        "Records": [
            aws.record("warta-ingest", json.dumps({"source_id": "kpu-ri"})),
            aws.record("warta-ingest", json.dumps({"source_id": "tidak-ada"})),
            aws.record("warta-ingest", json.dumps({"source_id": "bawaslu-ri"})),
        ]
    }

    answer = ingest.handler(event, CONTEXT)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "message-2"}]}
    assert aws.store.get_source_state("kpu-ri") is not None
    assert aws.store.get_source_state("bawaslu-ri") is not None


def function_url_event(sample: str, link: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / sample).read_text(encoding="utf-8"))
    event["rawQueryString"] = urlsplit(link).query
    return event


def test_the_hourly_planning_plans_every_subscriber_once_and_nothing_twice(aws: Aws) -> None:
    first = digest_plan.handler({}, CONTEXT)
    batches = [json.loads(r["body"]) for r in aws.drain("digest")["Records"]]
    again = digest_plan.handler({}, CONTEXT)

    # Each zone and hour has one edition due at any moment (core.slots): every subscriber
    # who wants the digest is in exactly one batch, whatever the hour of the run.
    subscribers, _ = load_people(PEOPLE, datetime.now(UTC))
    wanted = sorted(s.id for s in subscribers if s.digest)
    assert sorted(i for b in batches for i in b["subscriber_ids"]) == wanted
    assert first["batches"] == len(batches) and len(first["slots"]) == len(batches)
    assert first["empty"] == 3 * 24 - len(batches)  # the other zones and hours: nobody
    assert again == {"slots": [], "empty": 0, "batches": 0, "held": []}
    assert aws.drain("digest") == {"Records": []}
    # Rows this version wrote already carry their slot's keys.
    assert digest_plan.handler({"reindex": True}, CONTEXT) == {"indexed": 0}


def test_one_click_from_a_sent_digest_unsubscribes_its_reader(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    tick(aws)
    digest_plan.handler({"day": today()}, CONTEXT)
    digest_send.handler(aws.drain("digest"), CONTEXT)
    # As deployed, the web function is not told its own URL (a circular reference).
    monkeypatch.delenv("WARTA_PUBLIC_URL")
    _app.reset()
    message = next(m for m in aws.mail("digest") if str(m["To"]).startswith("rina."))
    link = str(message["List-Unsubscribe"]).strip("<>")
    subscriber_id = dict(p.split("=", 1) for p in urlsplit(link).query.split("&"))["subscriber"]

    shown = web.handler(function_url_event("url_unsubscribe_get.json", link), CONTEXT)
    still = aws.store.get_subscriber(subscriber_id)
    done = web.handler(function_url_event("url_unsubscribe_post.json", link), CONTEXT)

    assert link.startswith(f"{PUBLIC_URL}/unsubscribe?")
    assert shown["statusCode"] == 200 and "<form" in shown["body"]
    assert still is not None and still.status is SubscriberStatus.ACTIVE
    assert done["statusCode"] == 200
    assert done["headers"]["Cache-Control"] == "no-store"
    gone = aws.store.get_subscriber(subscriber_id)
    assert gone is not None and gone.status is SubscriberStatus.UNSUBSCRIBED


def test_forged_link_is_refused_and_changes_nothing(aws: Aws) -> None:
    subscribers, _ = load_people(PEOPLE, datetime.now(UTC))
    forged = f"{PUBLIC_URL}/unsubscribe?subscriber={subscribers[0].id}&token=palsu"

    answer = web.handler(function_url_event("url_unsubscribe_post.json", forged), CONTEXT)

    assert answer["statusCode"] == 403
    kept = aws.store.get_subscriber(subscribers[0].id)
    assert kept is not None and kept.status is SubscriberStatus.ACTIVE
