"""The Jinja2 environment over templates/, used by every message and page.

Autoescape is on for HTML templates: text from feeds is data, never markup.
Plain-text templates (.txt) are not escaped, because they are not HTML.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from warta.config.files import templates_dir
from warta.core.days import JAKARTA
from warta.core.regions import region_name

if TYPE_CHECKING:
    from babel import Locale

    from warta.core.model import Authority, Story
    from warta.core.text.claims import StoryCheck


@cache
def _locale() -> Locale:
    """Babel's Indonesian locale, read once: given by name, Babel parses it again for
    every date shown, which cost a digest more than the rest of its rendering."""
    from babel import Locale  # Babel's locale data loads on the first date shown

    return Locale.parse("id")


@lru_cache(maxsize=1024)
def tanggal(value: date | datetime) -> str:
    """'Selasa, 21 Maret 2023', the day in Jakarta."""
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = value.astimezone(JAKARTA).date()
    return format_date(value, "EEEE, d MMMM y", locale=_locale())


@lru_cache(maxsize=1024)
def tanggal_jam(value: datetime) -> str:
    """'Selasa, 21 Maret 2023 pukul 09.30 WIB'."""
    from babel.dates import format_time

    local = value.astimezone(JAKARTA)
    return f"{tanggal(local)} pukul {format_time(local, 'HH.mm', locale=_locale())} WIB"


@lru_cache(maxsize=1024)
def jam(value: datetime) -> str:
    """'09.30 WIB'."""
    from babel.dates import format_time

    return f"{format_time(value.astimezone(JAKARTA), 'HH.mm', locale=_locale())} WIB"


@lru_cache(maxsize=256)
def klarifikasi(story: Story) -> StoryCheck:
    """A clarification's verdict, fact, claim and who states the fact, for its messages
    (read once per story: a message shows it in several places)."""
    from warta.core.text.claims import check_story  # the text pipeline, on the first one shown

    return check_story(story)


def sumber_label(authority: Authority) -> str:
    """'Sumber resmi' for an election body or the government, 'Pemeriksa fakta', 'Media'."""
    from warta.core.text.claims import speaker_label

    return speaker_label(authority)


def sumber_resmi(story: Story) -> int:
    """How many election bodies and government sources carried the story."""
    from warta.core.text.claims import OFFICIAL_BODIES

    return len({s.source_id for s in story.sources if s.authority in OFFICIAL_BODIES})


_SCRIPT_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def json_ld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json"> element: < > & are written as JSON
    escapes, so no text in it can close the element or open another one."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_UNSAFE)
    return Markup(text)  # noqa: S704 (nothing left in it that HTML reads as markup)


def href(url: str) -> str:
    """A link from a feed, only if it is http(s): a `javascript:` URL is data, not a link."""
    return url if url.startswith(("https://", "http://")) else "#"


class JinjaRenderer:
    """Implements the Renderer port."""

    def __init__(self, directory: Path | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory or templates_dir())),
            # Atom feeds are XML: escaped as HTML is, which XML reads the same.
            autoescape=select_autoescape(
                enabled_extensions=("html", "atom"), default_for_string=True
            ),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["tanggal"] = tanggal
        self.env.filters["tanggal_jam"] = tanggal_jam
        self.env.filters["jam"] = jam
        self.env.filters["href"] = href
        # "Kota Kediri", not "35.71"; the region table loads on the first name shown.
        self.env.filters["region_name"] = region_name
        # A clarification leads with its fact and verdict, its claim marked as such.
        self.env.filters["klarifikasi"] = klarifikasi
        self.env.filters["sumber_label"] = sumber_label
        self.env.filters["sumber_resmi"] = sumber_resmi
        self.env.filters["json_ld"] = json_ld

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def render_parts(self, template: str, slot: str, **context: Any) -> tuple[str, ...]:
        """Render once for many recipients: the text around each place `slot` is written.

        The slot (a recipient's own link) is a fresh random URL for this render,
        and Jinja yields every `{{ expression }}` as a chunk of its own, so the
        places are known from the chunks as they are produced: nothing rendered
        is searched afterwards, and no text from a feed can pose as a slot.
        """
        mark = f"https://warta.invalid/{secrets.token_hex(16)}"
        parts: list[str] = []
        current: list[str] = []
        for chunk in self.env.get_template(template).generate(**context, **{slot: mark}):
            if chunk == mark:
                parts.append("".join(current))
                current = []
            else:
                current.append(chunk)
        parts.append("".join(current))
        if any(mark in part for part in parts):
            # Only a template can do this (the mark is new to this render).
            raise ValueError(f"{template} writes {slot} inside a larger expression")
        return tuple(parts)


@cache
def default_renderer() -> JinjaRenderer:
    return JinjaRenderer()
