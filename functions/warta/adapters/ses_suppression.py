"""The SES account's suppression list: addresses SES itself will not send to.

Warta's store decides who is sent nothing; this list is a second guard, which
also keeps the address from any other sender of the account. SES adds
addresses itself when account-level suppression is on; this adds those Warta
suppressed for its own reasons (three soft bounces), and the others again,
which SES takes as a no-op.
"""

from __future__ import annotations

from typing import Any

from warta.adapters import aws

# Codes SES answers when a later attempt may succeed.
TEMPORARY_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})


class SesSuppressionList:
    """Implements services.feedback.AccountSuppression with SES v2 PutSuppressedDestination."""

    def __init__(self, client: Any = None) -> None:
        self._client = aws.LazyClient("sesv2", client)

    @property
    def client(self) -> Any:
        return self._client.get()

    def suppress(self, address: str, *, complaint: bool) -> None:
        try:
            self.client.put_suppressed_destination(
                EmailAddress=address, Reason="COMPLAINT" if complaint else "BOUNCE"
            )
        except aws.PROVIDER_ERRORS as exc:
            # The code only, `from None`: SES's own text may quote the address.
            raise aws.send_error(
                "SES",
                exc,
                temporary_codes=TEMPORARY_CODES,
                refused="an address for the account's suppression list",
            ) from None
