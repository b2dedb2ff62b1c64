"""The SQS partial batch response the three queue-driven functions answer with."""

from __future__ import annotations

import json
import logging

import pytest

from warta.handlers._observe import SqsRecord, process_sqs_batch


def event(*bodies: object) -> dict[str, object]:
    return {
        "Records": [
            {"messageId": f"m-{n}", "body": body if isinstance(body, str) else json.dumps(body)}
            for n, body in enumerate(bodies)
        ]
    }


def test_every_record_is_processed_in_order_and_none_is_reported() -> None:
    seen: list[tuple[str, object]] = []
    answer = process_sqs_batch(
        event({"a": 1}, {"a": 2}), lambda r: seen.append((r.message_id, r.json_body))
    )
    assert answer == {"batchItemFailures": []}
    assert seen == [("m-0", {"a": 1}), ("m-1", {"a": 2})]


def test_a_failing_record_is_reported_and_logged_while_the_others_go_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done: list[str] = []

    def process(record: SqsRecord) -> None:
        if record.json_body["n"] == 1:
            raise RuntimeError("provider refused")
        done.append(record.message_id)

    with caplog.at_level(logging.ERROR, logger="warta.batch"):
        answer = process_sqs_batch(event({"n": 0}, {"n": 1}, {"n": 2}), process)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert done == ["m-0", "m-2"]
    [logged] = caplog.records
    assert logged.exc_info is not None and "provider refused" in str(logged.exc_info[1])


def test_a_batch_whose_every_record_failed_is_answered_not_raised() -> None:
    def process(record: SqsRecord) -> None:
        raise ValueError("bad")

    answer = process_sqs_batch(event({"n": 0}, {"n": 1}), process)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}


def test_a_record_that_is_not_json_fails_alone() -> None:
    seen: list[object] = []
    answer = process_sqs_batch(event("{not json", {"ok": True}), lambda r: seen.append(r.json_body))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert seen == [{"ok": True}]


def test_a_record_without_a_body_fails_alone() -> None:
    answer = process_sqs_batch({"Records": [{"messageId": "m-0"}]}, lambda r: None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}


@pytest.mark.parametrize(
    "bad",
    [{}, {"Records": "x"}, {"Records": [{"body": "{}"}]}, {"Records": [{"messageId": ""}]}],
    ids=["no records", "records not a list", "no message id", "empty message id"],
)
def test_an_event_that_cannot_be_answered_per_record_fails_the_invocation(
    bad: dict[str, object],
) -> None:
    with pytest.raises(ValueError, match="SQS"):
        process_sqs_batch(bad, lambda r: None)
