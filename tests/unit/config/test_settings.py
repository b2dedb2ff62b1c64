"""Local settings: every WARTA_* value checked at start, named when wrong, nothing written first."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from warta.config.settings import load_settings
from warta.core.errors import ConfigError

SECRET = "s" * 40


def settings_of(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return load_settings({"WARTA_HOME": str(tmp_path / "home"), **env}, cwd=tmp_path)


def refused(tmp_path: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path, **env)
    message = str(raised.value)
    assert "\n" not in message and "\r" not in message
    # A wrong setting leaves nothing behind: no home folder, no secret file.
    assert not (tmp_path / "home").exists()
    return message


NUMBERS = {
    "WARTA_BATCH_SIZE": 10_000,
    "WARTA_ALERT_BATCH": 1000,
    "WARTA_STORY_WINDOW_DAYS": 365,
    "WARTA_CONNECT_TIMEOUT": 3600,
    "WARTA_READ_TIMEOUT": 3600,
    "WARTA_FETCH_BUDGET": 3600,
    "WARTA_MAX_BODY_BYTES": 100 * 1024 * 1024,
    "WARTA_ALERT_FAILING_HOURS": 24 * 365,
    "WARTA_QUIET_DAYS": 365,
    "WARTA_FIRST_RUN_HOURS": 24 * 365,
    "WARTA_SEND_RATE": 100_000,
    "WARTA_SMS_RATE": 100_000,
}
"""Each numeric setting and the largest value it takes."""


@pytest.mark.parametrize("name", sorted(NUMBERS))
@pytest.mark.parametrize(
    "value", ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1", "0", "", " ", "lima", "٣"]
)
def test_numbers_that_are_not_finite_or_not_in_range_are_named(
    tmp_path: Path, name: str, value: str
) -> None:
    assert refused(tmp_path, **{name: value}).startswith(name + " must be ")


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_numbers_above_their_bound_are_named(tmp_path: Path, name: str) -> None:
    message = refused(tmp_path, **{name: str(NUMBERS[name] + 1)})
    assert message == f"{name} must be at most {NUMBERS[name]}"
    assert refused(tmp_path, **{name: "9" * 5000}).startswith(name)


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_numbers_at_their_bound_are_taken(tmp_path: Path, name: str) -> None:
    settings_of(tmp_path, **{name: f" {NUMBERS[name]} ", "WARTA_SECRET": SECRET})


@pytest.mark.parametrize(
    ("name", "value"),
    [("WARTA_BATCH_SIZE", "2.5"), ("WARTA_QUIET_DAYS", "7.0"), ("WARTA_MAX_BODY_BYTES", "5e6")],
)
def test_whole_numbers_are_whole(tmp_path: Path, name: str, value: str) -> None:
    assert refused(tmp_path, **{name: value}).startswith(f"{name} must be a whole number")


def test_numbers_are_read_into_their_settings(tmp_path: Path) -> None:
    settings = settings_of(
        tmp_path,
        WARTA_SECRET=SECRET,
        WARTA_BATCH_SIZE="250",
        WARTA_ALERT_BATCH="40",
        WARTA_STORY_WINDOW_DAYS="5",
        WARTA_CONNECT_TIMEOUT="2.5",
        WARTA_READ_TIMEOUT="0.5",
        WARTA_FETCH_BUDGET="60",
        WARTA_MAX_BODY_BYTES="1048576",
        WARTA_ALERT_FAILING_HOURS="12",
        WARTA_QUIET_DAYS="14",
        WARTA_FIRST_RUN_HOURS="72",
    )
    assert (settings.batch_size, settings.max_body_bytes) == (250, 1048576)
    assert settings.alert_batch == 40
    # Unset, alert batches are sized to the function that sends them.
    assert settings_of(tmp_path, WARTA_SECRET=SECRET).alert_batch is None
    assert (settings.connect_timeout, settings.read_timeout, settings.fetch_budget) == (
        2.5,
        0.5,
        60.0,
    )
    assert settings.story_window == timedelta(days=5)
    assert settings.alert_failing_after == timedelta(hours=12)
    assert settings.quiet_after == timedelta(days=14)
    assert settings.first_run_window == timedelta(hours=72)


def test_send_rates_are_unset_unless_given_and_may_be_below_one(tmp_path: Path) -> None:
    unset = settings_of(tmp_path, WARTA_SECRET=SECRET)
    assert (unset.send_rate, unset.sms_rate) == (None, None)
    rates = settings_of(tmp_path, WARTA_SECRET=SECRET, WARTA_SEND_RATE="0.5", WARTA_SMS_RATE="20")
    assert (rates.send_rate, rates.sms_rate) == (0.5, 20.0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://warta.contoh.id\r\nSet-Cookie: x=1", "must not contain spaces, line breaks"),
        ("https://warta.contoh.id\n", "must not contain spaces, line breaks"),
        ("https://warta.contoh.id/\x1b[2J", "must not contain spaces, line breaks"),
        (" https://warta.contoh.id", "must not contain spaces, line breaks"),
        ("https://warta contoh.id", "must not contain spaces, line breaks"),
        ("https://warta.contoh.id/?x=1", "must not have a query (?) or a fragment (#)"),
        ("https://warta.contoh.id/?", "must not have a query (?) or a fragment (#)"),
        ("https://warta.contoh.id/#top", "must not have a query (?) or a fragment (#)"),
        ("https://warta.contoh.id:99999", "has a port that is not a number from 1 to 65535"),
        ("https://warta.contoh.id:https", "has a port that is not a number from 1 to 65535"),
        ("https://warta.contoh.id:0", "has a port that is not a number from 1 to 65535"),
        ("https://admin:rahasia@warta.contoh.id", "must not carry a user name or password"),
        ("warta.contoh.id", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https:warta.contoh.id", "must start with http:// or https://"),
        ("https://", "must name a host"),
        ("http://warta.contoh.id", "must use https unless it points at this machine"),
    ],
)
def test_public_url_is_one_clean_absolute_base(tmp_path: Path, value: str, message: str) -> None:
    text = refused(tmp_path, WARTA_PUBLIC_URL=value)
    assert text.startswith("WARTA_PUBLIC_URL " + message)
    assert "rahasia" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://warta.contoh.id", "https://warta.contoh.id"),
        ("https://warta.contoh.id/", "https://warta.contoh.id"),
        ("https://contoh.id:8443/warta/", "https://contoh.id:8443/warta"),
        ("http://localhost:8025", "http://localhost:8025"),
        ("http://[::1]:8025", "http://[::1]:8025"),
    ],
)
def test_public_url_good_values(tmp_path: Path, value: str, expected: str) -> None:
    settings = settings_of(tmp_path, WARTA_PUBLIC_URL=value, WARTA_SECRET=SECRET)
    assert settings.public_url == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "WARTA_SECRET is set but blank"),
        ("   \t ", "WARTA_SECRET is set but blank"),
        ("pendek", "WARTA_SECRET must be at least 32 characters"),
        ("  " + "s" * 31 + "    ", "WARTA_SECRET must be at least 32 characters"),
    ],
)
def test_secret_is_not_blank_and_long_enough_without_showing_it(
    tmp_path: Path, value: str, message: str
) -> None:
    text = refused(tmp_path, WARTA_SECRET=value)
    assert text.startswith(message)
    if value.strip():
        assert value.strip() not in text


def test_a_secret_from_the_environment_is_used_as_set(tmp_path: Path) -> None:
    assert settings_of(tmp_path, WARTA_SECRET=SECRET).secret == SECRET.encode()


@pytest.mark.parametrize(
    "value",
    [
        "admin@contoh.id, kedua@contoh.id",
        "admin@contoh.id kedua@contoh.id",
        "admin@contoh.id\r\nBcc: kedua@contoh.id",
        '"admin@contoh.id" <kedua@contoh.id>',
        "admin",
        "admin@",
    ],
)
def test_admin_email_is_exactly_one_address_never_echoed(tmp_path: Path, value: str) -> None:
    text = refused(tmp_path, WARTA_ADMIN_EMAIL=value)
    assert text.startswith("WARTA_ADMIN_EMAIL must ")
    assert "admin@contoh.id" not in text and "kedua" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("admin@contoh.id", "admin@contoh.id"), ("Admin <admin@contoh.id>", "admin@contoh.id")],
)
def test_admin_email_good_values(tmp_path: Path, value: str, expected: str) -> None:
    assert settings_of(tmp_path, WARTA_ADMIN_EMAIL=value, WARTA_SECRET=SECRET).admin_email == (
        expected
    )


@pytest.mark.parametrize(
    "value",
    [
        "Warta <warta@contoh.id>, Lain <lain@contoh.id>",
        "Warta <warta@contoh.id>\r\nBcc: lain@contoh.id",
        '"kpu@kpu.go.id" <warta@contoh.id>',
        "Warta",
    ],
)
def test_sender_is_one_mailbox(tmp_path: Path, value: str) -> None:
    assert refused(tmp_path, WARTA_SENDER=value).startswith("WARTA_SENDER must ")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WARTA_SMTP_HOST": "smtp contoh.id"}, "WARTA_SMTP_HOST must be a host name"),
        ({"WARTA_SMTP_HOST": "smtp.contoh.id\r\n"}, "WARTA_SMTP_HOST must be a host name"),
        ({"WARTA_SMTP_PORT": "nan"}, "WARTA_SMTP_PORT must be a whole number"),
        ({"WARTA_SMTP_PORT": "-25"}, "WARTA_SMTP_PORT must be at least 1"),
        ({"WARTA_SMTP_PORT": "1e400"}, "WARTA_SMTP_PORT must be a whole number"),
        ({"WARTA_SMTP_TIMEOUT": "nan"}, "WARTA_SMTP_TIMEOUT must be a finite number"),
        ({"WARTA_SMTP_TIMEOUT": "inf"}, "WARTA_SMTP_TIMEOUT must be a finite number"),
        ({"WARTA_SMTP_TIMEOUT": "1e400"}, "WARTA_SMTP_TIMEOUT must be a finite number"),
        ({"WARTA_SMTP_TIMEOUT": "-1"}, "WARTA_SMTP_TIMEOUT must be more than 0"),
        ({"WARTA_SMTP_TIMEOUT": "3601"}, "WARTA_SMTP_TIMEOUT must be at most 3600"),
        (
            {"WARTA_SMTP_USER": "warta\r\nMAIL FROM:<x>", "WARTA_SMTP_PASSWORD": "p"},
            "WARTA_SMTP_USER must not contain control characters",
        ),
        (
            {"WARTA_SMTP_USER": "warta", "WARTA_SMTP_PASSWORD": "rahasia\nQUIT"},
            "WARTA_SMTP_PASSWORD must not contain control characters",
        ),
    ],
)
def test_smtp_settings(tmp_path: Path, env: dict[str, str], message: str) -> None:
    base = {"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.contoh.id"}
    text = refused(tmp_path, **{**base, **env})
    assert text.startswith(message)
    assert "rahasia" not in text


def test_home_that_is_a_file_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    with pytest.raises(ConfigError) as raised:
        load_settings({"WARTA_HOME": str(home)}, cwd=tmp_path)
    assert str(raised.value) == f"WARTA_HOME {home} is not a folder"


def test_home_below_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError) as raised:
        load_settings({"WARTA_HOME": str(tmp_path / "file" / "home")}, cwd=tmp_path)
    assert str(raised.value).endswith(f"cannot be made: {tmp_path / 'file'} is a file")


def test_read_only_home_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    real_access = os.access
    # Root may write anywhere, so the read-only folder is what os.access says of it.
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != home and real_access(path, mode)
    )
    with pytest.raises(ConfigError) as raised:
        load_settings({"WARTA_HOME": str(home)}, cwd=tmp_path)
    assert str(raised.value) == f"WARTA_HOME {home} is not writable"
    assert list(home.iterdir()) == []


def test_outbox_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "outbox").write_text("x")
    message = refused(tmp_path, WARTA_OUTBOX=str(tmp_path / "outbox"))
    assert message == f"WARTA_OUTBOX {tmp_path / 'outbox'} is not a folder"


@pytest.mark.parametrize("name", ["WARTA_HOME", "WARTA_OUTBOX", "WARTA_SOURCES"])
def test_blank_paths_are_named(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} is set but blank$"):
        load_settings({name: " "}, cwd=tmp_path)


def test_a_path_with_a_line_break_is_quoted_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "a\nb").write_text("x")
    with pytest.raises(ConfigError) as raised:
        load_settings({"WARTA_HOME": str(tmp_path / "a\nb")}, cwd=tmp_path)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith("WARTA_HOME '")


def test_a_secret_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "secret").write_bytes(b"\xff\xfe" * 40)
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'home' / 'secret'} is not a signing secret")


def test_the_secret_file_is_made_once_and_kept(tmp_path: Path) -> None:
    first = settings_of(tmp_path).secret
    assert (tmp_path / "home" / "secret").stat().st_mode & 0o777 == 0o600
    assert settings_of(tmp_path).secret == first
