"""One validated settings object, read once at start.

Every option has a default that suits one machine, and an environment
variable (WARTA_*) an admin sets to override it. A wrong value fails at start
with the variable's name, never later at the first send.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from warta.config.files import default_sources_file
from warta.config.secret import local_secret
from warta.core.errors import ConfigError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

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
    """On a source's first run, only items this recent make stories and alerts."""
    mail: Literal["outbox", "smtp"] = "outbox"
    """Which mailer the local wiring builds."""
    smtp: SmtpSettings | None = None
    """Set exactly when mail is "smtp"."""

    @property
    def database(self) -> Path:
        return self.home / "warta.db"

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


def _public_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"WARTA_PUBLIC_URL must be an http(s) URL, not {raw!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        # Mail clients only honour one-click unsubscribe over HTTPS.
        raise ConfigError("WARTA_PUBLIC_URL must use https unless it points at this machine")
    return raw.rstrip("/")


def _sender(raw: str) -> str:
    name, address = parseaddr(raw)
    if "@" not in address:
        raise ConfigError(
            f"WARTA_SENDER must be an address such as 'Warta <warta@example.id>', not {raw!r}"
        )
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def _admin_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    address = parseaddr(raw)[1]
    if "@" not in address:
        # The value itself stays out of the message: addresses are never printed.
        raise ConfigError("WARTA_ADMIN_EMAIL must be an email address")
    return address


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
    host = env.get("WARTA_SMTP_HOST", "").strip()
    if not host:
        raise ConfigError("WARTA_SMTP_HOST is required when WARTA_MAIL=smtp")
    port = _positive_int(env, "WARTA_SMTP_PORT", 587)
    if port > 65535:
        raise ConfigError("WARTA_SMTP_PORT must be at most 65535")
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
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        timeout=_positive_float(env, "WARTA_SMTP_TIMEOUT", 30.0),
    )


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    secret: bytes | None = None,
) -> Settings:
    """Settings from the environment, with local defaults relative to `cwd`.

    `secret` is the signing secret when it comes from elsewhere (on AWS, from
    SSM): then neither WARTA_SECRET nor a local secret file is looked at.
    """
    env = os.environ if env is None else env
    base = cwd or Path.cwd()
    home = Path(env.get("WARTA_HOME", base / ".warta"))
    secret_value = env.get("WARTA_SECRET")
    if secret_value is not None and len(secret_value) < 32:
        raise ConfigError("WARTA_SECRET must be at least 32 characters")
    if secret is None:
        secret = secret_value.encode() if secret_value else local_secret(home)
    mail = _mail(env)
    smtp = _smtp(env, mail)
    return Settings(
        home=home,
        outbox=Path(env.get("WARTA_OUTBOX", base / "outbox")),
        sources_file=Path(env.get("WARTA_SOURCES", default_sources_file())),
        public_url=_public_url(env.get("WARTA_PUBLIC_URL", "http://127.0.0.1:8025")),
        sender=_sender(env.get("WARTA_SENDER", "Warta Pemilu <warta@localhost>")),
        secret=secret,
        batch_size=_positive_int(env, "WARTA_BATCH_SIZE", 100),
        story_window=timedelta(days=_positive_int(env, "WARTA_STORY_WINDOW_DAYS", 3)),
        connect_timeout=_positive_float(env, "WARTA_CONNECT_TIMEOUT", 5.0),
        read_timeout=_positive_float(env, "WARTA_READ_TIMEOUT", 10.0),
        fetch_budget=_positive_float(env, "WARTA_FETCH_BUDGET", 30.0),
        max_body_bytes=_positive_int(env, "WARTA_MAX_BODY_BYTES", 5 * 1024 * 1024),
        admin_email=_admin_email(env.get("WARTA_ADMIN_EMAIL")),
        alert_failing_after=timedelta(hours=_positive_int(env, "WARTA_ALERT_FAILING_HOURS", 24)),
        quiet_after=timedelta(days=_positive_int(env, "WARTA_QUIET_DAYS", 7)),
        first_run_window=timedelta(hours=_positive_int(env, "WARTA_FIRST_RUN_HOURS", 48)),
        mail=mail,
        smtp=smtp,
    )
