"""SES mailer: hands each message to Amazon SES v2 as raw MIME.

The message goes out byte for byte as every other mailer writes it
(WIRE_POLICY), so the one-click unsubscribe headers and both parts reach the
receiver as composed; SES takes the sender and recipients from the headers.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY

# Codes SES answers when a later attempt may succeed: the send rate or the daily
# quota is exhausted, or SES itself failed. Botocore has already retried the
# throttles and server errors among them.
TEMPORARY_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
        "InternalServiceErrorException",
        "ServiceUnavailable",
    }
)

# Bounded retries and timeouts: a stuck call must not eat a Lambda's whole run.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20
)


def translate(exc: ClientError | BotoCoreError) -> SendError:
    """A SendError naming SES's error code, never its message.

    SES echoes addresses in its messages ("Email address not verified ..."),
    and SendError text goes into logs.
    """
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code") or "Unknown")
        request = meta.get("RequestId")
        where = f"{code}, request {request}" if request else code
        if code in TEMPORARY_CODES or int(meta.get("HTTPStatusCode") or 0) >= 500:
            return SendError(
                f"SES is not taking sends now ({where}); temporary, retry later", temporary=True
            )
        return SendError(f"SES refused the message ({where})")
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return SendError(
            f"cannot reach SES ({type(exc).__name__}); temporary, retry later", temporary=True
        )
    return SendError(f"the SES client is not set up ({type(exc).__name__})")


class SesMailer:
    """Implements the Mailer port with SES v2 SendEmail (raw content)."""

    def __init__(self, client: Any = None, *, configuration_set: str | None = None) -> None:
        self._client = client
        self.configuration_set = configuration_set

    @property
    def client(self) -> Any:
        # Built on first use, not at construction: importing or wiring the
        # mailer must not need AWS credentials or touch the network.
        if self._client is None:
            self._client = boto3.client("sesv2", config=CLIENT_CONFIG)
        return self._client

    def send(self, message: EmailMessage) -> str:
        for header in ("Message-ID", "From", "To"):
            if not message[header]:
                raise SendError(f"message has no {header}")
        request: dict[str, Any] = {
            "Content": {"Raw": {"Data": message.as_bytes(policy=WIRE_POLICY)}}
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.client.send_email(**request)
        except (ClientError, BotoCoreError) as exc:
            # `from None`: the chained error's text names the addresses.
            raise translate(exc) from None
        return str(response["MessageId"])
