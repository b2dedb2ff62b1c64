"""SES mailer: hands each message to Amazon SES v2 as raw MIME.

The message goes out byte for byte as every other mailer writes it
(WIRE_POLICY), so the one-click unsubscribe headers and both parts reach the
receiver as composed; SES takes the sender and recipients from the headers.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from warta.adapters import aws
from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY, read_headers, recipients

# Codes SES answers when it is asked to slow down: the send rate (or the daily quota)
# is exhausted. Botocore has already retried these; the mailer tries them again with
# its own backoff before calling the send failed.
THROTTLE_CODES = frozenset(
    {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"}
)
# Codes SES answers when a later attempt may succeed: a throttle, or SES itself failed.
TEMPORARY_CODES = THROTTLE_CODES | {"InternalServiceErrorException", "ServiceUnavailable"}


class SesMailer:
    """Implements the Mailer port with SES v2 SendEmail (raw content)."""

    def __init__(
        self,
        client: Any = None,
        *,
        configuration_set: str | None = None,
        backoff: aws.Backoff = aws.BACKOFF,
    ) -> None:
        self._client = aws.LazyClient("sesv2", client, read_timeout=20)
        self.configuration_set = configuration_set
        self.backoff = backoff

    @property
    def client(self) -> Any:
        return self._client.get()

    def send(self, message: EmailMessage) -> str:
        for header in ("Message-ID", "From", "To"):
            if not message[header]:
                raise SendError(f"message has no {header}")
        return self._send(message.as_bytes(policy=WIRE_POLICY))

    def send_raw(self, recipient: str, data: bytes) -> str:
        """Send finished bytes. SES reads the recipients from the headers, so they
        must name `recipient` and nobody else (no Cc, no Bcc)."""
        headers = read_headers(data)
        for header in ("Message-ID", "From", "To"):
            if not headers[header]:
                raise SendError(f"message has no {header}")
        if recipients(headers) != [recipient]:
            raise SendError("the message's headers do not name its recipient alone")
        return self._send(data)

    def _send(self, data: bytes) -> str:
        request: dict[str, Any] = {"Content": {"Raw": {"Data": data}}}
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = aws.retry_throttled(
                lambda: self.client.send_email(**request),
                codes=THROTTLE_CODES,
                backoff=self.backoff,
            )
        except aws.PROVIDER_ERRORS as exc:
            # SES's code, never its text: SES echoes addresses in its messages
            # ("Email address not verified ..."). Hence `from None` too.
            raise aws.send_error(
                "SES", exc, temporary_codes=TEMPORARY_CODES, refused="the message"
            ) from None
        return str(response["MessageId"])
