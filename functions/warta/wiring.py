"""Builds the services from settings: the only place that picks adapters.

"local" is SQLite plus the outbox folder, or a mail server (WARTA_MAIL=smtp)
for a self-hosted install; "aws" is DynamoDB, SES and SNS, plus the SQS
queues its steps hand work to each other through. Both build the same
services the same way. The AWS adapters are imported inside build_aws, so a
local install runs without boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from warta.adapters.clock import SystemClock
from warta.adapters.outbox import OutboxMailer, OutboxNotifier
from warta.adapters.smtp import SmtpMailer
from warta.adapters.sqlite_store import SqliteStore
from warta.config.aws import AwsSettings
from warta.config.settings import Settings
from warta.core.errors import ConfigError
from warta.core.ports import Clock, Fetcher, Mailer, Notifier, Queue, Store
from warta.ingest.http import HttpFetcher
from warta.ingest.parsers import parse
from warta.render import default_renderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.digest import Digest
from warta.services.health import Health
from warta.services.ingest import Ingest
from warta.services.subscriptions import Subscriptions


@dataclass(frozen=True, slots=True)
class Queues:
    """Where each AWS step hands on its work: one message per unit of fan-out."""

    ingest: Queue
    """{"source_id": ...}: one due source to fetch."""
    alerts: Queue
    """{"story_id": ...}: one urgent story to alert officials about."""
    digest: Queue
    """{"day": "YYYY-MM-DD", "number": n, "subscriber_ids": [...]}: one digest batch."""


@dataclass(frozen=True, slots=True)
class AwsClients:
    """boto3 clients to use instead of the defaults (tests, another region or account).

    Any left out is built on first use with bounded retries and timeouts.
    """

    dynamodb: Any = None
    sesv2: Any = None
    sns: Any = None
    sqs: Any = None


@dataclass(slots=True)
class App:
    settings: Settings
    store: Store
    mailer: Mailer
    notifier: Notifier
    clock: Clock
    ingest: Ingest
    alerts: Alerts
    digest: Digest
    health: Health
    subscriptions: Subscriptions
    queues: Queues | None = field(default=None)
    """Set by the AWS wiring only: a local cycle runs its steps in one process."""

    @property
    def fanout(self) -> Queues:
        if self.queues is None:
            raise ConfigError("this wiring has no queues: the AWS steps need build_aws")
        return self.queues

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def build_fetcher(settings: Settings) -> Fetcher:
    return HttpFetcher(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_budget=settings.fetch_budget,
        max_body_bytes=settings.max_body_bytes,
    )


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail == "smtp":
        smtp = settings.smtp
        if smtp is None:
            raise ConfigError("WARTA_SMTP_HOST is required when WARTA_MAIL=smtp")
        return SmtpMailer(
            smtp.host,
            smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=smtp.password,
            timeout=smtp.timeout,
        )
    return OutboxMailer(settings.outbox)


def build_local(settings: Settings, *, clock: Clock | None = None) -> App:
    clock = clock or SystemClock()
    settings.home.mkdir(parents=True, exist_ok=True)
    return assemble(
        settings,
        store=SqliteStore(settings.database),
        mailer=build_mailer(settings),
        notifier=OutboxNotifier(settings.outbox / "sms"),
        fetcher=build_fetcher(settings),
        clock=clock,
    )


def build_aws(
    settings: Settings,
    aws_settings: AwsSettings,
    *,
    clients: AwsClients | None = None,
    clock: Clock | None = None,
) -> App:
    """The AWS wiring. Connects to nothing: each client is made or used on first call."""
    from warta.adapters.dynamodb_store import DynamoDbStore
    from warta.adapters.ses import SesMailer
    from warta.adapters.sns import SnsNotifier
    from warta.adapters.sqs import SqsQueue

    clients = clients or AwsClients()
    return assemble(
        settings,
        store=DynamoDbStore(aws_settings.table, clients.dynamodb),
        mailer=SesMailer(clients.sesv2, configuration_set=aws_settings.ses_configuration_set),
        notifier=SnsNotifier(clients.sns, sender_id=aws_settings.sms_sender_id),
        fetcher=build_fetcher(settings),
        clock=clock or SystemClock(),
        queues=Queues(
            ingest=SqsQueue(aws_settings.ingest_queue_url, clients.sqs),
            alerts=SqsQueue(aws_settings.alert_queue_url, clients.sqs),
            digest=SqsQueue(aws_settings.digest_queue_url, clients.sqs),
        ),
    )


def assemble(
    settings: Settings,
    *,
    store: Store,
    mailer: Mailer,
    notifier: Notifier,
    fetcher: Fetcher,
    clock: Clock,
    queues: Queues | None = None,
) -> App:
    """The services over the adapters a wiring chose."""
    renderer = default_renderer()
    letterhead = Letterhead(
        sender=settings.sender,
        domain=settings.sender_domain,
        public_url=settings.public_url,
        secret=settings.secret,
    )
    return App(
        settings=settings,
        store=store,
        mailer=mailer,
        notifier=notifier,
        clock=clock,
        ingest=Ingest(
            store=store,
            fetcher=fetcher,
            parse=parse,
            clock=clock,
            today=partial(Settings.today, settings),
            story_window=settings.story_window,
            first_run_window=settings.first_run_window,
        ),
        alerts=Alerts(
            store=store,
            mailer=mailer,
            notifier=notifier,
            renderer=renderer,
            clock=clock,
            letterhead=letterhead,
        ),
        digest=Digest(
            store=store,
            mailer=mailer,
            renderer=renderer,
            clock=clock,
            letterhead=letterhead,
            batch_size=settings.batch_size,
        ),
        health=Health(
            store=store,
            mailer=mailer,
            renderer=renderer,
            clock=clock,
            letterhead=letterhead,
            admin_email=settings.admin_email,
            failing_after=settings.alert_failing_after,
            quiet=settings.quiet_after,
        ),
        subscriptions=Subscriptions(store, settings.secret, clock),
        queues=queues,
    )
