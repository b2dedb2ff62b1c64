"""One validated settings object, read once at start.

Every option has a default that suits one machine, and an environment
variable (WARTA_*) an admin sets to override it. A wrong value fails at start
with the variable's name, never later at the first send.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from warta.config.files import default_sources_file
from warta.config.secret import MIN_SECRET_LENGTH, local_secret
from warta.core.errors import ConfigError
from warta.core.model import ITEM_RETENTION, MIN_RETENTION, SEND_RETENTION
from warta.core.validate import (
    check_mailbox,
    check_number,
    has_control,
    is_host,
    printable,
    shown,
    url_problem,
    without_userinfo,
)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

MAX_SECONDS = 3600.0
"""Upper bound of every time limit (fetch timeouts and budget, SMTP timeout)."""
MAX_BATCH_SIZE = 10_000
MAX_ALERT_BATCH = 1000
"""Officials per alert batch at most: a batch message names each by id (up to 64
characters), and 1,000 of them fit an SQS message (256 KiB) with room to spare."""
MAX_BODY_BYTES = 100 * 1024 * 1024
MAX_RATE = 100_000.0
"""Sends a second at most (WARTA_SEND_RATE, WARTA_SMS_RATE): beyond any provider's quota."""
MAX_PROXIES = 5
MAX_DAYS = 365
MAX_HOURS = 24 * 365

SmtpSecurity = Literal["starttls", "tls", "none"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The mail server of a self-hosted install (WARTA_MAIL=smtp)."""

    host: str
    port: int = 587
    security: SmtpSecurity = "starttls"
    """starttls (port 587), tls (implicit TLS, port 465) or none (loopback only)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    """Never logged: kept out of repr, so out of tracebacks and log lines."""
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    """Local state: the SQLite database and the signing secret."""
    outbox: Path
    """Where the outbox mailer writes messages."""
    sources_file: Path
    public_url: str
    """Base of links in messages (unsubscribe); https in production."""
    sender: str
    """From: of every message, as 'Name <address>'."""
    secret: bytes = field(repr=False)
    """Signs unsubscribe links. Never logged, never committed."""
    batch_size: int = 100
    """Recipients per digest batch: one unit of fan-out."""
    alert_batch: int | None = None
    """Officials per alert batch; None to size batches to the function's timeout and the
    account's send rates (services.alerts.batch_size_for)."""
    story_window: timedelta = timedelta(days=3)
    """How long a story stays open for other sources to join it."""
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    fetch_budget: float = 30.0
    max_body_bytes: int = 5 * 1024 * 1024
    admin_email: str | None = None
    """Where source health messages go; without it they are only printed and logged."""
    alert_failing_after: timedelta = timedelta(hours=24)
    """How long a source fails before admins are told."""
    quiet_after: timedelta = timedelta(days=7)
    """How long without a new item before a source counts as quiet (see policy.quiet_after)."""
    first_run_window: timedelta = timedelta(hours=48)
    send_lease: timedelta = timedelta(minutes=5)
    item_retention: timedelta = ITEM_RETENTION
    """How long seen items are remembered (WARTA_ITEM_RETENTION_DAYS, at least 7)."""
    send_retention: timedelta = SEND_RETENTION
    """How long sent-ledger rows are kept (WARTA_LEDGER_RETENTION_DAYS, at least 7)."""
    """How long a claim on one message holds: a sender that has not finished by then is
    taken for dead, and a later run or a redelivered record sends in its place."""
    """On a source's first run, only items this recent make stories and alerts."""
    mail: Literal["outbox", "smtp"] = "outbox"
    """Which mailer the local wiring builds."""
    smtp: SmtpSettings | None = None
    """Set exactly when mail is "smtp"."""
    trusted_proxies: int = 0
    """Reverse proxies in front of `warta serve` whose X-Forwarded-For names the client
    (WARTA_TRUSTED_PROXIES): the sign-up limits count requests per client network."""
    send_rate: float | None = None
    """Emails a second the mail provider takes from all of Warta's senders together
    (WARTA_SEND_RATE); None: the SES account's maximum send rate on AWS, no limit locally."""
    sms_rate: float | None = None
    """SMS a second the SMS provider takes from all of Warta's senders together
    (WARTA_SMS_RATE); None: SNS's default (20) on AWS, no limit locally."""
    dynamodb_table: str | None = None
    """WARTA_STORE=dynamodb:TABLE: the admin commands (people, sources, the sent ledger) work
    on that DynamoDB table, a deployed stack's, instead of the local SQLite file."""

    @property
    def database(self) -> Path:
        return self.home / "warta.db"

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    maximum: float,
    whole: bool,
    minimum: float = 1,
    above_minimum: bool = False,
) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    text = raw.strip()
    kind = "a whole number" if whole else "a number"
    if not text.isascii():
        raise ConfigError(f"{name} must be {kind}, not {shown(raw)}")
    try:
        value: float = int(text) if whole else float(text)
    except ValueError:
        raise ConfigError(f"{name} must be {kind}, not {shown(raw)}") from None
    return check_number(
        value, name, minimum=minimum, maximum=maximum, whole=whole, above_minimum=above_minimum
    )


