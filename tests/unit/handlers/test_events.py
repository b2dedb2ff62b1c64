"""The sample events under events/aws/ read as the handlers read them, and the WSGI bridge."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from warta.config.files import events_dir
from warta.core.model import AlertBatch, DigestBatch
from warta.handlers._wsgi import environ, respond
from warta.services.messages import (
    BadMessage,
    alert_batch_message,
    batch_message,
    read_alert,
    read_batch,
    read_source_id,
    read_story_id,
    requested_day,
)

EVENTS = events_dir() / "aws"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def bodies(name: str) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in sample(name)["Records"]]


def test_every_sample_event_is_used_here() -> None:
    used = {
        "schedule.json", "digest_plan.json", "sqs_ingest.json", "sqs_alerts.json",
        "sqs_digest.json", "url_unsubscribe_get.json", "url_unsubscribe_post.json",
        # read in tests/unit/services/test_ses_events.py
        "sqs_bounces.json",
        # read in tests/integration/test_web_lambda.py
        "url_subscribe_post.json",
    }  # fmt: skip
    assert {p.name for p in EVENTS.glob("*.json")} == used


def test_sqs_samples_carry_the_messages_each_step_reads() -> None:
    assert [read_source_id(b) for b in bodies("sqs_ingest.json")] == ["kpu-ri", "cek-fakta"]
    assert [read_story_id(b) for b in bodies("sqs_alerts.json")] == ["st-0123456789abcdef0123"]
    (batch,) = [read_batch(b) for b in bodies("sqs_digest.json")]
    assert batch == DigestBatch(
        date(2026, 11, 27), ("sub-00112233445566778899", "sub-aabbccddeeff00112233"), 0
    )


def test_schedule_samples_ask_for_the_usual_day_or_a_named_one() -> None:
    assert requested_day(sample("schedule.json")) is None
    assert requested_day(sample("digest_plan.json")) == date(2026, 11, 27)


def test_a_batch_message_reads_back_as_the_same_batch() -> None:
    batch = DigestBatch(date(2026, 2, 14), ("sub-a", "sub-b"), 7)
    assert read_batch(json.loads(json.dumps(batch_message(batch)))) == batch


def test_the_alert_queue_carries_stories_to_plan_and_batches_to_send() -> None:
    batch = AlertBatch("st-1", ("kpu-kediri", "bawaslu-ri"), 3, "20261128T030000000000")
    assert read_alert(json.loads(json.dumps(alert_batch_message(batch)))) == batch
    assert read_alert({"story_id": "st-1"}) == "st-1"
    assert [read_alert(b) for b in bodies("sqs_alerts.json")] == ["st-0123456789abcdef0123"]


@pytest.mark.parametrize(
    ("body", "reader"),
    [
        ({"official_ids": ["a"], "number": 0}, read_alert),
        ({"story_id": "st-1", "official_ids": "a", "number": 0}, read_alert),
        ({"story_id": "st-1", "official_ids": [""], "number": 0}, read_alert),
        ({"story_id": "st-1", "official_ids": ["a"]}, read_alert),
        ({"story_id": "st-1", "official_ids": ["a"], "number": 0, "plan": 7}, read_alert),
        ({}, read_source_id),
        ({"source_id": ""}, read_source_id),
        ({"source_id": 5}, read_source_id),
        ({"story": "st-1"}, read_story_id),
        ({"day": "2026-02-30", "number": 0, "subscriber_ids": []}, read_batch),
        ({"day": "2026-02-14", "number": -1, "subscriber_ids": []}, read_batch),
        ({"day": "2026-02-14", "number": True, "subscriber_ids": []}, read_batch),
        ({"day": "2026-02-14", "number": 0, "subscriber_ids": "sub-a"}, read_batch),
        ({"day": "2026-02-14", "number": 0, "subscriber_ids": [""]}, read_batch),
        ({"day": "14/02/2026"}, requested_day),
        ({"day": 20260214}, requested_day),
    ],
)
def test_malformed_messages_are_refused(body: dict[str, Any], reader: Any) -> None:
    with pytest.raises(BadMessage):
        reader(body)


def test_function_url_post_becomes_a_wsgi_request() -> None:
    env = environ(sample("url_unsubscribe_post.json"))

    assert env["REQUEST_METHOD"] == "POST"
    assert env["PATH_INFO"] == "/unsubscribe"
    assert (
        env["QUERY_STRING"] == "subscriber=sub-00112233445566778899&token=contoh-token-bukan-asli"
    )
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["CONTENT_LENGTH"] == "26"
    assert env["wsgi.input"].read() == b"List-Unsubscribe=One-Click"  # base64 in the event
    assert env["wsgi.url_scheme"] == "https"
    assert env["HTTP_USER_AGENT"] == "Mozilla/5.0 (contoh)"


def test_function_url_get_has_an_empty_body() -> None:
    env = environ(sample("url_unsubscribe_get.json"))

    assert env["REQUEST_METHOD"] == "GET"
    assert env["CONTENT_LENGTH"] == "0"
    assert env["wsgi.input"].read() == b""


def test_claimed_content_length_does_not_outlive_the_real_body() -> None:
    event = sample("url_unsubscribe_post.json")
    event["headers"]["content-length"] = "999999"

    assert environ(event)["CONTENT_LENGTH"] == "26"


def echo(env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response(
        "403 Forbidden",
        [("Content-Type", "text/plain"), ("X-Seen", "a"), ("X-Seen", "b"), ("Set-Cookie", "k=v")],
    )
    return [env["REQUEST_METHOD"].encode(), b" ", env["wsgi.input"].read()]


def binary(env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "image/png")])
    return [b"\x89PNG\xff"]


def test_wsgi_response_becomes_a_function_url_response() -> None:
    answer = respond(echo, sample("url_unsubscribe_post.json"))

    assert answer == {
        "statusCode": 403,
        "headers": {"Content-Type": "text/plain", "X-Seen": "a, b"},
        "cookies": ["k=v"],
        "body": "POST List-Unsubscribe=One-Click",
        "isBase64Encoded": False,
    }


def test_bytes_that_are_not_text_go_back_base64_encoded() -> None:
    answer = respond(binary, sample("url_unsubscribe_get.json"))

    assert answer["isBase64Encoded"] is True
    assert answer["body"] == "iVBOR/8="
