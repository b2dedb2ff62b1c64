"""SQS (alert queue): plan an urgent story into batches of officials, or send one batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import SqsRecord, logger, metrics, process_sqs_batch
from warta.services.messages import read_alert

if TYPE_CHECKING:
    from warta.services.alerts import Deadline


def process(record: SqsRecord, deadline: Deadline) -> None:
    work = read_alert(record.json_body)
    story_id = work if isinstance(work, str) else work.story_id
    with logger.append_context_keys(story_id=story_id):
        _steps.alert(_app.current(), work, deadline)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    deadline = _steps.deadline(context)  # the records of this event share its time
    return process_sqs_batch(event, lambda record: process(record, deadline))