def _whole(env: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum`."""
    return int(_number(env, name, default, maximum=maximum, whole=True))


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A time limit: more than 0 seconds, at most an hour."""
    return _number(
        env, name, default, maximum=MAX_SECONDS, whole=False, minimum=0, above_minimum=True
    )


def _rate(env: Mapping[str, str], name: str) -> float | None:
    """A send rate: more than 0 a second, at most MAX_RATE; None when unset."""
    if env.get(name) is None:
        return None
    return _number(env, name, 0.0, maximum=MAX_RATE, whole=False, minimum=0, above_minimum=True)


def _public_url(raw: str) -> str:
    problem = url_problem(raw)
    if problem is None and ("?" in raw or "#" in raw):
        # Links are made by appending a path and a query: the base can hold neither.
        problem = "must not have a query (?) or a fragment (#)"
    if problem is not None:
        raise ConfigError(f"WARTA_PUBLIC_URL {problem}, not {shown(without_userinfo(raw))}")
    parts = urlsplit(raw)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        # Mail clients only honour one-click unsubscribe over HTTPS.
        raise ConfigError("WARTA_PUBLIC_URL must use https unless it points at this machine")
    return raw.rstrip("/")


def _sender(raw: str) -> str:
    return str(check_mailbox(raw, "WARTA_SENDER"))


def _admin_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    # The value itself stays out of every message: addresses are never printed.
    return check_mailbox(raw, "WARTA_ADMIN_EMAIL").addr_spec


def _retention(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    days = _whole(env, name, default.days, MAX_DAYS)
    if timedelta(days=days) < MIN_RETENTION:
        # Shorter would drop ledger rows that a retry or sweep still reads, and
        # items a source still lists: messages and stories would come twice.
        raise ConfigError(f"{name} must be at least {MIN_RETENTION.days} days")
    return timedelta(days=days)


def _secret(env: Mapping[str, str]) -> bytes | None:
    """WARTA_SECRET when it is set; its value never appears in a message.

    Its length is counted without surrounding blanks, but the key is the value as
    set, so that links signed before stay valid.
    """
    raw = env.get("WARTA_SECRET")
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        raise ConfigError("WARTA_SECRET is set but blank; unset it to use the secret file")
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"WARTA_SECRET must be at least {MIN_SECRET_LENGTH} characters")
    return raw.encode()


def _check_keys(secret: bytes) -> None:
    """Each key of the signing secret (one a line, the current first) long enough, and
    each with an id of its own; no key's value appears in a message."""
    from warta.core.links import keyring

    try:
        keys = keyring(secret).keys
    except ValueError:
        raise ConfigError("the signing secret is empty") from None
    for number, (_, key) in enumerate(keys, start=1):
        if len(key.strip()) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"key {number} of the signing secret (line {number}) must be at least"
                f" {MIN_SECRET_LENGTH} characters"
            )
    if len({kid for kid, _ in keys}) != len(keys):
        raise ConfigError("the signing secret holds the same key twice, or two keys with one id")


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.strip():
        raise ConfigError(f"{name} is set but blank")
    return Path(raw)


def _writable_folder(path: Path, name: str) -> None:
    """`path` is a folder Warta can write in, or can be made as one; else ConfigError."""
    shown_path = printable(str(path))
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"{name} {shown_path} is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ConfigError(f"{name} {shown_path} is not writable")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"{name} {shown_path} cannot be made: {printable(str(parent))} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{name} {shown_path} cannot be made: {printable(str(parent))} is not writable"
        )


DYNAMODB_TABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}", re.ASCII)
"""What DynamoDB accepts as a table name."""


def _store(env: Mapping[str, str]) -> str | None:
    """WARTA_STORE: `sqlite` (the local file; the default) or `dynamodb:TABLE`; the table name."""
    raw = env.get("WARTA_STORE", "sqlite").strip()
    if raw == "sqlite":
        return None
    kind, sep, table = raw.partition(":")
    if kind == "dynamodb" and sep and DYNAMODB_TABLE_NAME.fullmatch(table):
        return table
    raise ConfigError(
        "WARTA_STORE must be sqlite or dynamodb:TABLE (a DynamoDB table name: 3 to 255 "
        f"letters, digits, '_', '-' and '.'), not {shown(raw)}"
    )


_MAILERS: dict[str, Literal["outbox", "smtp"]] = {"outbox": "outbox", "smtp": "smtp"}
_SMTP_SECURITY: dict[str, SmtpSecurity] = {"starttls": "starttls", "tls": "tls", "none": "none"}


def _mail(env: Mapping[str, str]) -> Literal["outbox", "smtp"]:
    raw = env.get("WARTA_MAIL", "outbox")
    mail = _MAILERS.get(raw)
    if mail is None:
        raise ConfigError(f"WARTA_MAIL must be outbox or smtp, not {raw!r}")
    return mail


def _smtp(env: Mapping[str, str], mail: str) -> SmtpSettings | None:
    if mail != "smtp":
        # An admin who set a mail server expects mail to go through it, not into a folder.
        stray = sorted(name for name in env if name.startswith("WARTA_SMTP_"))
        if stray:
            raise ConfigError(f"{stray[0]} is set but WARTA_MAIL is not smtp")
        return None
    raw_host = env.get("WARTA_SMTP_HOST", "")
    host = raw_host.strip()
    if not host:
        raise ConfigError("WARTA_SMTP_HOST is required when WARTA_MAIL=smtp")
    if has_control(raw_host) or not is_host(host):
        raise ConfigError(
            f"WARTA_SMTP_HOST must be a host name or an IP address, not {shown(raw_host)}"
        )
    port = _whole(env, "WARTA_SMTP_PORT", 587, 65535)
    raw_security = env.get("WARTA_SMTP_SECURITY", "starttls")
    security = _SMTP_SECURITY.get(raw_security)
    if security is None:
        raise ConfigError(
            f"WARTA_SMTP_SECURITY must be starttls, tls or none, not {raw_security!r}"
        )
    if security == "none" and host not in LOOPBACK_HOSTS:
        # Credentials and subscribers' mail must never cross a network in clear.
        raise ConfigError(
            "WARTA_SMTP_SECURITY=none is only allowed when WARTA_SMTP_HOST is this machine "
            "(127.0.0.1, localhost, ::1)"
        )
    username = env.get("WARTA_SMTP_USER") or None
    password = env.get("WARTA_SMTP_PASSWORD") or None
    if username and not password:
        raise ConfigError("WARTA_SMTP_PASSWORD is required when WARTA_SMTP_USER is set")
    if password and not username:
        raise ConfigError("WARTA_SMTP_USER is required when WARTA_SMTP_PASSWORD is set")
    # Both go into the SMTP dialogue: a line break there would be a command of its own.
    if username and has_control(username):
        raise ConfigError("WARTA_SMTP_USER must not contain control characters or line breaks")
    if password and has_control(password):
        raise ConfigError("WARTA_SMTP_PASSWORD must not contain control characters or line breaks")
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        timeout=_seconds(env, "WARTA_SMTP_TIMEOUT", 30.0),
    )


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    secret: bytes | None = None,
) -> Settings:
    """Settings from the environment, with local defaults relative to `cwd`.

    `secret` is the signing secret when it comes from elsewhere (on AWS, from
    SSM): then neither WARTA_SECRET nor a local secret file is looked at, and
    WARTA_HOME and WARTA_OUTBOX, which only a local install uses, are not
    checked. Every value is checked before anything is written: a wrong one
    leaves no secret file and no folder behind.
    """
    env = os.environ if env is None else env
    base = cwd or Path.cwd()
    home = _path(env, "WARTA_HOME", base / ".warta")
    outbox = _path(env, "WARTA_OUTBOX", base / "outbox")
    sources_file = _path(env, "WARTA_SOURCES", default_sources_file())
    secret_setting = _secret(env)
    mail = _mail(env)
    smtp = _smtp(env, mail)
    dynamodb_table = _store(env)
    public_url = _public_url(env.get("WARTA_PUBLIC_URL", "http://127.0.0.1:8025"))
    sender = _sender(env.get("WARTA_SENDER", "Warta Pemilu <warta@localhost>"))
    admin_email = _admin_email(env.get("WARTA_ADMIN_EMAIL"))
    batch_size = _whole(env, "WARTA_BATCH_SIZE", 100, MAX_BATCH_SIZE)
    # Unset (0 here), alert batches are sized to the function that sends them.
    alert_batch = _whole(env, "WARTA_ALERT_BATCH", 0, MAX_ALERT_BATCH) or None
    story_days = _whole(env, "WARTA_STORY_WINDOW_DAYS", 3, MAX_DAYS)
    connect_timeout = _seconds(env, "WARTA_CONNECT_TIMEOUT", 5.0)
    read_timeout = _seconds(env, "WARTA_READ_TIMEOUT", 10.0)
    fetch_budget = _seconds(env, "WARTA_FETCH_BUDGET", 30.0)
    max_body_bytes = _whole(env, "WARTA_MAX_BODY_BYTES", 5 * 1024 * 1024, MAX_BODY_BYTES)
    failing_hours = _whole(env, "WARTA_ALERT_FAILING_HOURS", 24, MAX_HOURS)
    quiet_days = _whole(env, "WARTA_QUIET_DAYS", 7, MAX_DAYS)
    first_run_hours = _whole(env, "WARTA_FIRST_RUN_HOURS", 48, MAX_HOURS)
    send_lease = _seconds(env, "WARTA_SEND_LEASE_SECONDS", 300.0)
    item_retention = _retention(env, "WARTA_ITEM_RETENTION_DAYS", ITEM_RETENTION)
    send_retention = _retention(env, "WARTA_LEDGER_RETENTION_DAYS", SEND_RETENTION)
    trusted_proxies = int(
        _number(env, "WARTA_TRUSTED_PROXIES", 0, maximum=MAX_PROXIES, whole=True, minimum=0)
    )
    send_rate = _rate(env, "WARTA_SEND_RATE")
    sms_rate = _rate(env, "WARTA_SMS_RATE")
    if secret is not None or secret_setting is not None:
        _check_keys(secret or secret_setting or b"")
    if secret is None:
        _writable_folder(home, "WARTA_HOME")
        _writable_folder(outbox, "WARTA_OUTBOX")
        # The one write of loading settings, made last: the secret file on a first run.
        secret = secret_setting or local_secret(home)
        _check_keys(secret)  # a secret file of several keys, one a line
    return Settings(
        home=home,
        outbox=outbox,
        sources_file=sources_file,
        public_url=public_url,
        sender=sender,
        secret=secret,
        batch_size=batch_size,
        alert_batch=alert_batch,
        story_window=timedelta(days=story_days),
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        fetch_budget=fetch_budget,
        max_body_bytes=max_body_bytes,
        admin_email=admin_email,
        alert_failing_after=timedelta(hours=failing_hours),
        quiet_after=timedelta(days=quiet_days),
        first_run_window=timedelta(hours=first_run_hours),
        send_lease=timedelta(seconds=send_lease),
        item_retention=item_retention,
        send_retention=send_retention,
        trusted_proxies=trusted_proxies,
        send_rate=send_rate,
        sms_rate=sms_rate,
        mail=mail,
        smtp=smtp,
        dynamodb_table=dynamodb_table,
    )
