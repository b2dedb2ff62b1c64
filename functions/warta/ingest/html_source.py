"""The Parser for news listing pages: items found by CSS selectors (lxml + cssselect).

For sites with no feed, such as the "Berita Terkini" pages of KPU kab/kota
sites (Bootstrap cards) or a city government's own CMS. The `extract`
mapping of such a source:

    item    = "div.card"          # one element per news item
    title   = "h5 a"              # inside the item; its text is the title
    link    = "h5 a"              # inside the item; its href (or the first a[href] in it)
    date    = "span.date"         # optional; a <time datetime> on or in it wins over the text
    summary = "p.card-text"       # optional; without it the item text stays empty

Selectors inside an item may also match the item itself. A page where the
item selector matches nothing is an error, so that a redesign is noticed
rather than read as a quiet source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import cssselect
import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from warta.core.errors import ParseError
from warta.core.model import FetchResult, Source
from warta.core.parsed import ParsedItems
from warta.ingest.records import (
    Record,
    body_text,
    build_items,
    check_keys,
    checked_extract,
    declared_charset,
    page_base,
    web_link,
)

REQUIRED = {
    "item": "the CSS selector of one news item",
    "title": "the CSS selector of the title inside an item",
    "link": "the CSS selector of the link inside an item",
}
OPTIONAL = {
    "date": "the CSS selector of the date inside an item",
    "summary": "the CSS selector of the summary inside an item",
}


def compile_selector(selector: str) -> CSSSelector:
    """A compiled selector; raises ValueError with cssselect's reason when it is not CSS we read."""
    try:
        return CSSSelector(selector, translator="html")
    except cssselect.SelectorError as exc:
        raise ValueError(f"{selector!r} is not a CSS selector: {exc}") from None


def check_extract(extract: Mapping[str, str]) -> None:
    """Raise ValueError naming the key when `extract` cannot describe a listing page."""
    check_keys(extract, REQUIRED, OPTIONAL)
    for key, value in extract.items():
        try:
            compile_selector(value)
        except ValueError as exc:
            raise ValueError(f"extract {key!r}: {exc}") from None


def _document(result: FetchResult) -> Any:
    charset = declared_charset(result)
    if charset is None:
        try:
            # Valid UTF-8 is UTF-8 whatever the page claims; anything else is
            # left to libxml2, which reads the page's <meta charset>.
            body = result.body.decode("utf-8").encode("utf-8")
            charset = "utf-8"
        except UnicodeDecodeError:
            body = result.body
    else:
        # The HTTP header outranks <meta>: re-encoded, the page is read as UTF-8.
        body = body_text(result).encode("utf-8")
        charset = "utf-8"
    parser = lxml.html.HTMLParser(
        encoding=charset, remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        return lxml.html.document_fromstring(body.replace(b"\x00", b""), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"html: not an HTML page: {exc}") from None


def _first(element: Any, selector: CSSSelector | None) -> Any:
    if selector is None:
        return None
    matches = selector(element)
    return matches[0] if matches else None


def _href(element: Any) -> str:
    if element is None:
        return ""
    href = element.get("href")
    if href is None:
        inner = element.xpath(".//a[@href]")
        href = inner[0].get("href") if inner else ""
    return str(href)


def _date(element: Any) -> str | None:
    if element is None:
        return None
    # A machine-readable <time datetime>, on the element or inside it, is
    # exact where the visible text often lacks the time or the zone.
    stamp = element.get("datetime")
    if not stamp:
        inner = element.xpath(".//time[@datetime]")
        stamp = inner[0].get("datetime") if inner else None
    return str(stamp or element.text_content()).strip() or None


def _markup(element: Any) -> str:
    # Markup rather than text_content(): html_to_text drops <script> and
    # <style> inside a title or summary, text_content() would keep their code.
    if element is None:
        return ""
    return str(lxml.html.tostring(element, encoding="unicode", with_tail=False))


def parse_listing(source: Source, result: FetchResult, *, seen_at: datetime) -> ParsedItems:
    """Items of a listing page, in page order, not yet classified.

    Raises ParseError when the body is not HTML, when the item selector
    matches nothing, or when no matched item has a title. An item that
    cannot be read is skipped (see `assemble`).
    """
    extract = checked_extract(source, check_extract, "html")
    item = compile_selector(extract["item"])
    title = compile_selector(extract["title"])
    link = compile_selector(extract["link"])
    date = compile_selector(extract["date"]) if extract.get("date") else None
    summary = compile_selector(extract["summary"]) if extract.get("summary") else None

    root = _document(result)
    elements = item(root)
    if not elements:
        raise ParseError(f"html: no element matches item selector {extract['item']!r}")

    def record(element: Any) -> Record:
        return Record(
            title=_markup(_first(element, title)),
            link=_href(_first(element, link)),
            date=_date(_first(element, date)),
            text=_markup(_first(element, summary)),
        )

    base = page_base(source, result)
    # A page's own <base href> is where its relative links point (CMSs that
    # serve listings from a subfolder rely on it).
    declared = root.find(".//base[@href]")
    if declared is not None:
        resolved = web_link(str(declared.get("href")), base)
        base = resolved or base
    items = build_items(source, elements, record, base_url=base, seen_at=seen_at)
    if not items:
        why = f" ({items.skipped[0]})" if items.skipped else ""
        raise ParseError(
            f"html: {len(elements)} elements match {extract['item']!r} "
            f"but none has a title at {extract['title']!r}{why}"
        )
    return items
