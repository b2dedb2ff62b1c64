"""SQS (digest queue): send one batch of a digest edition per record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import SqsRecord, logger, metrics, process_sqs_batch
from warta.services.messages import read_batch


def process(record: SqsRecord) -> None:
    batch = read_batch(record.json_body)
    with logger.append_context_keys(day=batch.day.isoformat(), batch=batch.number):
        _steps.send_digest(_app.current(), batch)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_sqs_batch(event, process)
