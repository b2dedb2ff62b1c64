"""DNS lookups with a timeout: getaddrinfo run on a small pool of daemon threads.

getaddrinfo takes no timeout, so a fetch that looked names up itself could be
held by a hung resolver for as long as the resolver likes. Here the lookup runs
on a worker thread and the caller waits only as long as its fetch can afford.
"""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from typing import Any, TypeVar

from warta.core.errors import FetchError
from warta.ingest.fetch_clock import Deadline

_T = TypeVar("_T")


class LookupPool:
    """A few daemon threads that run DNS lookups, so a caller can stop waiting for one.

    getaddrinfo takes no timeout and a thread blocked in it cannot be killed: a
    lookup that outlives its wait is abandoned and keeps its worker until the
    resolver gives up, if it ever does. The worker count is fixed so that a
    storm of hung lookups cannot grow threads without bound; once every worker
    is stuck, new lookups queue and their waits time out like any other.

    concurrent.futures.ThreadPoolExecutor is not used because it joins its
    workers at interpreter exit, so a single abandoned lookup would hang the
    process on its way out; these workers are daemons and do not hold it.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = False

    def submit(self, job: Callable[[], _T]) -> Future[_T]:
        self._start()
        future: Future[_T] = Future()
        self._jobs.put((future, job))
        return future

    def _start(self) -> None:
        # Started on first use so that importing the module starts no threads.
        with self._lock:
            if self._started:
                return
            for n in range(self._workers):
                name = f"warta-dns-{n}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
            self._started = True

    def _work(self) -> None:
        while True:
            future, job = self._jobs.get()
            # False when the caller gave up while the job was still queued.
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = job()
            except BaseException as exc:  # handed to the caller, who re-raises it
                future.set_exception(exc)
            else:
                future.set_result(result)
            # An idle worker should not keep the last lookup (and its fetcher) alive.
            del future, job


_LOOKUPS = LookupPool(workers=4)


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order, without duplicates. Blocks."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("dns", f"{host}: {exc}") from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def resolve_within(
    lookup: Callable[[], list[str]], host: str, deadline: Deadline, timeout: float
) -> list[str]:
    """The answer of `lookup`, a resolution of `host`, waited for up to `timeout` seconds.

    Never longer than the fetch's budget left; a lookup that takes longer
    raises FetchError ("dns", or "budget_exceeded" when the budget cut it short).
    """
    try:
        wait = deadline.timeout(timeout)
    except TimeoutError as exc:
        raise FetchError("budget_exceeded", f"no budget left to look up {host}") from exc
    future = _LOOKUPS.submit(lookup)
    if not wait_for([future], timeout=wait).done:
        # A lookup still queued behind hung ones is dropped; a running one
        # cannot be stopped and is left to finish on its own (see LookupPool).
        future.cancel()
        reason = "budget_exceeded" if deadline.budget_bound else "dns"
        raise FetchError(reason, f"lookup of {host} took longer than {wait:.3g} s")
    return future.result()
