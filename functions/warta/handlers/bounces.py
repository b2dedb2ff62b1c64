"""SQS (bounce queue): SES's bounces, complaints and deliveries, one event per record.

A record that is no such event (SNS's and SES's set-up messages) is dropped
and counted; one of the wrong shape fails alone, and ends in the dead-letter
queue. Addresses are never logged: the service names them by subscriber id.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.core.errors import WartaError
from warta.handlers import _app
from warta.handlers._observe import SqsRecord, count, logger, metrics, process_sqs_batch
from warta.services.ses_events import read_mail_event


def process(record: SqsRecord) -> None:
    event = read_mail_event(record.body)
    if event is None:
        logger.info("not a bounce, complaint or delivery: dropped")
        count("MailFeedbackIgnored", 1)
        return
    report = _app.current().feedback.apply(event)
    count("AddressesSuppressed", report.suppressed + report.officials)
    count("AccountSuppressionRefused", report.account_refused)
    if report.busy:
        # Another invocation is applying this very event: SQS delivers it again later.
        raise WartaError(f"event {event.event_id} is being applied elsewhere; retry")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_sqs_batch(event, process)
