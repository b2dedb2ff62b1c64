"""WARTA_STORE: which store the admin commands work on, checked at start like every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from warta.adapters.dynamodb_store import DynamoDbStore
from warta.adapters.sqlite_store import SqliteStore
from warta.config.settings import load_settings
from warta.core.errors import ConfigError
from warta.wiring import open_store


@pytest.mark.parametrize(
    ("value", "table"),
    [
        (None, None),
        ("sqlite", None),
        (" sqlite ", None),
        ("dynamodb:warta-WartaTable-1AB2C3", "warta-WartaTable-1AB2C3"),
        ("dynamodb:a.b_c", "a.b_c"),
    ],
)
def test_the_store_is_sqlite_or_a_dynamodb_table(
    tmp_path: Path, value: str | None, table: str | None
) -> None:
    env = {"WARTA_HOME": str(tmp_path / "home")}
    if value is not None:
        env["WARTA_STORE"] = value
    assert load_settings(env, cwd=tmp_path).dynamodb_table == table


@pytest.mark.parametrize(
    "value",
    ["", "dynamodb", "dynamodb:", "dynamodb:ab", "dynamodb:a b c", "dynamodb:tab/le", "postgres",
     "DynamoDB:warta", "sqlite:warta.db", "dynamodb:warta\nx", "dynamodb:" + "t" * 256],
)  # fmt: skip
def test_anything_else_stops_at_start_naming_the_setting(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"WARTA_HOME": str(tmp_path / "home"), "WARTA_STORE": value}, cwd=tmp_path)
    message = str(raised.value)
    assert message.startswith("WARTA_STORE must be sqlite or dynamodb:TABLE")
    assert "\n" not in message
    assert not (tmp_path / "home").exists()


def test_open_store_opens_the_store_the_setting_names(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    local = load_settings({"WARTA_HOME": home}, cwd=tmp_path)
    with open_store(local) as store:
        assert isinstance(store, SqliteStore)
    deployed = load_settings({"WARTA_HOME": home, "WARTA_STORE": "dynamodb:warta"}, cwd=tmp_path)
    # Building it connects to nothing: the client is made on the first call.
    with open_store(deployed) as store:
        assert isinstance(store, DynamoDbStore)
        assert store.table_name == "warta"


def test_a_look_before_the_first_run_leaves_no_database_behind(tmp_path: Path) -> None:
    settings = load_settings({"WARTA_HOME": str(tmp_path / "home")}, cwd=tmp_path)
    with open_store(settings, read_only=True) as store:
        assert store.get_official("x") is None
    assert not settings.database.exists()
