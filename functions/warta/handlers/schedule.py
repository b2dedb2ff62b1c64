"""EventBridge Scheduler, every 15 minutes: queue the due sources, then check their health."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = _steps.schedule(_app.current(), _app.sources())
    logger.info("sources queued", extra=summary)
    return summary
