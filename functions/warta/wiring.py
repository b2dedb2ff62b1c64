"""Builds the services from settings: the only place that picks adapters.

"local" is SQLite plus the outbox folder, or a mail server (WARTA_MAIL=smtp)
for a self-hosted install; the AWS wiring (DynamoDB, SES, SNS)
is built the same way from the same services.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from warta.adapters.clock import SystemClock
from warta.adapters.outbox import OutboxMailer, OutboxNotifier
from warta.adapters.smtp import SmtpMailer
from warta.adapters.sqlite_store import SqliteStore
from warta.core.errors import ConfigError
from warta.core.ports import Clock, Fetcher, Mailer, Notifier, Store
from warta.ingest.http import HttpFetcher
from warta.ingest.parsers import parse
from warta.render import default_renderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.digest import Digest
from warta.services.health import Health
from warta.services.ingest import Ingest
from warta.services.subscriptions import Subscriptions
from warta.settings import Settings


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
    store = SqliteStore(settings.database)
    mailer = build_mailer(settings)
    notifier = OutboxNotifier(settings.outbox / "sms")
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
            fetcher=build_fetcher(settings),
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
    )
