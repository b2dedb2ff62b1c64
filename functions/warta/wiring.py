"""Builds the services from settings: the only place that picks adapters.

"local" is SQLite plus the outbox folder, or a mail server (WARTA_MAIL=smtp)
for a self-hosted install; "aws" is DynamoDB, SES and SNS, plus the SQS
queues its steps hand work to each other through. Both build the same
services the same way. The AWS adapters are imported inside build_aws, so a
local install runs without boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warta.adapters.clock import SystemClock
from warta.adapters.memory_queue import MemoryQueue
from warta.adapters.outbox import OutboxMailer, OutboxNotifier
from warta.adapters.smtp import SmtpMailer
from warta.adapters.sqlite_store import SqliteStore
from warta.config.aws_settings import AwsSettings
from warta.config.settings import Settings
from warta.core.days import jakarta_day
from warta.core.errors import ConfigError
from warta.core.ports import Clock, Fetcher, Mailer, Notifier, Store
from warta.ingest.http import HttpFetcher
from warta.ingest.parsers import parse
from warta.render import default_renderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.cycle import Cycle, LocalQueues
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.fanout import Fanout, Queues
from warta.services.health import Health
from warta.services.ingest import Ingest
from warta.services.subscriptions import Subscriptions


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
    fanout: Fanout
    cycle: Cycle | None = field(default=None)
    """Set by the local wiring only: on AWS each step is its own invocation."""

    @property
    def local_cycle(self) -> Cycle:
        if self.cycle is None:
            raise ConfigError("this wiring runs its steps apart: the one-machine cycle is local")
        return self.cycle

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
    settings.home.mkdir(parents=True, exist_ok=True)
    local = LocalQueues(ingest=MemoryQueue(), alerts=MemoryQueue(), digest=MemoryQueue())
    app = assemble(
        settings,
        store=SqliteStore(settings.database),
        mailer=build_mailer(settings),
        notifier=OutboxNotifier(settings.outbox / "sms"),
        fetcher=build_fetcher(settings),
        clock=clock or SystemClock(),
        queues=Queues(ingest=local.ingest, alerts=local.alerts, digest=local.digest),
    )
    app.cycle = Cycle(
        ingest=app.ingest,
        alerts=app.alerts,
        digest=app.digest,
        health=app.health,
        fanout=app.fanout,
        queues=local,
    )
    return app


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
    queues: Queues,
) -> App:
    """The services over the adapters a wiring chose."""
    renderer = default_renderer()
    delivery = Delivery(
        store=store,
        clock=clock,
        mailer=mailer,
        notifier=notifier,
        lease=settings.send_lease,
        letterhead=Letterhead(
            sender=settings.sender,
            domain=settings.sender_domain,
            public_url=settings.public_url,
            secret=settings.secret,
        ),
    )
    digest = Digest(
        store=store, delivery=delivery, renderer=renderer, batch_size=settings.batch_size
    )
    return App(
        settings=settings,
        store=store,
        mailer=mailer,
        notifier=notifier,
        clock=clock,
        ingest=build_ingest(settings, store=store, fetcher=fetcher, clock=clock),
        alerts=Alerts(store=store, delivery=delivery, renderer=renderer),
        digest=digest,
        health=Health(
            store=store,
            delivery=delivery,
            renderer=renderer,
            clock=clock,
            admin_email=settings.admin_email,
            failing_after=settings.alert_failing_after,
            quiet=settings.quiet_after,
        ),
        subscriptions=Subscriptions(store, settings.secret, clock),
        fanout=Fanout(store=store, clock=clock, queues=queues, digest=digest),
    )


def build_ingest(settings: Settings, *, store: Store, fetcher: Fetcher, clock: Clock) -> Ingest:
    return Ingest(
        store=store,
        fetcher=fetcher,
        parse=parse,
        clock=clock,
        today=jakarta_day,
        story_window=settings.story_window,
        first_run_window=settings.first_run_window,
    )


# -- what the `warta` command asks for ------------------------------------------


def open_store(settings: Settings, *, read_only: bool = False) -> SqliteStore:
    """The local store, to use as a context manager.

    `read_only` is for commands that only look (listing sources, a preview),
    or only change what a run stored (enabling a source): before the first
    run has made the database they get an empty store in memory, so they
    create nothing on disk.
    """
    if read_only and not settings.database.exists():
        return SqliteStore(":memory:")
    return SqliteStore(settings.database)


def build_preview_fetcher(settings: Settings, url: str) -> Fetcher:
    """What a one-off preview reads `url` with: the guarded HTTP client, or a local file.

    Both keep to the same body cap: a saved copy too big for a run is refused
    the same way.
    """
    if url.startswith(("http://", "https://")):
        return build_fetcher(settings)
    from warta.ingest.file_fetcher import FileFetcher

    return FileFetcher(max_body_bytes=settings.max_body_bytes)


def build_clock() -> Clock:
    return SystemClock()
