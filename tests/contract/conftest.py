"""Fixtures that run the contract suites against every implementation of a port.

To test another Store, append to STORE_FACTORIES a function that gets the
pytest request (to reach the fixtures it needs) and returns a factory. A factory
gets the test's tmp_path and returns a ready, empty Store; called twice with the
same tmp_path it must return two handles on the same data (two processes sharing
one database), which the concurrency tests rely on.

The DynamoDB store runs against DynamoDB Local, started once per test session
by the `dynamodb_local` fixture of tests/conftest.py.

The Mailer, Notifier and Queue suites keep their factories in their own modules;
those on moto ask for `moto_url` or `moto_account` (tests/conftest.py) only when
their case runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core.ports import Store

StoreFactory = Callable[[Path], Store]


def sqlite_factory(tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "warta.sqlite3")


def sqlite_stores(request: pytest.FixtureRequest) -> StoreFactory:
    return sqlite_factory


def dynamodb_stores(request: pytest.FixtureRequest) -> StoreFactory:
    # Asked for here, not as a parameter, so a run of the SQLite cases alone starts no Java.
    make: StoreFactory = request.getfixturevalue("dynamodb_local").store
    return make


STORE_FACTORIES = [
    pytest.param(sqlite_stores, id="sqlite"),
    pytest.param(dynamodb_stores, id="dynamodb"),
]


def close_store(store: Store) -> None:
    # close() is not part of the Store port (a DynamoDB client needs none).
    close = getattr(store, "close", None)
    if callable(close):
        close()


@pytest.fixture(params=STORE_FACTORIES)
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    make: Callable[[pytest.FixtureRequest], StoreFactory] = request.param
    return make(request)


@pytest.fixture
def open_store(store_factory: StoreFactory, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Open another handle on the test's store; every handle is closed afterwards."""
    opened: list[Store] = []

    def open_() -> Store:
        store = store_factory(tmp_path)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        close_store(store)


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    return open_store()
