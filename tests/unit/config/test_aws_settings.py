"""The AWS settings: read only when the AWS wiring is built, every mistake named at start."""

from __future__ import annotations

from typing import Any

import pytest

from warta.config.aws_settings import AwsSettings, load_aws_settings
from warta.config.secret import check_secret
from warta.config.settings import load_settings
from warta.core.errors import ConfigError
from warta.wiring import AwsClients, build_aws

QUEUE = "https://sqs.ap-southeast-3.amazonaws.com/123456789012/warta-"
ENV = {
    "WARTA_PUBLIC_URL": "https://warta.example",
    "WARTA_SENDER": "Warta Pemilu <warta@warta.example>",
    "WARTA_TABLE": "warta",
    "WARTA_INGEST_QUEUE_URL": QUEUE + "ingest",
    "WARTA_ALERT_QUEUE_URL": QUEUE + "alerts",
    "WARTA_DIGEST_QUEUE_URL": QUEUE + "digest",
    "WARTA_SECRET_PARAMETER": "/warta/secret",
}


def test_a_complete_environment_reads_into_aws_settings() -> None:
    assert load_aws_settings(ENV) == AwsSettings(
        table="warta",
        ingest_queue_url=QUEUE + "ingest",
        alert_queue_url=QUEUE + "alerts",
        digest_queue_url=QUEUE + "digest",
        secret_parameter="/warta/secret",  # noqa: S106 - a parameter name, not its value
        ses_configuration_set=None,
        sms_sender_id="WARTA",
        digest_senders=2,
    )


def test_optional_settings_are_taken_when_set() -> None:
    aws = load_aws_settings(
        {**ENV, "WARTA_SES_CONFIGURATION_SET": "warta-mail", "WARTA_SMS_SENDER_ID": "KPUKediri"}
    )
    assert (aws.ses_configuration_set, aws.sms_sender_id) == ("warta-mail", "KPUKediri")
    assert load_aws_settings({**ENV, "WARTA_DIGEST_SENDERS": "40"}).digest_senders == 40


@pytest.mark.parametrize("name", sorted(ENV))
def test_each_required_setting_missing_is_named(name: str) -> None:
    env = {k: v for k, v in ENV.items() if k != name}
    with pytest.raises(ConfigError, match=name):
        load_aws_settings(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WARTA_TABLE", "a b"),
        ("WARTA_INGEST_QUEUE_URL", "warta-ingest"),
        ("WARTA_ALERT_QUEUE_URL", "http://sqs.example/123/warta-alerts"),
        ("WARTA_DIGEST_QUEUE_URL", "https://sqs.example"),
        ("WARTA_SECRET_PARAMETER", "/warta/secret value"),
        ("WARTA_SMS_SENDER_ID", "WARTA-PEMILU"),
        ("WARTA_SMS_SENDER_ID", "12345"),
        ("WARTA_SECRET", "s" * 40),
        ("WARTA_DIGEST_SENDERS", "0"),
        ("WARTA_DIGEST_SENDERS", "1001"),
        ("WARTA_DIGEST_SENDERS", "2.5"),
        ("WARTA_DIGEST_SENDERS", "٣"),
    ],
)
def test_malformed_settings_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_aws_settings({**ENV, name: value})


def test_the_web_function_may_run_without_a_public_url() -> None:
    env = {k: v for k, v in ENV.items() if k != "WARTA_PUBLIC_URL"}
    assert load_aws_settings(env, makes_links=False) == load_aws_settings(ENV)


def test_local_use_needs_none_of_the_aws_settings() -> None:
    settings = load_settings({}, secret=b"s" * 32)
    assert settings.secret == b"s" * 32


def test_a_short_secret_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        check_secret("pendek", "the SSM parameter /warta/secret")
    assert "pendek" not in str(caught.value)
    assert "/warta/secret" in str(caught.value)


class _NoCalls:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"building the wiring called {name}")


def test_the_aws_wiring_connects_to_nothing_when_built() -> None:
    no = _NoCalls()
    app = build_aws(
        load_settings(ENV, secret=b"s" * 32),
        load_aws_settings(ENV),
        clients=AwsClients(dynamodb=no, sesv2=no, sns=no, sqs=no),
    )
    assert app.fanout.queues.ingest is not app.fanout.queues.alerts
    assert "s" * 32 not in repr(app.subscriptions) + repr(app.settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WARTA_INGEST_QUEUE_URL", QUEUE + "ingest\r\nX: y", "must not contain control characters"),
        ("WARTA_ALERT_QUEUE_URL", "https://sqs.example:99999/1/q", "has a port that is not a number"),
        ("WARTA_DIGEST_QUEUE_URL", "https://sqs.example/1/q?x=1", "must be an SQS queue URL"),
        ("WARTA_TABLE", "warta\n", "must not contain control characters or line breaks"),
        ("WARTA_PUBLIC_URL", "https://warta.example\n", "must not contain control characters"),
        ("WARTA_SES_CONFIGURATION_SET", "warta mail", "must be 1 to 64 letters"),
        ("WARTA_SES_CONFIGURATION_SET", "warta\x1b[2J", "must be 1 to 64 letters"),
    ],
)  # fmt: skip
def test_values_with_control_characters_or_bad_parts_are_named_on_one_line(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_aws_settings({**ENV, name: value})
    assert str(raised.value).startswith(name)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value) and "\x1b" not in str(raised.value)


def test_a_queue_url_with_credentials_is_refused_without_showing_them() -> None:
    with pytest.raises(ConfigError) as raised:
        load_aws_settings(
            {**ENV, "WARTA_INGEST_QUEUE_URL": "https://akses:rahasia@sqs.example/1/q"}
        )
    assert str(raised.value).startswith("WARTA_INGEST_QUEUE_URL must not carry a user name")
    assert "rahasia" not in str(raised.value) and "akses" not in str(raised.value)
