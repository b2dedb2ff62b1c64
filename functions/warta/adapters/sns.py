"""SNS notifier: an alert SMS straight to one phone number, no topic."""

from __future__ import annotations

import re
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from warta.core.errors import ConfigError, SendError

# E.164 as SNS takes it: a plus, then 8 to 15 digits with no leading zero.
E164 = re.compile(r"\+[1-9][0-9]{7,14}")

# What carriers accept as an alphanumeric sender id: up to 11 letters and
# digits, at least one of them a letter.
SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,11}")
SMS_TYPES = frozenset({"Transactional", "Promotional"})

# Codes SNS answers when a later attempt may succeed. Botocore has already
# retried the throttles.
TEMPORARY_CODES = frozenset(
    {"ThrottledException", "Throttling", "KMSThrottlingException", "InternalErrorException"}
)

# Bounded retries and timeouts: a stuck call must not eat a Lambda's whole run.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10
)


def translate(exc: ClientError | BotoCoreError) -> SendError:
    """A SendError naming SNS's error code, never its message (which may echo the number)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code") or "Unknown")
        request = meta.get("RequestId")
        where = f"{code}, request {request}" if request else code
        if code in TEMPORARY_CODES or int(meta.get("HTTPStatusCode") or 0) >= 500:
            return SendError(
                f"SNS is not taking sends now ({where}); temporary, retry later", temporary=True
            )
        return SendError(f"SNS refused the SMS ({where})")
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return SendError(
            f"cannot reach SNS ({type(exc).__name__}); temporary, retry later", temporary=True
        )
    return SendError(f"the SNS client is not set up ({type(exc).__name__})")


class SnsNotifier:
    """Implements the Notifier port with SNS Publish to a PhoneNumber."""

    def __init__(
        self,
        client: Any = None,
        *,
        sender_id: str | None = "WARTA",
        sms_type: str = "Transactional",
    ) -> None:
        if sender_id is not None and not SENDER_ID.fullmatch(sender_id):
            raise ConfigError(
                f"SMS sender id {sender_id!r}: use 1 to 11 letters and digits, at least one letter"
            )
        if sms_type not in SMS_TYPES:
            raise ConfigError(f"SMS type {sms_type!r}: use Transactional or Promotional")
        self._client = client
        # Transactional (the default) makes SNS route for delivery, not price: alerts are urgent.
        self.attributes: dict[str, dict[str, str]] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": sms_type}
        }
        if sender_id is not None:
            # Shown instead of a number where the carrier allows alphanumeric sender ids.
            self.attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": sender_id,
            }

    @property
    def client(self) -> Any:
        # Built on first use, not at construction: importing or wiring the
        # notifier must not need AWS credentials or touch the network.
        if self._client is None:
            self._client = boto3.client("sns", config=CLIENT_CONFIG)
        return self._client

    def notify(self, phone: str, text: str) -> str:
        if not E164.fullmatch(phone):
            # The number itself stays out of the error: SendError text is logged.
            raise SendError("phone number is not in E.164 form (+ and 8-15 digits)")
        if not text:
            raise SendError("SMS text is empty")
        try:
            response = self.client.publish(
                PhoneNumber=phone, Message=text, MessageAttributes=self.attributes
            )
        except (ClientError, BotoCoreError) as exc:
            # `from None`: the chained error's text may carry the number.
            raise translate(exc) from None
        return str(response["MessageId"])
