"""EventBridge Scheduler, daily: plan the digest edition into batches on the digest queue.

The edition is yesterday's, in Jakarta, unless the event names one: {"day": "YYYY-MM-DD"}.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import logger, metrics
from warta.services.messages import requested_day


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = _steps.plan_digest(_app.current(), requested_day(event))
    logger.info("digest planned", extra=summary)
    return summary
