"""SnsNotifier against moto's SNS running as a real HTTP server on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.sns import sns_backends
from tests.doubles import MotoAccount

from warta.adapters.aws import NO_BACKOFF, Backoff
from warta.adapters.sns import SnsNotifier
from warta.core.errors import ConfigError, SendError

REGION = "ap-southeast-3"
PHONE = "+6281234567890"
ALERT = "WARTA: KPU mengklarifikasi hoaks surat suara tercoblos. Rincian di surel."


class Aws(MotoAccount):
    """One moto account of its own per test, so tests never see each other's SMS."""

    def __init__(self, url: str) -> None:
        super().__init__(url, region=REGION)
        self.calls: list[dict[str, Any]] = []

    def sns(self) -> Any:
        client = self.client("sns")
        client.meta.events.register("provide-client-params.sns.Publish", self._record)
        return client

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(params)

    def sms(self) -> dict[str, tuple[str, str]]:
        return dict(sns_backends[self.account][REGION].sms_messages)


@pytest.fixture
def aws(moto_url: str) -> Aws:
    return Aws(moto_url)


@dataclass(frozen=True)
class _Answer:
    """What botocore reads of an HTTP answer a before-call hook gives instead of calling."""

    status_code: int


def test_publish_is_recorded_by_sns_under_the_returned_id(aws: Aws) -> None:
    message_id = SnsNotifier(aws.sns()).notify(PHONE, ALERT)

    assert aws.sms() == {message_id: (PHONE, ALERT)}


def test_sender_id_and_sms_type_go_with_every_publish(aws: Aws) -> None:
    SnsNotifier(aws.sns(), sender_id="KPUWARTA", sms_type="Promotional").notify(PHONE, ALERT)

    (call,) = aws.calls
    assert call == {
        "PhoneNumber": PHONE,
        "Message": ALERT,
        "MessageAttributes": {
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "KPUWARTA"},
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Promotional"},
        },
    }


def test_defaults_are_a_transactional_sms_from_warta(aws: Aws) -> None:
    SnsNotifier(aws.sns()).notify(PHONE, ALERT)

    (call,) = aws.calls
    assert call["MessageAttributes"] == {
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "WARTA"},
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
    }


def test_no_sender_id_leaves_the_attribute_out(aws: Aws) -> None:
    SnsNotifier(aws.sns(), sender_id=None).notify(PHONE, ALERT)

    (call,) = aws.calls
    assert set(call["MessageAttributes"]) == {"AWS.SNS.SMS.SMSType"}


@pytest.mark.parametrize(
    "phone",
    [
        "081234567890",  # national form, no country code
        "6281234567890",  # no plus
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+0812345678",  # country codes never start with 0
        "+1234567",  # 7 digits
        "+1234567890123456",  # 16 digits
        "+6281234567890\n",
        "+62812345678９",  # a full-width digit
        "",
    ],
)
def test_number_not_in_e164_is_refused_without_a_call_or_an_echo(aws: Aws, phone: str) -> None:
    with pytest.raises(SendError) as caught:
        SnsNotifier(aws.sns()).notify(phone, ALERT)

    assert "E.164" in str(caught.value)
    assert "812" not in str(caught.value) and "456" not in str(caught.value)
    assert aws.calls == []


@pytest.mark.parametrize("phone", ["+62812345", "+12025550123", "+628123456789012"])
def test_e164_numbers_from_8_to_15_digits_are_sent(aws: Aws, phone: str) -> None:
    message_id = SnsNotifier(aws.sns()).notify(phone, ALERT)

    assert aws.sms()[message_id] == (phone, ALERT)


def test_empty_text_is_refused_without_a_call(aws: Aws) -> None:
    with pytest.raises(SendError, match="SMS text is empty"):
        SnsNotifier(aws.sns()).notify(PHONE, "")
    assert aws.calls == []


def test_sns_refusal_is_a_send_error_naming_the_code_only(aws: Aws) -> None:
    # moto, like SNS, refuses an SMS over 1600 bytes.
    with pytest.raises(SendError) as caught:
        SnsNotifier(aws.sns()).notify(PHONE, "a" * 1601)

    assert str(caught.value).startswith("SNS refused the SMS (InvalidParameter")
    assert "1600" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert aws.sms() == {}


@pytest.mark.parametrize(
    ("code", "status", "temporary"),
    [
        ("ThrottledException", 429, True),
        ("Throttling", 400, True),
        ("KMSThrottlingException", 400, True),
        ("InternalErrorException", 500, True),
        ("SomethingNew", 503, True),
        ("OptedOutException", 400, False),
        ("InvalidParameterException", 400, False),
        ("AuthorizationErrorException", 403, False),
    ],
)
def test_client_errors_become_send_errors_without_the_providers_text(
    code: str, status: int, temporary: bool
) -> None:
    client = boto3.client(
        "sns",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - dummy credentials, nothing is sent
    )
    stubber = Stubber(client)
    stubber.add_client_error(
        "publish",
        service_error_code=code,
        service_message=f"Phone number {PHONE} has opted out",
        http_status_code=status,
    )

    with stubber, pytest.raises(SendError) as caught:
        SnsNotifier(client, backoff=NO_BACKOFF).notify(PHONE, ALERT)

    text = str(caught.value)
    assert code in text
    assert ("temporary" in text) is temporary
    assert caught.value.temporary is temporary
    assert "812" not in text and "opted out" not in text


def test_a_throttled_sms_is_tried_again_and_sent_once(aws: Aws) -> None:
    waits: list[float] = []
    client = aws.sns()
    throttled = iter([True, True, False])

    def throttle(**_: Any) -> Any:
        # As SNS answers an account over its SMS rate, for the first two attempts.
        if next(throttled):
            return _Answer(400), {
                "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        return None

    client.meta.events.register("before-call.sns.Publish", throttle)
    notifier = SnsNotifier(client, backoff=Backoff(sleep=waits.append, random=lambda: 1.0))

    message_id = notifier.notify(PHONE, ALERT)

    assert aws.sms() == {message_id: (PHONE, ALERT)}
    assert waits == [0.01, 0.02]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"sender_id": "WARTA-PEMILU"}, "sender id"),  # hyphen
        ({"sender_id": "WARTAPEMILU24"}, "sender id"),  # 13 characters
        ({"sender_id": "12345"}, "sender id"),  # no letter
        ({"sender_id": ""}, "sender id"),
        ({"sms_type": "transactional"}, "SMS type"),
    ],
)
def test_bad_sms_settings_are_refused_at_construction(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        SnsNotifier(object(), **kwargs)
