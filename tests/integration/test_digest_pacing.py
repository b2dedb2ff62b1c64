"""A digest of 2,000 subscribers goes out through a throttling SES at each sender's share of
the account's rate, every subscriber once, and no invocation runs past its timeout.

The digest send handler runs as Lambda runs it: one-record SQS events from a queue on
moto, the template's timeout, its senders wired as on AWS (warta.wiring.build_aws_senders:
SES's rate read with GetAccount, shared by the template's digest and alert senders) over
SES and SQS on moto in server mode and a SQLite store. GetAccount, which moto does not
answer, is answered by a botocore hook with a maximum send rate of 14 a second (a new
production account's); another hook answers 30% of the SendEmail calls with SES's
throttling error, from a fixed seed.

Lambda's clock is simulated, so what is checked does not depend on this machine's speed:
each SES call spends CALL_SECONDS of the invocation's time, each pause of the pacer and of
the backoff (both given the simulated sleep) spends what it waits, and the context's
remaining time is the function's timeout less what the invocation has spent. A batch of
1,000 at a sender's share (14 / 4 a second) takes longer than the invocation has, so
batches hand back their rest. The moment of each send SES accepted is recorded: no second
of the run holds more than the sender's share and one more, so the template's senders
together (at most DigestSenders + 2 at once) stay within the account's rate.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests import builders
from tests.doubles import MotoAccount, RecordingQueue
from tests.lambda_sim import (
    Answer,
    LambdaTime,
    Throttle,
    answer,
    deployed,
    drain,
    emailed,
    metric,
)

from warta.adapters.aws import Backoff
from warta.adapters.clock import SystemClock
from warta.adapters.pacing import Timer
from warta.adapters.sqlite_store import SqliteStore
from warta.adapters.sqs import SqsQueue
from warta.config.aws_settings import load_aws_settings
from warta.config.settings import load_settings
from warta.core.model import Subscriber
from warta.handlers import _app, digest_send
from warta.services.alerts import SENDERS as ALERT_SENDERS
from warta.wiring import App, AwsClients, build_aws_senders

pytestmark = pytest.mark.integration

SUBSCRIBERS = 2000
BATCH = 1000
THROTTLED = 0.3
SEED = 20260210
ACCOUNT_RATE = 14.0
EDITION = date(2026, 2, 10)
SENDER = "warta@warta.example"
CALL_SECONDS = 0.05
"""What one SES call spends of an invocation here: less than a sender's pace asks, so the
pace, not the calls, sets the rate."""
MAX_INVOCATIONS = 100


TIMEOUT_S, RECORDS_PER_EVENT, TEMPLATE = deployed("DigestSendFunction", "Batches")
DIGEST_SENDERS = int(TEMPLATE["Parameters"]["DigestSenders"]["Default"])
SHARE = ACCOUNT_RATE / (DIGEST_SENDERS + ALERT_SENDERS)
"""Emails a second one sender keeps to."""


def account_quota(**_: Any) -> tuple[Answer, dict[str, Any]]:
    """SES's GetAccount answer, which moto lacks."""
    return answer(
        200,
        {
            "SendQuota": {
                "Max24HourSend": 50000.0,
                "MaxSendRate": ACCOUNT_RATE,
                "SentLast24Hours": 0.0,
            },
            "ProductionAccessEnabled": True,
        },
    )


@dataclass
class Account:
    moto: MotoAccount
    store: SqliteStore
    app: App
    queue_url: str
    time: LambdaTime
    throttle: Throttle


def subscriber(n: int) -> Subscriber:
    return Subscriber(id=f"sub-{n:05d}", email=f"warga{n:05d}@contoh.example")


