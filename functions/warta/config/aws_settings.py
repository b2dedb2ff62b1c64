"""What only the AWS wiring needs: table, queues, the secret's parameter, SMS sender id.

Read when the AWS wiring is built, so a local install needs none of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from warta.config.settings import LOOPBACK_HOSTS
from warta.core.errors import ConfigError
from warta.core.validate import has_control, shown, url_problem, without_userinfo

_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,11}")
"""What carriers accept as an alphanumeric SMS sender id."""
_SSM_NAME = re.compile(r"[A-Za-z0-9_.\-/]{1,2048}")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}")
_CONFIGURATION_SET = re.compile(r"[A-Za-z0-9_\-]{1,64}")


@dataclass(frozen=True, slots=True)
class AwsSettings:
    """What only the AWS wiring needs; read when it is built, so local use needs none of it."""

    table: str
    """The DynamoDB table of the store (WARTA_TABLE)."""
    ingest_queue_url: str
    """One message per due source (WARTA_INGEST_QUEUE_URL)."""
    alert_queue_url: str
    """One message per urgent story (WARTA_ALERT_QUEUE_URL)."""
    digest_queue_url: str
    """One message per digest batch (WARTA_DIGEST_QUEUE_URL)."""
    secret_parameter: str
    """Name of the SSM SecureString holding the signing secret; the value is never kept here."""
    ses_configuration_set: str | None = None
    sms_sender_id: str = "WARTA"
    digest_senders: int = 2
    """Digest batches sent at once (WARTA_DIGEST_SENDERS: the digest queue's maximum
    concurrency in the template); with the alert senders they share the send rates."""


def _required(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "")
    value = raw.strip()
    if not value:
        raise ConfigError(f"{name} is required on AWS")
    if has_control(raw):
        raise ConfigError(f"{name} must not contain control characters or line breaks")
    return value


def _queue_url(env: Mapping[str, str], name: str) -> str:
    raw = _required(env, name)
    problem = url_problem(raw)
    if problem is not None:
        raise ConfigError(f"{name} {problem}, not {shown(without_userinfo(raw))}")
    parts = urlsplit(raw)
    if len(parts.path) < 2 or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an SQS queue URL, not {shown(without_userinfo(raw))}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"{name} must use https unless it points at this machine")
    return raw


MAX_DIGEST_SENDERS = 1000


def _digest_senders(env: Mapping[str, str]) -> int:
    raw = env.get("WARTA_DIGEST_SENDERS", "2").strip()
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_DIGEST_SENDERS):
        raise ConfigError(
            f"WARTA_DIGEST_SENDERS must be a whole number from 1 to {MAX_DIGEST_SENDERS},"
            f" not {shown(raw)}"
        )
    return int(raw)


def load_aws_settings(
    env: Mapping[str, str] | None = None, *, makes_links: bool = True
) -> AwsSettings:
    """The AWS settings from the environment; every missing or malformed one fails here, by name.

    `makes_links` is False only for the web function, which answers links
    rather than writing them, and so may run without WARTA_PUBLIC_URL (its
    own Function URL cannot be given to it without a circular reference).
    """
    env = os.environ if env is None else env
    # The local defaults of these two (a loopback URL, a localhost sender) would
    # make every message's links and From: wrong: on AWS they must be set.
    for name in ("WARTA_PUBLIC_URL", "WARTA_SENDER") if makes_links else ():
        _required(env, name)
    table = _required(env, "WARTA_TABLE")
    if not _TABLE_NAME.fullmatch(table):
        raise ConfigError(f"WARTA_TABLE is not a DynamoDB table name: {shown(table)}")
    parameter = _required(env, "WARTA_SECRET_PARAMETER")
    if not _SSM_NAME.fullmatch(parameter):
        raise ConfigError(
            f"WARTA_SECRET_PARAMETER is not an SSM parameter name: {shown(parameter)}"
        )
    if env.get("WARTA_SECRET"):
        # Two sources of the secret would leave one of them silently ignored.
        raise ConfigError("WARTA_SECRET must not be set on AWS: the secret is read from SSM")
    sender_id = env.get("WARTA_SMS_SENDER_ID", "WARTA").strip()
    if not _SENDER_ID.fullmatch(sender_id):
        raise ConfigError(
            "WARTA_SMS_SENDER_ID must be 1 to 11 letters and digits, at least one a letter"
        )
    configuration_set = env.get("WARTA_SES_CONFIGURATION_SET", "").strip() or None
    if configuration_set is not None and not _CONFIGURATION_SET.fullmatch(configuration_set):
        raise ConfigError(
            "WARTA_SES_CONFIGURATION_SET must be 1 to 64 letters, digits, '-' and '_', "
            f"not {shown(configuration_set)}"
        )
    digest_senders = _digest_senders(env)
    return AwsSettings(
        table=table,
        ingest_queue_url=_queue_url(env, "WARTA_INGEST_QUEUE_URL"),
        alert_queue_url=_queue_url(env, "WARTA_ALERT_QUEUE_URL"),
        digest_queue_url=_queue_url(env, "WARTA_DIGEST_QUEUE_URL"),
        secret_parameter=parameter,
        ses_configuration_set=configuration_set,
        sms_sender_id=sender_id,
        digest_senders=digest_senders,
    )
