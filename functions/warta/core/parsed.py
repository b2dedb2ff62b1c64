"""What a parser gives back: the items of one document, and the entries it had to skip.

One broken entry is that entry's failure, never its document's: a parser
skips it, says which one and why, and returns the others. `ParsedItems` is
still the list of items the Parser port promises, so a caller that only wants
the items needs to know nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from warta.core.errors import WartaError
from warta.core.model import Item
from warta.core.safe_text import clean, shorten

REASON_LIMIT = 300
"""Characters of one reason kept on a source's record."""


class ParsedItems(list[Item]):
    """The items of one document, in its order, and `skipped`: one reason per entry left out."""

    def __init__(self, items: Iterable[Item] = (), skipped: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.skipped: list[str] = list(skipped)
        """"entry 3: ValueError: ..." for each entry that could not be made an item."""


def skipped_entries(items: Sequence[Item]) -> list[str]:
    """The reasons a parser gave for the entries it skipped (none for a plain list)."""
    return list(items.skipped) if isinstance(items, ParsedItems) else []


def reason(exc: BaseException, limit: int = REASON_LIMIT) -> str:
    """An exception as one clean line for a source's record: no traceback, no control characters.

    Warta's own errors say what went wrong in their message; anything else is
    a fault in Warta, named by its type so it can be found and fixed.
    """
    try:
        message = clean(str(exc))
    except Exception:  # an exception that cannot even say what it is
        message = ""
    if not isinstance(exc, WartaError):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return shorten(message or type(exc).__name__, limit)
