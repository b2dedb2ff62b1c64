"""The SES account's sending quota: its maximum send rate, which every sender shares.

Read with SES v2 GetAccount (SendQuota.MaxSendRate, emails a second: 1 in the
sandbox, 14 for a new production account, more once raised). Asked once per
container, at the first send (adapters.pacing); a refusal or an answer without a
usable rate is logged by its error code and answered with None, so the caller
falls back on a default instead of failing the send.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from warta.adapters import aws

log = logging.getLogger(__name__)


class SesQuota:
    """The SES account's maximum send rate, through SES v2."""

    def __init__(self, client: Any = None) -> None:
        self._client = aws.LazyClient("sesv2", client)

    def max_send_rate(self) -> float | None:
        """Emails a second SES takes from this account; None when it cannot be read."""
        try:
            response = self._client.get().get_account()
        except aws.PROVIDER_ERRORS as exc:
            log.warning("cannot read the SES account's send rate (%s)", aws.describe(exc))
            return None
        rate = response.get("SendQuota", {}).get("MaxSendRate")
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            log.warning("SES gave no send rate for the account")
            return None
        if not (rate > 0 and math.isfinite(rate)):
            log.warning("SES gave a send rate that is no positive number")
            return None
        return float(rate)
