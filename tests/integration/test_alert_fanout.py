"""A national clarification reaches 5,000 officials through a throttling SES and SNS, each
official once, and no invocation of the alerts function runs past its timeout.

The alerts handler runs as Lambda runs it: SQS events of as many records as
the template's BatchSize from a queue on moto, with the template's timeout,
its App over SES, SNS and SQS on moto in server mode and a SQLite store. A botocore hook answers 30% of
the SendEmail and Publish calls with the provider's throttling error
(TooManyRequestsException, Throttling), from a fixed seed.

Lambda's clock is simulated, so what is checked does not depend on this
machine's speed: each provider call, throttled or not, spends CALL_SECONDS of
the invocation's time, each backoff wait (adapters.aws.Backoff, whose sleep is
injected) spends what it waits, and the context's remaining time is the
function's timeout less what the invocation has spent. Calls are slower than
the rates batches are sized for (services.alerts.batch_size_for), so a batch
runs short of time and hands back its rest; no invocation may spend more than
its timeout.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from moto.sns import sns_backends
from tests import builders
from tests.doubles import MotoAccount, RecordingQueue
from tests.lambda_sim import LambdaTime, Throttle, deployed, drain, emailed, metric

from warta.adapters.aws import Backoff
from warta.adapters.clock import SystemClock
from warta.adapters.ses import SesMailer
from warta.adapters.sns import SnsNotifier
from warta.adapters.sqlite_store import SqliteStore
from warta.adapters.sqs import SqsQueue
from warta.config.settings import load_settings
from warta.core.model import Official
from warta.handlers import _app, alerts
from warta.services.alerts import ALERTED, ALERTED_RECIPIENT
from warta.wiring import App

pytestmark = pytest.mark.integration

OFFICIALS = 5000
THROTTLED = 0.3
SEED = 20261128


TIMEOUT_S, RECORDS_PER_EVENT, _ = deployed("AlertsFunction", "Alerts")
CALL_SECONDS = 0.25
"""What one provider call spends of an invocation here: more than batches are sized for
(1/7 s an email and 1/10 s an SMS, two senders sharing the account's rates)."""
SENDER = "warta@warta.example"
MAX_INVOCATIONS = 1000
"""Far more than the alert needs (about 100): a loop of failures ends the test instead."""
REGIONS = ("national", "35", "35.71", "31", "32.73", "51.71")


@dataclass
class Account:
    """The moto account of the test, the handler's App in it, and the simulated clock."""

    moto: MotoAccount
    store: SqliteStore
    app: App
    queue_url: str
    time: LambdaTime
    throttles: list[Throttle] = field(default_factory=list)


WITH_PHONE = 5
"""One official in WITH_PHONE also has a number: SNS is throttled and paced like SES, and
every send costs the moto server time, so the texts are a sample, the emails everyone."""


def official(n: int) -> Official:
    return builders.official(
        f"pejabat-{n:04d}",
        REGIONS[n % len(REGIONS)],
        email=f"pejabat{n:04d}@kpu.example",
        phone=f"+62811{n:07d}" if n % WITH_PHONE == 0 else None,
    )


@pytest.fixture
def account(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    moto = MotoAccount(moto_url)
    moto.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    queue_url = moto.client("sqs").create_queue(QueueName="warta-alerts")["QueueUrl"]
    time = LambdaTime(CALL_SECONDS)
    rng = random.Random(SEED)
    ses, sns = moto.client("sesv2"), moto.client("sns")
    throttles = [Throttle(THROTTLED, rng), Throttle(THROTTLED, rng, "Throttling", 400)]
    for client, event, throttle in (
        (ses, "sesv2.SendEmail", throttles[0]),
        (sns, "sns.Publish", throttles[1]),
    ):
        client.meta.events.register(f"before-call.{event}", time.spend_on_call)
        client.meta.events.register(f"before-call.{event}", throttle)
    backoff = Backoff(sleep=time.sleep, random=rng.random)
    settings = load_settings(
        {
            "WARTA_SECRET": "s" * 48,
            "WARTA_PUBLIC_URL": "https://warta.example",
            "WARTA_SENDER": f"Warta Pemilu <{SENDER}>",
        },
        cwd=tmp_path,
    )
    with SqliteStore(tmp_path / "warta.db") as store:
        app = App(
            settings,
            store=store,
            mailer=SesMailer(ses, backoff=backoff),
            notifier=SnsNotifier(sns, backoff=backoff),
            clock=SystemClock(),
            queues=(RecordingQueue(), SqsQueue(queue_url, moto.client("sqs")), RecordingQueue()),
        )
        monkeypatch.setattr(_app, "current", lambda **_: app)
        yield Account(moto, store, app, queue_url, time, throttles)


def test_a_national_clarification_reaches_5000_officials_once_each_within_every_timeout(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    story = builders.story("st-nasional", region="national", urgent=True)
    account.store.put_story(story)
    for n in range(OFFICIALS):
        account.store.put_official(official(n))
    account.app.fanout.queue_alerts([story.id])

    run = drain(
        account.moto,
        account.queue_url,
        alerts.handler,
        account.time,
        timeout=TIMEOUT_S,
        records=RECORDS_PER_EVENT,
        max_invocations=MAX_INVOCATIONS,
    )
    spent, answers = run.spent, run.answers
    output = capsys.readouterr().out

    emails = emailed(account.moto)
    texts = sns_backends[account.moto.account]["ap-southeast-3"].sms_messages.values()
    phones = Counter(phone for phone, _ in texts)
    everyone = [official(n) for n in range(OFFICIALS)]
    assert emails == Counter(o.email for o in everyone)  # every official once, no one else
    assert phones == Counter(o.phone for o in everyone if o.phone)
    assert len(phones) == OFFICIALS // WITH_PHONE
    assert account.store.get_send(ALERTED, story.id, ALERTED_RECIPIENT) is not None

    # No invocation ran past its timeout, and the batches needed the deadline to keep it.
    assert max(spent) <= TIMEOUT_S
    assert metric(output, "AlertBatchesHandedBack") > 0
    # The throttles were there (about 30% of all calls) and none became a failure.
    calls = sum(t.calls for t in account.throttles)
    throttled = sum(t.throttled for t in account.throttles)
    sends = OFFICIALS + OFFICIALS // WITH_PHONE
    assert calls == sends + throttled
    assert 0.25 < throttled / calls < 0.35
    assert all(a == {"batchItemFailures": []} for a in answers)
    assert metric(output, "AlertsFailed") == 0
    assert metric(output, "AlertsSent") == sends
    print(
        f"\n{OFFICIALS} officials: {len(spent)} invocations, {calls} provider calls "
        f"({throttled} throttled), longest invocation {max(spent):.1f} s of {TIMEOUT_S:.0f} s, "
        f"{metric(output, 'AlertBatchesHandedBack'):.0f} batches handed back"
    )
