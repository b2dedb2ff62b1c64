"""A Lambda function fed by an SQS queue on moto, on a simulated clock: for integration tests
that check a function keeps within its timeout and the provider's rates whatever this
machine's speed.

Time is simulated: each provider call spends `call_seconds` of the invocation (a botocore
before-call hook, `LambdaTime.spend_on_call`), each pause a pacer or a backoff takes spends
what it waits (`LambdaTime.sleep`, given to them), and the context's remaining time is the
function's timeout less what its invocation has spent. `drain` runs the handler as Lambda
runs it: events of up to the template's BatchSize records, the partial batch response
applied to the queue (records that went through deleted, the failed ones made visible again).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode
from moto.ses import ses_backends
from tests.doubles import MotoAccount

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"


def deployed(function: str, event: str) -> tuple[float, int, dict[str, Any]]:
    """A function of the template: its timeout, the records an event of its queue brings it,
    and the whole template (for parameters a test reads too)."""
    template, problems = decode(str(TEMPLATE))
    assert not problems and template is not None, problems
    properties = template["Resources"][function]["Properties"]
    timeout = properties.get("Timeout", template["Globals"]["Function"]["Timeout"])
    records = properties["Events"][event]["Properties"]["BatchSize"]
    return float(timeout), int(records), template


@dataclass
class LambdaTime:
    """The simulated clock of one function: what its invocations have spent."""

    call_seconds: float
    now: float = 0.0
    sent: list[float] = field(default_factory=list)
    """The moment of each call `record_send` saw (register it after any throttle hook)."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def spend_on_call(self, **_: Any) -> None:
        self.now += self.call_seconds

    def record_send(self, **_: Any) -> None:
        self.sent.append(self.now)


@dataclass
class Context:
    """The Lambda context of one invocation, its remaining time on the simulated clock."""

    time: LambdaTime
    started: float
    timeout: float
    aws_request_id: str
    function_name: str = "warta-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-3:123456789012:function:warta"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout - self.spent) * 1000)

    @property
    def spent(self) -> float:
        return self.time.now - self.started


@dataclass(frozen=True)
class Answer:
    """What botocore reads of an HTTP answer a before-call hook gives in place of a call."""

    status_code: int


def answer(status: int, body: dict[str, Any]) -> tuple[Answer, dict[str, Any]]:
    """A before-call hook's answer: the status and the parsed body botocore goes on with."""
    return Answer(status), {**body, "ResponseMetadata": {"HTTPStatusCode": status}}


@dataclass
class Throttle:
    """Answers a share of the calls with the provider's throttling error, from a seed."""

    share: float
    rng: random.Random
    code: str = "TooManyRequestsException"
    status: int = 429
    calls: int = 0
    throttled: int = 0

    def __call__(self, **_: Any) -> tuple[Answer, dict[str, Any]] | None:
        self.calls += 1
        if self.rng.random() >= self.share:
            return None
        self.throttled += 1
        return answer(
            self.status, {"Error": {"Code": self.code, "Message": "Maximum sending rate exceeded."}}
        )


@dataclass
class Run:
    """What draining a queue through a function gave."""

    spent: list[float] = field(default_factory=list)
    """Seconds each invocation spent."""
    answers: list[dict[str, Any]] = field(default_factory=list)
    """Each invocation's partial batch response."""


def drain(
    moto: MotoAccount,
    queue_url: str,
    handler: Callable[[dict[str, Any], Any], Any],
    time: LambdaTime,
    *,
    timeout: float,
    records: int,
    max_invocations: int,
) -> Run:
    """Invoke `handler` with the queue's records until the queue is empty, as Lambda would."""
    sqs = moto.client("sqs")
    run = Run()
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=records)
        messages: list[dict[str, Any]] = got.get("Messages", [])
        if not messages:
            return run
        assert len(run.spent) < max_invocations, "the queue never emptied"
        context = Context(time, time.now, timeout, f"invocation-{len(run.spent)}")
        event = {
            "Records": [
                {"messageId": m["MessageId"], "body": m["Body"], "eventSource": "aws:sqs"}
                for m in messages
            ]
        }
        run.answers.append(handler(event, context))
        run.spent.append(context.spent)
        failed = {f["itemIdentifier"] for f in run.answers[-1]["batchItemFailures"]}
        for message in messages:
            handle = message["ReceiptHandle"]
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=handle)


def metric(output: str, name: str) -> float:
    """The sum of one metric over the CloudWatch EMF lines the handler printed."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return sum(sum(line.get(name, [])) for line in lines)


def emailed(moto: MotoAccount) -> Counter[str]:
    """How many emails each address was sent through SES on moto."""
    region = ses_backends[moto.account][moto.region]
    return Counter(address for m in region.sent_messages for address in m.destinations)