@pytest.fixture
def account(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    moto = MotoAccount(moto_url)
    moto.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    queue_url = moto.client("sqs").create_queue(QueueName="warta-digest")["QueueUrl"]
    time = LambdaTime(CALL_SECONDS)
    rng = random.Random(SEED)
    throttle = Throttle(THROTTLED, rng)
    ses = moto.client("sesv2")
    ses.meta.events.register("before-call.sesv2.GetAccount", account_quota)
    ses.meta.events.register("before-call.sesv2.SendEmail", time.spend_on_call)
    ses.meta.events.register("before-call.sesv2.SendEmail", throttle)
    ses.meta.events.register("before-call.sesv2.SendEmail", time.record_send)  # if not throttled
    env = {
        "WARTA_PUBLIC_URL": "https://warta.example",
        "WARTA_SENDER": f"Warta Pemilu <{SENDER}>",
        "WARTA_BATCH_SIZE": str(BATCH),
        "WARTA_TABLE": "warta",
        "WARTA_INGEST_QUEUE_URL": queue_url,
        "WARTA_ALERT_QUEUE_URL": queue_url,
        "WARTA_DIGEST_QUEUE_URL": queue_url,
        "WARTA_SECRET_PARAMETER": "/warta/secret",
        "WARTA_DIGEST_SENDERS": str(DIGEST_SENDERS),
    }
    settings = load_settings(env, cwd=tmp_path, secret=b"s" * 48)
    mailer, notifier = build_aws_senders(
        settings,
        load_aws_settings(env),
        clients=AwsClients(sesv2=ses, sns=moto.client("sns")),
        timer=Timer(now=lambda: time.now, sleep=time.sleep),
        backoff=Backoff(sleep=time.sleep, random=rng.random),
    )
    with SqliteStore(tmp_path / "warta.db") as store:
        app = App(
            settings,
            store=store,
            mailer=mailer,
            notifier=notifier,
            clock=SystemClock(),
            queues=(RecordingQueue(), RecordingQueue(), SqsQueue(queue_url, moto.client("sqs"))),
        )
        monkeypatch.setattr(_app, "current", lambda **_: app)
        yield Account(moto, store, app, queue_url, time, throttle)


def test_a_digest_goes_to_every_subscriber_once_at_the_senders_share_of_the_rate(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    when = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    account.store.put_story(builders.story("st-1", day=EDITION, published_at=when, created_at=when))
    for n in range(SUBSCRIBERS):
        account.store.put_subscriber(subscriber(n))
    assert account.app.fanout.plan_digest(EDITION) == SUBSCRIBERS // BATCH

    run = drain(
        account.moto,
        account.queue_url,
        digest_send.handler,
        account.time,
        timeout=TIMEOUT_S,
        records=RECORDS_PER_EVENT,
        max_invocations=MAX_INVOCATIONS,
    )
    spent, answers = run.spent, run.answers
    output = capsys.readouterr().out

    # Every subscriber once, no one else; every batch recorded done.
    emails = emailed(account.moto)
    assert emails == Counter(subscriber(n).email for n in range(SUBSCRIBERS))
    assert all(a == {"batchItemFailures": []} for a in answers)
    assert metric(output, "DigestsSent") == SUBSCRIBERS
    assert metric(output, "DigestsFailed") == 0
    assert account.app.fanout.unfinished_digests() == []

    # No invocation ran past its timeout, and the batches needed the deadline to keep it.
    assert max(spent) <= TIMEOUT_S
    assert metric(output, "DigestBatchesHandedBack") > 0

    # The throttles were there and none became a failure.
    throttle = account.throttle
    assert throttle.calls == SUBSCRIBERS + throttle.throttled
    assert 0.25 < throttle.throttled / throttle.calls < 0.35

    # The sender kept to its share: no second holds more than the share and one more send,
    # and over the whole run it sent no faster than the share.
    sent = sorted(account.time.sent)
    assert len(sent) == SUBSCRIBERS
    busiest = max(
        sum(1 for t in sent[i : i + math.ceil(SHARE) + 2] if t < start + 1.0)
        for i, start in enumerate(sent)
    )
    assert busiest <= math.floor(SHARE) + 1
    overall = (len(sent) - 1) / (sent[-1] - sent[0])
    assert overall <= SHARE
    print(
        f"\n{SUBSCRIBERS} digests: {len(spent)} invocations, {throttle.calls} SES calls "
        f"({throttle.throttled} throttled), {overall:.2f} a second against a share of "
        f"{SHARE:.2f} ({ACCOUNT_RATE:g} for {DIGEST_SENDERS + ALERT_SENDERS} senders), "
        f"at most {busiest} in any second, longest invocation {max(spent):.1f} s "
        f"of {TIMEOUT_S:.0f} s, {metric(output, 'DigestBatchesHandedBack'):.0f} batches handed back"
    )
