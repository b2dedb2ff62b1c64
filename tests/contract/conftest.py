"""Fixtures that run the contract suites against every implementation of a port.

To test another Store, append a factory to STORE_FACTORIES. A factory gets the
test's tmp_path and returns a ready, empty Store; called twice with the same
tmp_path it must return two handles on the same data (two processes sharing
one database), which the concurrency tests rely on.
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


STORE_FACTORIES = [
    pytest.param(sqlite_factory, id="sqlite"),
]


def close_store(store: Store) -> None:
    # close() is not part of the Store port (a DynamoDB client needs none).
    close = getattr(store, "close", None)
    if callable(close):
        close()


@pytest.fixture(params=STORE_FACTORIES)
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    factory: StoreFactory = request.param
    return factory


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
