"""Builds the services from settings: the only place that picks adapters.

"local" is SQLite plus the outbox folder, or a mail server (WARTA_MAIL=smtp)
for a self-hosted install; "aws" is DynamoDB, SES and SNS, plus the SQS
queues its steps hand work to each other through. Both build the same
services the same way. The AWS adapters are imported inside build_aws, so a
local install runs without boto3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from warta.config.aws_settings import AwsSettings
from warta.config.settings import Settings
from warta.core.errors import ConfigError, StoreError
from warta.core.ports import Clock, Fetcher, Mailer, Notifier, Queue, Renderer, Store

if TYPE_CHECKING:
    from warta.adapters.aws import Backoff
    from warta.adapters.pacing import Pacer, Timer
    from warta.services.alerts import Alerts
    from warta.services.correction_mail import CorrectionMail
    from warta.services.cycle import Cycle, LocalQueues
    from warta.services.delivery import Delivery
    from warta.services.digest import Digest
    from warta.services.fanout import Fanout
    from warta.services.feedback import AccountSuppression, Feedback
    from warta.services.health import Health
    from warta.services.ingest import Ingest
    from warta.services.subscriptions import Subscriptions

# Each module below is imported where it is first needed, never at the top: a
# Lambda function imports this module whatever its step, and the web function
# must not load the feed parsers, nor the digest sender the HTML parser.


@dataclass(frozen=True, slots=True)
class AwsClients:
    """boto3 clients to use instead of the defaults (tests, another region or account).

    Any left out is built on first use with bounded retries and timeouts.
    """

    dynamodb: Any = None
    sesv2: Any = None
    sns: Any = None
    sqs: Any = None


class LazyRenderer:
    """The Renderer port over the Jinja2 renderer, made on the first render.

    The schedule's health check renders only when a source has a problem, and
    most of its runs find none: those never load Jinja2 or Babel.
    """

    def __init__(self) -> None:
        self._renderer: Renderer | None = None

    def _get(self) -> Renderer:
        if self._renderer is None:
            from warta.render import default_renderer

            self._renderer = default_renderer()
        return self._renderer

    def render(self, template: str, **context: Any) -> str:
        return self._get().render(template, **context)

    def render_parts(self, template: str, slot: str, **context: Any) -> tuple[str, ...]:
        return self._get().render_parts(template, slot, **context)


class App:
    """The services over the adapters a wiring chose, each built on first use.

    A step uses one or two of them: the web function only `subscriptions`, the
    digest sender only `digest`. What a service needs (the text pipeline, the
    feed parsers, the templates) is imported when the service is first asked for.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        mailer: Mailer,
        notifier: Notifier,
        clock: Clock,
        queues: tuple[Queue, Queue, Queue],
        local: LocalQueues | None = None,
        account_suppression: AccountSuppression | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.mailer = mailer
        self.notifier = notifier
        self.clock = clock
        self._queues = queues
        """The ingest, alert and digest queues, in that order."""
        self._local = local
        """Set by the local wiring only: on AWS each step is its own invocation."""
        self._account_suppression = account_suppression
        """The mail provider's own suppression list (SES's, on AWS); none locally."""

    @cached_property
    def renderer(self) -> Renderer:
        return LazyRenderer()

    @cached_property
    def fetcher(self) -> Fetcher:
        return build_fetcher(self.settings)

    @cached_property
    def delivery(self) -> Delivery:
        from warta.services.compose import Letterhead
        from warta.services.delivery import Delivery

        settings = self.settings
        return Delivery(
            store=self.store,
            clock=self.clock,
            mailer=self.mailer,
            notifier=self.notifier,
            lease=settings.send_lease,
            letterhead=Letterhead(
                sender=settings.sender,
                domain=settings.sender_domain,
                public_url=settings.public_url,
                secret=settings.secret,
            ),
        )

    @cached_property
    def ingest(self) -> Ingest:
        return build_ingest(self.settings, store=self.store, fetcher=self.fetcher, clock=self.clock)

    @cached_property
    def alerts(self) -> Alerts:
        from warta.services.alerts import Alerts

        return Alerts(
            store=self.store,
            delivery=self.delivery,
            renderer=self.renderer,
            batch_size=self.settings.alert_batch,
        )

    @cached_property
    def correction_mail(self) -> CorrectionMail:
        from warta.services.correction_mail import CorrectionMail
        from warta.services.corrections import Corrections

        return CorrectionMail(
            corrections=Corrections(store=self.store),
            delivery=self.delivery,
            renderer=self.renderer,
        )

    @cached_property
    def digest(self) -> Digest:
        from warta.services.corrections import Corrections
        from warta.services.digest import Digest

        return Digest(
            store=self.store,
            delivery=self.delivery,
            renderer=self.renderer,
            corrections=Corrections(store=self.store),
            batch_size=self.settings.batch_size,
        )

    @cached_property
    def health(self) -> Health:
        from warta.services.health import Health

        settings = self.settings
        return Health(
            store=self.store,
            delivery=self.delivery,
            renderer=self.renderer,
            clock=self.clock,
            admin_email=settings.admin_email,
            failing_after=settings.alert_failing_after,
            quiet=settings.quiet_after,
        )

    @cached_property
    def subscriptions(self) -> Subscriptions:
        from warta.services.signup import SignUp
        from warta.services.subscriptions import Subscriptions

        signup = SignUp(
            store=self.store,
            secret=self.settings.secret,
            clock=self.clock,
            delivery=self.delivery,
            renderer=self.renderer,
        )
        return Subscriptions(self.store, self.settings.secret, self.clock, signup=signup)

    @cached_property
    def feedback(self) -> Feedback:
        from warta.services.feedback import Feedback

        return Feedback(
            store=self.store,
            clock=self.clock,
            account=self._account_suppression,
            lease=self.settings.send_lease,
        )

    @cached_property
    def fanout(self) -> Fanout:
        from warta.services.fanout import Fanout, Queues

        ingest, alerts, digest = self._queues
        return Fanout(
            store=self.store,
            clock=self.clock,
            queues=Queues(ingest=ingest, alerts=alerts, digest=digest),
            digest=self.digest,
            alerts=self.alerts,
            corrections=self.correction_mail,
        )

    @cached_property
    def local_cycle(self) -> Cycle:
        if self._local is None:
            raise ConfigError("this wiring runs its steps apart: the one-machine cycle is local")
        from warta.services.cycle import Cycle

        return Cycle(
            ingest=self.ingest,
            alerts=self.alerts,
            digest=self.digest,
            health=self.health,
            fanout=self.fanout,
            queues=self._local,
            corrections=self.correction_mail,
        )

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def build_fetcher(settings: Settings) -> Fetcher:
    from warta.ingest.http import HttpFetcher

    return HttpFetcher(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_budget=settings.fetch_budget,
        max_body_bytes=settings.max_body_bytes,
    )


