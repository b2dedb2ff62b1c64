"""SqsQueue: batches of ten under SQS's size cap, retried entry by entry, errors in our terms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from warta.adapters.sqs import ATTEMPTS, BATCH_BYTES, SqsQueue
from warta.core.errors import QueueError

URL = "https://sqs.ap-southeast-3.amazonaws.com/123456789012/warta-ingest"


class FakeSqs:
    """Answers SendMessageBatch from a script: per call, the entry ids to fail and how."""

    def __init__(self, script: list[dict[str, Any]] | None = None, error: str | None = None):
        self.script = list(script or [])
        self.error = error
        self.calls: list[list[dict[str, str]]] = []

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:
        assert QueueUrl == URL
        self.calls.append(Entries)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "SendMessageBatch")
        fail = self.script.pop(0) if self.script else {}
        ids = [e["Id"] for e in Entries]
        failed = [
            {"Id": i, "Code": code, "SenderFault": sender}
            for i, (code, sender) in fail.items()
            if i in ids
        ]
        return {
            "Successful": [{"Id": i} for i in ids if i not in fail],
            "Failed": failed,
        }


def queue(client: FakeSqs) -> SqsQueue:
    return SqsQueue(URL, client, sleep=lambda _: None)


def test_messages_go_ten_to_a_call_as_json() -> None:
    client = FakeSqs()

    queue(client).send([{"source_id": f"s-{n}"} for n in range(23)])

    assert [len(c) for c in client.calls] == [10, 10, 3]
    sent = [json.loads(e["MessageBody"]) for c in client.calls for e in c]
    assert sent == [{"source_id": f"s-{n}"} for n in range(23)]


def test_a_call_stays_under_the_size_cap() -> None:
    client = FakeSqs()
    big = "x" * (BATCH_BYTES // 3)

    queue(client).send([{"ids": big} for _ in range(4)])

    assert [len(c) for c in client.calls] == [2, 2]


def test_nothing_to_send_makes_no_call() -> None:
    client = FakeSqs()
    queue(client).send([])
    assert client.calls == []


def test_entries_that_failed_on_sqs_side_are_sent_again_alone() -> None:
    client = FakeSqs(script=[{"1": ("InternalError", False), "3": ("InternalError", False)}])

    queue(client).send([{"n": n} for n in range(5)])

    assert [[e["MessageBody"] for e in c] for c in client.calls][1] == ['{"n": 1}', '{"n": 3}']
    assert len(client.calls) == 2


def test_entries_failing_every_time_raise_after_the_last_attempt() -> None:
    client = FakeSqs(script=[{"0": ("InternalError", False)}] * ATTEMPTS)

    with pytest.raises(QueueError, match="did not take 1 message"):
        queue(client).send([{"n": 0}, {"n": 1}])

    assert len(client.calls) == ATTEMPTS


def test_an_entry_refused_as_our_fault_is_not_sent_again() -> None:
    client = FakeSqs(script=[{"0": ("InvalidMessageContents", True)}])

    with pytest.raises(QueueError, match="InvalidMessageContents"):
        queue(client).send([{"n": 0}, {"n": 1}])

    assert len(client.calls) == 1


def test_a_refused_call_is_a_queue_error_naming_the_code() -> None:
    with pytest.raises(QueueError, match=r"AWS\.SimpleQueueService\.NonExistentQueue"):
        queue(FakeSqs(error="AWS.SimpleQueueService.NonExistentQueue")).send([{"n": 0}])


def test_a_message_over_the_cap_is_refused_before_any_call() -> None:
    client = FakeSqs()
    with pytest.raises(QueueError, match="over SQS's limit"):
        queue(client).send([{"ids": "x" * BATCH_BYTES}])
    assert client.calls == []
