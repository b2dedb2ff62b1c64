"""The AWS adapters' shared helper: client settings, clients made on first use, errors."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoRegionError,
    ReadTimeoutError,
)

from warta.adapters import aws
from warta.adapters.dynamodb_store import DynamoDbStore
from warta.adapters.sns import SnsNotifier
from warta.adapters.sqs import SqsQueue
from warta.core.errors import QueueError, SendError, StoreError, ThrottledError

PROVIDER_TEXT = "reader@warta.example +6281234567890"


def client_error(code: str, status: int = 400, request: str | None = "REQ-7") -> ClientError:
    meta: dict[str, Any] = {"HTTPStatusCode": status}
    if request:
        meta["RequestId"] = request
    return ClientError(
        {"Error": {"Code": code, "Message": PROVIDER_TEXT}, "ResponseMetadata": meta},
        "AnyOperation",
    )


def test_client_settings_bound_retries_and_timeouts() -> None:
    config = aws.client_config(read_timeout=20)

    assert config.retries == {"mode": "standard", "max_attempts": 3}
    assert config.connect_timeout == 5
    assert config.read_timeout == 20
    assert aws.client_config().read_timeout == 10


def test_a_given_client_is_used_and_boto3_never_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("no default client may be built")

    monkeypatch.setattr(boto3, "client", refuse)
    given = object()

    assert aws.LazyClient("sqs", given).get() is given


def test_the_default_client_is_built_once_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, Any]] = []
    started = threading.Barrier(8)

    def fake_client(service: str, *, config: Any) -> object:
        built.append((service, config))
        return object()

    monkeypatch.setattr(boto3, "client", fake_client)
    lazy = aws.LazyClient("sesv2", read_timeout=20)
    assert built == []  # nothing at construction

    got: list[object] = []

    def first_use() -> None:
        started.wait()
        got.append(lazy.get())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 1
    service, config = built[0]
    assert service == "sesv2"
    assert config.read_timeout == 20
    assert config.retries == {"mode": "standard", "max_attempts": 3}
    assert all(client is got[0] for client in got)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DynamoDbStore("warta"),
        lambda: SnsNotifier(),
        lambda: SqsQueue("https://sqs.example/123/warta"),
    ],
)
def test_adapters_build_no_client_at_construction(
    make: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    adapter = make()  # with no region anywhere, building a client now would fail

    with pytest.raises(NoRegionError):
        adapter.client  # noqa: B018 - the first use is what builds it


def test_describe_names_code_and_request_never_the_message() -> None:
    assert aws.describe(client_error("MessageRejected")) == "MessageRejected, request REQ-7"
    assert aws.describe(client_error("MessageRejected", request=None)) == "MessageRejected"
    assert aws.describe(ClientError({}, "AnyOperation")) == "Unknown"
    assert aws.describe(EndpointConnectionError(endpoint_url="http://x")) == (
        "EndpointConnectionError"
    )


def test_error_code_is_only_a_providers_answer() -> None:
    assert aws.error_code(client_error("Throttling")) == "Throttling"
    assert aws.error_code(ReadTimeoutError(endpoint_url="http://x")) is None


@pytest.mark.parametrize(
    ("exc", "temporary", "start"),
    [
        (client_error("SlowDown"), True, "SES is not taking sends now (SlowDown, request REQ-7)"),
        (client_error("Whatever", 502), True, "SES is not taking sends now (Whatever"),
        (client_error("MessageRejected"), False, "SES refused the message (MessageRejected"),
        (EndpointConnectionError(endpoint_url="http://x"), True, "cannot reach SES"),
        (ReadTimeoutError(endpoint_url="http://x"), True, "cannot reach SES (ReadTimeoutError)"),
        (NoRegionError(), False, "the SES client is not set up (NoRegionError)"),
    ],
)
def test_send_errors(exc: Exception, temporary: bool, start: str) -> None:
    error = aws.send_error("SES", exc, temporary_codes={"SlowDown"}, refused="the message")

    assert type(error) is SendError
    assert error.temporary is temporary
    assert str(error).startswith(start)
    assert ("temporary" in str(error)) is temporary
    assert "@" not in str(error) and "812" not in str(error)


def test_store_errors() -> None:
    throttled = aws.store_error("put_item", client_error("SlowDown"), throttle_codes={"SlowDown"})
    failed = aws.store_error("put_item", client_error("Broken"), throttle_codes={"SlowDown"})
    unreachable = aws.store_error(
        "get_story", EndpointConnectionError(endpoint_url="http://x"), throttle_codes={"SlowDown"}
    )

    assert type(throttled) is ThrottledError
    assert str(throttled) == "DynamoDB store: put_item throttled (SlowDown, request REQ-7)"
    assert type(failed) is StoreError
    assert str(failed) == "DynamoDB store: put_item failed (Broken, request REQ-7)"
    assert str(unreachable) == "DynamoDB store: get_story failed (EndpointConnectionError)"


def test_queue_errors() -> None:
    error = aws.queue_error(client_error("AWS.SimpleQueueService.NonExistentQueue"))

    assert type(error) is QueueError
    assert str(error) == (
        "SQS refused a batch (AWS.SimpleQueueService.NonExistentQueue, request REQ-7)"
    )
    assert "@" not in str(error) and "812" not in str(error)


@pytest.mark.parametrize(
    ("base", "cap", "budget", "ceilings"),
    [
        # The defaults: 14 more attempts, 4.63 s of waiting at most.
        (0.01, 0.5, 5.0, (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, *[0.5] * 8)),
        (1.0, 1.0, 3.0, (1.0, 1.0, 1.0)),  # a ceiling that fits exactly is kept
        (1.0, 4.0, 10.0, (1.0, 2.0, 4.0)),  # the next 4 would pass the budget
        (0.5, 4.0, 0.4, ()),  # not even one wait fits: no retry
        (0.025, 1.0, 0.0, ()),
    ],
)
def test_backoff_ceilings_double_up_to_the_cap_within_the_budget(
    base: float, cap: float, budget: float, ceilings: tuple[float, ...]
) -> None:
    assert aws.backoff_ceilings(base, cap, budget) == pytest.approx(ceilings)


@pytest.mark.parametrize(("base", "cap", "budget"), [(0, 1, 5), (-1, 1, 5), (2, 1, 5), (1, 2, -1)])
def test_backoff_that_could_never_end_is_refused(base: float, cap: float, budget: float) -> None:
    with pytest.raises(ValueError, match="backoff needs"):
        aws.backoff_ceilings(base, cap, budget)


class Flaky:
    """A provider call failing with each of `errors` in turn, then answering."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_a_throttle_is_waited_out_with_a_random_part_of_each_ceiling() -> None:
    waits: list[float] = []
    draws = iter([0.0, 0.5, 1.0])
    backoff = aws.Backoff(sleep=waits.append, random=lambda: next(draws))
    call = Flaky(client_error("SlowDown"), client_error("SlowDown"), client_error("SlowDown"))

    assert aws.retry_throttled(call, codes={"SlowDown"}, backoff=backoff) == "answer"

    assert call.calls == 4
    assert waits == pytest.approx([0.0, 0.01, 0.04])


def test_a_throttle_that_outlasts_the_budget_is_raised_as_it_came() -> None:
    waits: list[float] = []
    backoff = aws.Backoff(base=1, cap=2, budget=4, sleep=waits.append, random=lambda: 1.0)
    call = Flaky(*(client_error("SlowDown") for _ in range(10)))

    with pytest.raises(ClientError) as caught:
        aws.retry_throttled(call, codes={"SlowDown"}, backoff=backoff)

    assert aws.error_code(caught.value) == "SlowDown"
    assert waits == [1, 2]  # 1 + 2 + 2 would pass the 4 s budget
    assert call.calls == 3


@pytest.mark.parametrize(
    "error", [client_error("MessageRejected"), EndpointConnectionError(endpoint_url="http://x")]
)
def test_anything_but_a_throttle_is_raised_at_once(error: Exception) -> None:
    waits: list[float] = []
    call = Flaky(error)

    with pytest.raises(type(error)):
        aws.retry_throttled(call, codes={"SlowDown"}, backoff=aws.Backoff(sleep=waits.append))

    assert (call.calls, waits) == (1, [])
