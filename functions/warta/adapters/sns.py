"""SNS notifier: an alert SMS straight to one phone number, no topic."""

from __future__ import annotations

import re
from typing import Any

from warta.adapters import aws
from warta.core.errors import ConfigError, SendError
from warta.core.validate import PHONE_PATTERN

# E.164 as SNS takes it: a plus, then 8 to 15 digits with no leading zero.

# What carriers accept as an alphanumeric sender id: up to 11 letters and
# digits, at least one of them a letter.
SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,11}")
SMS_TYPES = frozenset({"Transactional", "Promotional"})

# Codes SNS answers when it is asked to slow down (the account's SMS rate, or KMS's
# behind it). Botocore has already retried these; the notifier tries them again with
# its own backoff before calling the send failed.
THROTTLE_CODES = frozenset({"ThrottledException", "Throttling", "KMSThrottlingException"})
# Codes SNS answers when a later attempt may succeed: a throttle, or SNS itself failed.
TEMPORARY_CODES = THROTTLE_CODES | {"InternalErrorException"}


class SnsNotifier:
    """Implements the Notifier port with SNS Publish to a PhoneNumber."""

    def __init__(
        self,
        client: Any = None,
        *,
        sender_id: str | None = "WARTA",
        sms_type: str = "Transactional",
        backoff: aws.Backoff = aws.BACKOFF,
    ) -> None:
        if sender_id is not None and not SENDER_ID.fullmatch(sender_id):
            raise ConfigError(
                f"SMS sender id {sender_id!r}: use 1 to 11 letters and digits, at least one letter"
            )
        if sms_type not in SMS_TYPES:
            raise ConfigError(f"SMS type {sms_type!r}: use Transactional or Promotional")
        self._client = aws.LazyClient("sns", client)
        self.backoff = backoff
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
        return self._client.get()

    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        # SNS has no idempotency key for SMS: `key` is not sent.
        if not PHONE_PATTERN.fullmatch(phone):
            # The number itself stays out of the error: SendError text is logged.
            raise SendError("phone number is not in E.164 form (+ and 8-15 digits)")
        if not text:
            raise SendError("SMS text is empty")
        try:
            response = aws.retry_throttled(
                lambda: self.client.publish(
                    PhoneNumber=phone, Message=text, MessageAttributes=self.attributes
                ),
                codes=THROTTLE_CODES,
                backoff=self.backoff,
            )
        except aws.PROVIDER_ERRORS as exc:
            # SNS's code, never its text, which may carry the number. Hence `from None` too.
            raise aws.send_error(
                "SNS", exc, temporary_codes=TEMPORARY_CODES, refused="the SMS"
            ) from None
        return str(response["MessageId"])
