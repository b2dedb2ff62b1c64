"""The logger and metrics every handler shares.

The logger is named "warta", the parent of every module logger in the
package, so the services' own log lines come out as the same structured JSON
with the handler's keys (function name, request id, source_id, story_id).
Keys name things by id: never an address or a phone number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "warta"
NAMESPACE = "Warta"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, value: int) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


@dataclass(frozen=True, slots=True)
class SqsRecord:
    """One record of an SQS event: what the steps read of it."""

    message_id: str
    body: str

    @property
    def json_body(self) -> Any:
        return json.loads(self.body)


_batch_logger = logging.getLogger(f"{SERVICE}.batch")


def process_sqs_batch(
    event: dict[str, Any], process: Callable[[SqsRecord], None]
) -> dict[str, list[dict[str, str]]]:
    """Take the records of an SQS event one by one and answer with the ones that failed.

    The answer is SQS's partial batch response (the event source mapping has
    ReportBatchItemFailures): SQS deletes the records that went through and
    delivers the listed ones again, up to the queue's maxReceiveCount, then to
    its dead-letter queue. A record that raises is logged with its traceback
    and listed; the others are kept. A batch whose every record failed is
    answered the same way, not with an exception: a one-record batch held under
    another sender's lease is routine, and SQS retries those records either way.

    Written here rather than taken from Powertools' batch utility, which these
    few lines reproduce for SQS: that utility loads asyncio and every event
    data class at import, a cost the three SQS functions would pay at every
    cold start (bench/bench_coldstart.py measures it).
    """
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError("the event is not an SQS event: it has no Records list")
    failures: list[dict[str, str]] = []
    for raw in records:
        message_id = raw.get("messageId") if isinstance(raw, dict) else None
        if not isinstance(message_id, str) or not message_id:
            # Without its id a record cannot be reported back; failing the whole
            # invocation makes SQS deliver the batch again instead of deleting it.
            raise ValueError("an SQS record has no messageId")
        try:
            body = raw.get("body")
            if not isinstance(body, str):
                raise ValueError("the SQS record has no body")
            process(SqsRecord(message_id, body))
        except Exception:
            _batch_logger.exception("record failed", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
