"""SQS (ingest queue): take in one source per record; its urgent stories go to the alert queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app, _steps
from warta.handlers._observe import SqsRecord, logger, metrics, process_sqs_batch
from warta.services.messages import read_source_id


def process(record: SqsRecord) -> None:
    source_id = read_source_id(record.json_body)
    with logger.append_context_keys(source_id=source_id):
        _steps.ingest(_app.current(), _app.sources(), source_id)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_sqs_batch(event, process)
