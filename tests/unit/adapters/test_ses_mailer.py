"""SesMailer against moto's SES running as a real HTTP server on loopback."""

from __future__ import annotations

import itertools
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.ses import ses_backends
from tests.doubles import MotoAccount

from warta.adapters.aws import NO_BACKOFF, Backoff
from warta.adapters.ses import SesMailer
from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY
from warta.services.compose import Rendered, build_message

REGION = "ap-southeast-3"
SENDER = "warta@warta.example"
READER = "pembaca@warga.example"
# Longer than 78 columns on its own: folded at the usual limit, it would break.
UNSUBSCRIBE = (
    "https://warta.example/unsubscribe?subscriber=sub-0123456789abcdef&token="
    "c2lnbmVkLXRva2VuLXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tZm9sZA"
)
_accounts = itertools.count(100_000_000_001)


class Aws(MotoAccount):
    """One moto account of its own per test, so tests never see each other's mail."""

    def sent(self) -> list[Any]:
        return list(ses_backends[self.account][REGION].sent_messages)


@pytest.fixture
def aws(moto_url: str) -> Aws:
    return Aws(moto_url)


@pytest.fixture
def verified(aws: Aws) -> Aws:
    # moto, like SES in its sandbox, refuses a sender it has not verified.
    aws.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    return aws


def digest(sender: str = f"Warta Pemilu <{SENDER}>", to: str = READER) -> EmailMessage:
    return build_message(
        Rendered(
            subject="Ringkasan Pemilu – 28 November",
            text=f"Halo, ini ringkasan.\nBerhenti: {UNSUBSCRIBE}\n",
            html=f'<p>Halo, ini ringkasan.</p><a href="{UNSUBSCRIBE}">Berhenti</a>',
        ),
        sender=sender,
        to=to,
        unsubscribe=UNSUBSCRIBE,
        domain="warta.example",
        kind="digest",
        now=datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
    )


def test_send_returns_the_id_ses_recorded(verified: Aws) -> None:
    message_id = SesMailer(verified.client("sesv2")).send(digest())

    (record,) = verified.sent()
    assert message_id == record.id
    assert record.destinations == [READER]


def test_raw_bytes_reach_ses_exactly_as_the_wire_policy_writes_them(verified: Aws) -> None:
    message = digest()
    SesMailer(verified.client("sesv2")).send(message)

    (record,) = verified.sent()
    raw = record.raw_data.encode("ascii")
    assert raw == message.as_bytes(policy=WIRE_POLICY)
    # One physical line: a receiver reading a continuation line sees " <https..." and fails.
    assert f"\r\nList-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in raw
    assert b"Content-Type: text/plain" in raw
    assert b"Content-Type: text/html" in raw


def test_unverified_sender_is_a_send_error_that_names_no_address(aws: Aws) -> None:
    mailer = SesMailer(aws.client("sesv2"))

    with pytest.raises(SendError) as caught:
        mailer.send(digest(sender="Penipu <penipu@palsu.example>"))

    assert str(caught.value).startswith("SES refused the message (MessageRejected")
    assert "@" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert aws.sent() == []


class _NoCalls:
    def send_email(self, **_: Any) -> dict[str, str]:
        raise AssertionError("the provider must not be called")


@pytest.mark.parametrize("header", ["Message-ID", "From", "To"])
def test_message_missing_a_header_is_refused_before_any_call(header: str) -> None:
    message = digest()
    del message[header]

    with pytest.raises(SendError, match=f"message has no {header}"):
        SesMailer(_NoCalls()).send(message)


def _stubbed(**kwargs: Any) -> tuple[SesMailer, Stubber]:
    client = boto3.client(
        "sesv2",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - dummy credentials, nothing is sent
    )
    return SesMailer(client, **kwargs), Stubber(client)


