"""The logger and metrics every handler shares.

The logger is named "warta", the parent of every module logger in the
package, so the services' own log lines come out as the same structured JSON
with the handler's keys (function name, request id, source_id, story_id).
Keys name things by id: never an address or a phone number.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor

SERVICE = "warta"
NAMESPACE = "Warta"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, value: int) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def sqs_processor() -> BatchProcessor:
    """Records are taken one by one; a record that raises is reported back to SQS
    (ReportBatchItemFailures) and logged with its traceback, the others are kept."""
    # Imported here: only the SQS functions load the batch utility.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    # A batch whose every record failed is answered the same way as a partial
    # failure (each record listed), not with an exception: a one-record batch
    # held under another sender's lease is routine, and SQS retries those
    # records either way. Failures stay visible in the metrics and the DLQs.
    return BatchProcessor(
        event_type=EventType.SQS,
        logger=logging.getLogger(f"{SERVICE}.batch"),
        raise_on_entire_batch_failure=False,
    )
