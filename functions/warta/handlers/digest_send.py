"""SQS (digest queue): send one batch of a digest edition per record, within its time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import SqsRecord, logger, metrics, process_sqs_batch
from warta.services.messages import read_batch

if TYPE_CHECKING:
    from warta.services.alerts import Deadline


def process(record: SqsRecord, deadline: Deadline) -> None:
    batch = read_batch(record.json_body)
    with logger.append_context_keys(day=batch.day.isoformat(), batch=batch.number):
        _steps.send_digest(_app.current(), batch, deadline)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    deadline = _steps.deadline(context)  # the records of this event share its time
    return process_sqs_batch(event, lambda record: process(record, deadline))
