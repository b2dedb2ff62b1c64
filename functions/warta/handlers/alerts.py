"""SQS (alert queue): alert the officials concerned by one urgent story per record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import logger, metrics, sqs_processor
from warta.services.messages import read_story_id

processor = sqs_processor()


def process(record: SQSRecord) -> None:
    story_id = read_story_id(record.json_body)
    with logger.append_context_keys(story_id=story_id):
        _steps.alert(_app.current(), story_id)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event, process, processor, context)
