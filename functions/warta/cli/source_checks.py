"""Admin checks on sources: fetch each once and show what came back; enable a gone source.

`check_sources` writes nothing to the store and sends no conditional headers,
so it shows what a first fetch would see today. It is how an admin verifies a
source before setting `enabled = true`, and what a health message points to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from warta.core.days import JAKARTA
from warta.core.errors import ConfigError
from warta.core.model import Source, SourceState
from warta.core.ports import Clock, Fetcher, Parser, Store


@dataclass(frozen=True, slots=True)
class CheckRow:
    source_id: str
    kind: str
    status: int | None
    """HTTP status of the answer; None when none came (network error, refused address)."""
    items: int | None
    """Items parsed; None when the fetch or the parse failed."""
    newest: datetime | None
    elapsed_ms: float
    """Fetch and parse together."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_source(
    source: Source,
    fetcher: Fetcher,
    parse: Parser,
    clock: Clock,
    *,
    timer: Callable[[], float] = time.perf_counter,
) -> CheckRow:
    started = timer()
    status: int | None = None
    try:
        result = fetcher.fetch(source)
        status = result.status
        items = parse(source, result, seen_at=clock.now())
    except Exception as exc:
        # Whatever breaks on one source (a parser bug included) is that source's
        # row: an admin checking twenty sources needs the other nineteen.
        return CheckRow(
            source_id=source.id,
            kind=source.kind.value,
            status=getattr(exc, "status", None) or status,
            items=None,
            newest=None,
            elapsed_ms=(timer() - started) * 1000,
            error=str(exc) or type(exc).__name__,
        )
    return CheckRow(
        source_id=source.id,
        kind=source.kind.value,
        status=status,
        items=len(items),
        newest=max((i.published_at for i in items), default=None),
        elapsed_ms=(timer() - started) * 1000,
    )


def check_sources(
    sources: Iterable[Source],
    fetcher: Fetcher,
    parse: Parser,
    clock: Clock,
    *,
    timer: Callable[[], float] = time.perf_counter,
) -> list[CheckRow]:
    """Fetch each source once, unconditionally, and parse it; one row per source, in order."""
    return [check_source(s, fetcher, parse, clock, timer=timer) for s in sources]


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def format_table(rows: Iterable[CheckRow]) -> str:
    """A plain-text table: id, kind, status, items, newest item (WIB), ms, error."""
    header = ("id", "kind", "status", "items", "newest (WIB)", "ms", "error")
    lines = [
        (
            row.source_id,
            row.kind,
            _cell(row.status),
            _cell(row.items),
            row.newest.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M") if row.newest else "-",
            f"{row.elapsed_ms:.0f}",
            " ".join((row.error or "").split())[:120],
        )
        for row in rows
    ]
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(header[:-1])]
    out = []
    for cells in (header, *lines):
        left = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
        out.append(f"{left}  {cells[-1]}".rstrip())
    return "\n".join(out) + "\n"


def enable_advice(sources: Iterable[Source], rows: Iterable[CheckRow]) -> str:
    """Which disabled sources to enable: those that answered with items.

    A source that answered with none needs its address or selectors looked at
    first (the table shows the newest date of the others, worth a look too); one
    that failed is left as it is.
    """
    disabled = {source.id for source in sources if not source.enabled}
    ready: list[str] = []
    empty: list[str] = []
    for row in rows:
        if row.source_id in disabled and row.ok:
            (ready if row.items else empty).append(row.source_id)
    lines = []
    if ready:
        lines.append(f"to enable (set enabled = true): {', '.join(ready)}")
    if empty:
        lines.append(f"answered with no items (check the url and extract): {', '.join(empty)}")
    return "".join(f"{line}\n" for line in lines)


def enable_source(store: Store, source_id: str) -> bool:
    """Enable a source disabled after 410 Gone; False if it was not disabled.

    Its state starts over, so the next run is a first run: an updated URL in
    the sources file is used (not a stale moved_to), and a new feed behind it
    only lets recent items through instead of its whole archive. Items already
    seen stay seen: they are kept apart from the state.
    """
    state = store.get_source_state(source_id)
    if state is None or not state.disabled:
        return False
    store.put_source_state(SourceState(source_id))
    return True


DISABLED_BY_ADMIN = "disabled by an admin (warta sources disable)"


def disable_source(store: Store, source_id: str) -> bool:
    """Stop polling a source until `warta sources enable`; False if it was already disabled.

    The rest of its state is kept (what it last answered, its errors), so the
    listing still tells why it was stopped and how it went before.
    """
    state = store.get_source_state(source_id) or SourceState(source_id)
    if state.disabled:
        return False
    store.put_source_state(replace(state, disabled=True, last_error=DISABLED_BY_ADMIN))
    return True


def select_sources(
    sources: Iterable[Source], ids: Iterable[str] = (), *, include_disabled: bool = False
) -> list[Source]:
    """The sources a check names: those ids (enabled or not), else all, else the enabled ones."""
    sources = list(sources)
    wanted = list(dict.fromkeys(ids))
    if wanted:
        by_id = {s.id: s for s in sources}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            raise ConfigError(f"no source with id {', '.join(unknown)} in the sources file")
        return [by_id[i] for i in wanted]
    return [s for s in sources if include_disabled or s.enabled]