@pytest.mark.parametrize(
    ("code", "status", "temporary"),
    [
        ("TooManyRequestsException", 429, True),
        ("Throttling", 400, True),
        ("LimitExceededException", 400, True),
        ("InternalServiceErrorException", 500, True),
        ("SomethingNew", 503, True),
        ("MessageRejected", 400, False),
        ("MailFromDomainNotVerifiedException", 400, False),
        ("SendingPausedException", 400, False),
        ("AccountSuspendedException", 400, False),
        ("NotFoundException", 404, False),
    ],
)
def test_client_errors_become_send_errors_without_the_providers_text(
    code: str, status: int, temporary: bool
) -> None:
    mailer, stubber = _stubbed(backoff=NO_BACKOFF)
    stubber.add_client_error(
        "send_email",
        service_error_code=code,
        service_message=f"Email address is not verified: {READER}",
        http_status_code=status,
    )

    with stubber, pytest.raises(SendError) as caught:
        mailer.send(digest())

    text = str(caught.value)
    assert code in text
    assert ("temporary" in text) is temporary
    assert caught.value.temporary is temporary
    assert "@" not in text and "verified" not in text


def throttle(stubber: Stubber, times: int) -> None:
    for _ in range(times):
        stubber.add_client_error(
            "send_email",
            service_error_code="TooManyRequestsException",
            service_message="Maximum sending rate exceeded.",
            http_status_code=429,
        )


def test_a_throttled_send_is_tried_again_after_a_jittered_wait_and_goes_once() -> None:
    waits: list[float] = []
    backoff = Backoff(sleep=waits.append, random=lambda: 0.5)
    mailer, stubber = _stubbed(backoff=backoff)
    throttle(stubber, 3)
    stubber.add_response("send_email", {"MessageId": "ses-1"})

    with stubber:
        assert mailer.send(digest()) == "ses-1"
    stubber.assert_no_pending_responses()

    assert waits == [0.005, 0.01, 0.02]  # half of each ceiling: 10, 20 and 40 ms


def test_a_send_throttled_past_its_backoff_is_a_temporary_send_error() -> None:
    waits: list[float] = []
    backoff = Backoff(sleep=waits.append, random=lambda: 0.99)
    mailer, stubber = _stubbed(backoff=backoff)
    throttle(stubber, len(backoff.ceilings()) + 1)

    with stubber, pytest.raises(SendError) as caught:
        mailer.send(digest())
    stubber.assert_no_pending_responses()  # every attempt made, and no more

    assert caught.value.temporary
    assert str(caught.value).startswith("SES is not taking sends now (TooManyRequestsException")
    assert len(waits) == 14 and sum(waits) <= backoff.budget


def test_a_refusal_is_not_tried_again() -> None:
    waits: list[float] = []
    mailer, stubber = _stubbed(backoff=Backoff(sleep=waits.append))
    stubber.add_client_error("send_email", service_error_code="MessageRejected")

    with stubber, pytest.raises(SendError, match="SES refused the message"):
        mailer.send(digest())

    assert waits == []


def test_configuration_set_goes_with_the_raw_message() -> None:
    mailer, stubber = _stubbed(configuration_set="warta-digest")
    message = digest()
    stubber.add_response(
        "send_email",
        {"MessageId": "ses-1"},
        expected_params={
            "Content": {"Raw": {"Data": message.as_bytes(policy=WIRE_POLICY)}},
            "ConfigurationSetName": "warta-digest",
        },
    )

    with stubber:
        assert mailer.send(message) == "ses-1"
    stubber.assert_no_pending_responses()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_endpoint_is_a_temporary_send_error() -> None:
    aws = Aws(f"http://127.0.0.1:{_closed_port()}")
    mailer = SesMailer(aws.client("sesv2", retries={"max_attempts": 1}))

    with pytest.raises(SendError, match=r"cannot reach SES \(EndpointConnectionError\); temporary"):
        mailer.send(digest())


def test_client_is_built_on_first_send_not_at_construction(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    mailer = SesMailer()  # with no region anywhere, building a client now would fail

    account = str(next(_accounts))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)  # read by the in-process server
    aws = Aws(moto_url)
    aws.account = account
    aws.client("sesv2").create_email_identity(EmailIdentity=SENDER)

    message_id = mailer.send(digest())

    assert [record.id for record in aws.sent()] == [message_id]