def build_mailer(settings: Settings) -> Mailer:
    """The local mailer: the outbox folder or the SMTP relay, at WARTA_SEND_RATE when set
    (one machine is one sender)."""
    mailer = _local_mailer(settings)
    if settings.send_rate is None:
        return mailer
    from warta.adapters.pacing import PacedMailer, Pacer

    return PacedMailer(mailer, Pacer(settings.send_rate))


def _local_mailer(settings: Settings) -> Mailer:
    if settings.mail == "smtp":
        smtp = settings.smtp
        if smtp is None:
            raise ConfigError("WARTA_SMTP_HOST is required when WARTA_MAIL=smtp")
        from warta.adapters.smtp import SmtpMailer

        return SmtpMailer(
            smtp.host,
            smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=smtp.password,
            timeout=smtp.timeout,
        )
    from warta.adapters.outbox import OutboxMailer

    return OutboxMailer(settings.outbox)


def build_local(settings: Settings, *, clock: Clock | None = None) -> App:
    from warta.adapters.memory_queue import MemoryQueue
    from warta.adapters.outbox import OutboxNotifier
    from warta.adapters.sqlite_store import SqliteStore
    from warta.services.cycle import LocalQueues

    settings.home.mkdir(parents=True, exist_ok=True)
    local = LocalQueues(ingest=MemoryQueue(), alerts=MemoryQueue(), digest=MemoryQueue())
    return App(
        settings,
        store=SqliteStore(
            settings.database,
            item_retention=settings.item_retention,
            send_retention=settings.send_retention,
        ),
        mailer=build_mailer(settings),
        notifier=_local_notifier(settings, OutboxNotifier(settings.outbox / "sms")),
        clock=clock or build_clock(),
        queues=(local.ingest, local.alerts, local.digest),
        local=local,
    )


def _local_notifier(settings: Settings, notifier: Notifier) -> Notifier:
    if settings.sms_rate is None:
        return notifier
    from warta.adapters.pacing import PacedNotifier, Pacer

    return PacedNotifier(notifier, Pacer(settings.sms_rate))


