"""EventBridge Scheduler, every hour: plan the digest slots that are due into batches.

Each hour's subscribers of each zone get the edition at their own hour (core.slots);
a slot an earlier run missed is planned at the next one. An event that names an
edition ({"day": "YYYY-MM-DD"}) plans every slot of it at once; {"reindex": true}
gives subscriber rows an older Warta wrote the index keys of their slot, once,
after an upgrade.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import logger, metrics
from warta.services.messages import reindex_requested, requested_day


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app = _app.current()
    if reindex_requested(event):
        summary = _steps.index_digest_slots(app)
    else:
        summary = _steps.plan_digest(app, requested_day(event))
    logger.info("digest planned", extra=summary)
    return summary
