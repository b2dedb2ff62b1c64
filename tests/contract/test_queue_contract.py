"""What every Queue promises (core/ports.py), run against each implementation.

A factory returns a QueueCase: the queue, and a way to read back what reached the
far side. SqsQueue runs on moto in server mode on 127.0.0.1, read back with
ReceiveMessage; MemoryQueue and the shared RecordingQueue double (tests/doubles.py)
are read back by draining them, so the double cannot drift from the port the
services rely on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.doubles import RecordingQueue

from warta.adapters.memory_queue import MemoryQueue
from warta.adapters.sqs import BATCH_BYTES, SqsQueue
from warta.core.errors import QueueError, WartaError
from warta.core.ports import Queue

LARGEST = BATCH_BYTES
"""The largest message, in bytes of UTF-8 JSON, any queue must carry: SQS's own limit."""


@dataclass
class QueueCase:
    queue: Queue
    received: Callable[[], list[dict[str, Any]]]
    """Every message that reached the far side since the last call, each once."""
    in_order: bool
    """True where messages come back in the order they were sent (not so on SQS)."""
    refuse: Callable[[], None]
    """Makes the queue refuse from now on."""


def sqs_case(request: pytest.FixtureRequest) -> QueueCase:
    account = request.getfixturevalue("moto_account")
    client = account.client("sqs")
    url = client.create_queue(QueueName="warta-contract")["QueueUrl"]

    def received() -> list[dict[str, Any]]:
        bodies: list[str] = []
        while True:
            got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if not messages:
                return [json.loads(body) for body in bodies]
            for message in messages:
                bodies.append(message["Body"])
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def refuse() -> None:
        client.delete_queue(QueueUrl=url)

    queue = SqsQueue(url, client, sleep=lambda _: None)
    return QueueCase(queue, received, in_order=False, refuse=refuse)


def memory_case(request: pytest.FixtureRequest) -> QueueCase:
    queue = MemoryQueue()

    def refuse() -> None:
        queue.capacity = len(queue)  # full: the next message has no room

    return QueueCase(queue, queue.drain, in_order=True, refuse=refuse)


def recording_case(request: pytest.FixtureRequest) -> QueueCase:
    queue = RecordingQueue()

    def refuse() -> None:
        queue.failure = QueueError("the queue refused the messages")

    return QueueCase(queue, queue.drain, in_order=True, refuse=refuse)


QUEUE_FACTORIES = [
    pytest.param(sqs_case, id="sqs"),
    pytest.param(memory_case, id="memory"),
    pytest.param(recording_case, id="recording-double"),
]


@pytest.fixture(params=QUEUE_FACTORIES)
def case(request: pytest.FixtureRequest) -> QueueCase:
    # A factory asks for the fixtures it needs, so the in-process cases never start moto.
    factory: Callable[[pytest.FixtureRequest], QueueCase] = request.param
    return factory(request)


def as_sent(case: QueueCase, messages: list[dict[str, Any]]) -> Any:
    """What `received` must equal: the same list, or the same multiset where order may vary."""
    if case.in_order:
        return messages
    return Counter(json.dumps(m, sort_keys=True) for m in messages)


def as_received(case: QueueCase) -> Any:
    messages = case.received()
    if case.in_order:
        return messages
    return Counter(json.dumps(m, sort_keys=True) for m in messages)


def of_size(size: int, *, n: int = 0, letter: str = "é") -> dict[str, Any]:
    """A message whose UTF-8 JSON is exactly `size` bytes, made of `letter` (one or two bytes)."""
    message: dict[str, Any] = {"n": n, "text": ""}
    overhead = len(json.dumps(message, ensure_ascii=False).encode())
    letters, odd = divmod(size - overhead, len(letter.encode()))
    message["text"] = letter * letters + "x" * odd
    assert len(json.dumps(message, ensure_ascii=False).encode()) == size
    return message


@pytest.mark.parametrize("count", [1, 10, 11, 23])
def test_every_message_arrives_once_as_the_json_object_sent(case: QueueCase, count: int) -> None:
    messages = [{"source_id": f"kpu-{n:02d}"} for n in range(count)]

    case.queue.send(messages)

    assert as_received(case) == as_sent(case, messages)


def test_an_empty_send_queues_nothing(case: QueueCase) -> None:
    case.queue.send([])

    assert case.received() == []


def test_json_values_come_back_as_they_went(case: QueueCase) -> None:
    messages: list[dict[str, Any]] = [
        {"story_id": "st-1", "title": 'Hoaks "Surat Suara" — KPU & Bawaslu <tegaskan>'},
        {"day": "2026-11-28", "number": 3, "subscriber_ids": ["sub-1", "sub-2"]},
        {"nested": {"list": [1, 2.5, -3, True, False, None], "empty": {}}, "none": None},
        {"text": "baris satu\nbaris dua\t\\ \u0000 🇮🇩 Jakarta"},
        {},
    ]

    case.queue.send(messages)

    assert as_received(case) == as_sent(case, messages)


@pytest.mark.parametrize("letter", ["x", "é"])
def test_a_message_of_the_largest_size_arrives_intact(case: QueueCase, letter: str) -> None:
    # In bytes, not characters: two-byte letters make it half as many characters.
    message = of_size(LARGEST, letter=letter)

    case.queue.send([message])

    assert case.received() == [message]


def test_many_large_messages_all_arrive(case: QueueCase) -> None:
    # Ten of them are more than one SQS call may carry (moto checks it too): a queue
    # must spread them over several calls rather than lose or refuse any.
    messages = [of_size(LARGEST // 2, n=n, letter="x") for n in range(12)]
    messages.append(of_size(LARGEST, n=12, letter="x"))

    case.queue.send(messages)

    assert as_received(case) == as_sent(case, messages)


def test_sends_add_up_and_reading_takes_them_off(case: QueueCase) -> None:
    case.queue.send([{"n": 1}, {"n": 2}])
    case.queue.send([{"n": 3}])

    assert as_received(case) == as_sent(case, [{"n": 1}, {"n": 2}, {"n": 3}])
    assert case.received() == []


def test_a_message_changed_after_sending_arrives_as_it_was_sent(case: QueueCase) -> None:
    message: dict[str, Any] = {"subscriber_ids": ["sub-1"]}

    case.queue.send([message])
    message["subscriber_ids"].append("sub-2")

    assert case.received() == [{"subscriber_ids": ["sub-1"]}]


def test_a_queue_that_refuses_raises_a_warta_error(case: QueueCase) -> None:
    case.refuse()

    with pytest.raises(WartaError):
        case.queue.send([{"n": 1}])


def test_a_send_with_one_bad_message_queues_none_of_them(case: QueueCase) -> None:
    # All or nothing: a retried send must not find half of it queued already.
    too_big = of_size(256 * 1024 + 1)
    with pytest.raises(WartaError):
        case.queue.send([{"n": 1}, too_big])

    assert case.received() == []