def build_aws_senders(
    settings: Settings,
    aws_settings: AwsSettings,
    *,
    clients: AwsClients | None = None,
    timer: Timer | None = None,
    backoff: Backoff | None = None,
) -> tuple[Mailer, Notifier]:
    """SES and SNS, each keeping to this sender's share of the account's rate.

    Every invocation of the digest and alert functions may send at once (the
    template caps them: WARTA_DIGEST_SENDERS digest senders, and the alert
    queue's services.alerts.SENDERS), and they share SES's rate equally, so the
    fleet never asks more of it than the account's maximum send rate
    (WARTA_SEND_RATE, else read from SES once per container, else SES's 14 a
    second). SMS come from the alert senders alone, who share SNS's rate
    (WARTA_SMS_RATE, else SNS's default 20 a second). Nothing is asked of SES
    until the first send.
    """
    from warta.adapters import aws
    from warta.adapters.pacing import PacedMailer, PacedNotifier, Pacer
    from warta.adapters.ses import SesMailer
    from warta.adapters.ses_quota import SesQuota
    from warta.adapters.sns import SnsNotifier

    clients = clients or AwsClients()
    quota = SesQuota(clients.sesv2)

    def email_rate() -> float:
        from warta.services.alerts import EMAIL_RATE, SENDERS

        account = settings.send_rate or quota.max_send_rate() or EMAIL_RATE
        return account / (aws_settings.digest_senders + SENDERS)

    def sms_rate() -> float:
        from warta.services.alerts import SENDERS, SMS_RATE

        return (settings.sms_rate or SMS_RATE) / SENDERS

    backoff = backoff or aws.BACKOFF
    emails, texts = Pacer(email_rate, timer=timer), Pacer(sms_rate, timer=timer)
    mailer = SesMailer(
        clients.sesv2,
        configuration_set=aws_settings.ses_configuration_set,
        backoff=_paced(backoff, emails),
    )
    notifier = SnsNotifier(
        clients.sns, sender_id=aws_settings.sms_sender_id, backoff=_paced(backoff, texts)
    )
    return PacedMailer(mailer, emails), PacedNotifier(notifier, texts)


def _paced(backoff: Backoff, pacer: Pacer) -> Backoff:
    """`backoff`, whose every attempt after a throttle also waits for a step of `pacer`:
    each call to the provider keeps the pace, not only the first of a send."""
    from dataclasses import replace

    def sleep(seconds: float) -> None:
        backoff.sleep(seconds)
        pacer.wait()

    return replace(backoff, sleep=sleep)


def build_aws(
    settings: Settings,
    aws_settings: AwsSettings,
    *,
    clients: AwsClients | None = None,
    clock: Clock | None = None,
) -> App:
    """The AWS wiring. Connects to nothing: each client is made or used on first call."""
    from warta.adapters.dynamodb_store import DynamoDbStore
    from warta.adapters.ses_suppression import SesSuppressionList
    from warta.adapters.sqs import SqsQueue

    clients = clients or AwsClients()
    mailer, notifier = build_aws_senders(settings, aws_settings, clients=clients)
    return App(
        settings,
        store=DynamoDbStore(
            aws_settings.table,
            clients.dynamodb,
            item_retention=settings.item_retention,
            send_retention=settings.send_retention,
        ),
        mailer=mailer,
        notifier=notifier,
        clock=clock or build_clock(),
        queues=(
            SqsQueue(aws_settings.ingest_queue_url, clients.sqs),
            SqsQueue(aws_settings.alert_queue_url, clients.sqs),
            SqsQueue(aws_settings.digest_queue_url, clients.sqs),
        ),
        account_suppression=SesSuppressionList(clients.sesv2),
    )


def build_ingest(settings: Settings, *, store: Store, fetcher: Fetcher, clock: Clock) -> Ingest:
    from warta.core.days import jakarta_day
    from warta.ingest.parsers import parse
    from warta.services.ingest import Ingest

    return Ingest(
        store=store,
        fetcher=fetcher,
        parse=parse,
        clock=clock,
        today=jakarta_day,
        story_window=settings.story_window,
        first_run_window=settings.first_run_window,
        item_retention=settings.item_retention,
    )


# -- what the `warta` command asks for ------------------------------------------


@contextmanager
def open_store(settings: Settings, *, read_only: bool = False) -> Iterator[Store]:
    """The store the admin commands work on, as a context manager that closes it.

    The local SQLite file; with WARTA_STORE=dynamodb:TABLE, that DynamoDB
    table (a deployed stack's), reached with boto3's usual credentials and
    region (AWS_ENDPOINT_URL_DYNAMODB points it at another endpoint).

    `read_only` is for commands that only look (listing sources, a preview),
    or only change what a run stored (enabling a source): before the first
    run has made the database they get an empty store in memory, so they
    create nothing on disk.
    """
    table = settings.dynamodb_table
    if table is not None:
        from warta.adapters.dynamodb_store import DynamoDbStore

        try:
            yield DynamoDbStore(table)
        except StoreError as exc:
            # The store names the call and DynamoDB's error code; say where it went.
            raise StoreError(
                f"{exc}; WARTA_STORE names the table {table}, reached with this shell's AWS "
                "credentials and region"
            ) from None
        return
    from warta.adapters.sqlite_store import SqliteStore

    path = ":memory:" if read_only and not settings.database.exists() else settings.database
    with SqliteStore(path) as store:
        yield store


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
    from warta.adapters.clock import SystemClock

    return SystemClock()
