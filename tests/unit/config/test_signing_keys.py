"""The signing secret's keys (one a line, the current first) and WARTA_TRUSTED_PROXIES,
checked at start: a wrong value is named, never shown, and nothing is written first."""

from __future__ import annotations

from pathlib import Path

import pytest

from warta.config.settings import load_settings
from warta.core import links
from warta.core.errors import ConfigError

NEW = "n" * 40
OLD = "o" * 40


def settings_of(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return load_settings({"WARTA_HOME": str(tmp_path / "home"), **env}, cwd=tmp_path)


def refused(tmp_path: Path, secret: bytes | None = None, **env: str) -> str:
    with pytest.raises(ConfigError) as raised:
        if secret is None:
            settings_of(tmp_path, **env)
        else:
            load_settings(
                {"WARTA_HOME": str(tmp_path / "home"), **env}, cwd=tmp_path, secret=secret
            )
    assert not (tmp_path / "home").exists()
    return str(raised.value)


def test_a_secret_of_several_lines_signs_with_the_first_and_accepts_the_others(
    tmp_path: Path,
) -> None:
    settings = settings_of(tmp_path, WARTA_SECRET=f"{NEW}\n{OLD}\n")
    old_link = links.sign(OLD.encode(), "unsubscribe", "subscriber:sub-1")

    assert links.verify(settings.secret, "unsubscribe", "subscriber:sub-1", old_link)
    assert links.keyring(settings.secret).current[0] == links.key_id(NEW.encode())


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"{NEW}\nshort", "key 2 of the signing secret (line 2) must be at least 32"),
        (f"{NEW}\n{NEW}", "same key twice"),
    ],
)
def test_each_key_is_long_enough_and_unique(tmp_path: Path, value: str, problem: str) -> None:
    for message in (
        refused(tmp_path, WARTA_SECRET=value),
        refused(tmp_path, secret=value.encode()),  # as read from SSM on AWS
    ):
        assert problem in message
        assert NEW not in message


def test_a_secret_file_of_several_keys_is_checked_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret").write_text(f"{NEW}\n{OLD}\n", encoding="ascii")
    assert len(links.keyring(settings_of(tmp_path).secret).keys) == 2

    (home / "secret").write_text(f"{NEW}\nshort\n", encoding="ascii")
    with pytest.raises(ConfigError, match="key 2 of the signing secret"):
        settings_of(tmp_path)


def test_a_one_line_secret_with_spaces_is_still_one_key(tmp_path: Path) -> None:
    passphrase = "satu kalimat rahasia yang cukup panjang sekali"  # noqa: S105 - a test value
    settings = settings_of(tmp_path, WARTA_SECRET=passphrase)

    assert links.keyring(settings.secret).keys == (
        (links.key_id(passphrase.encode()), passphrase.encode()),
    )


@pytest.mark.parametrize(("value", "proxies"), [("0", 0), ("1", 1), ("5", 5)])
def test_trusted_proxies(tmp_path: Path, value: str, proxies: int) -> None:
    assert (
        settings_of(tmp_path, WARTA_SECRET=NEW, WARTA_TRUSTED_PROXIES=value).trusted_proxies
        == proxies
    )


@pytest.mark.parametrize("value", ["6", "-1", "one", "1.5"])
def test_trusted_proxies_out_of_bounds_is_refused(tmp_path: Path, value: str) -> None:
    assert "WARTA_TRUSTED_PROXIES" in refused(
        tmp_path, WARTA_SECRET=NEW, WARTA_TRUSTED_PROXIES=value
    )
