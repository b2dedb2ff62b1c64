"""The Jinja2 environment over templates/, used by every message and page.

Autoescape is on for HTML templates: text from feeds is data, never markup.
Plain-text templates (.txt) are not escaped, because they are not HTML.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warta.config.files import templates_dir
from warta.core.days import JAKARTA


def tanggal(value: date | datetime) -> str:
    """'Selasa, 21 Maret 2023', the day in Jakarta."""
    if isinstance(value, datetime):
        value = value.astimezone(JAKARTA).date()
    return format_date(value, "EEEE, d MMMM y", locale="id")


def tanggal_jam(value: datetime) -> str:
    """'Selasa, 21 Maret 2023 pukul 09.30 WIB'."""
    local = value.astimezone(JAKARTA)
    return f"{tanggal(local)} pukul {format_time(local, 'HH.mm', locale='id')} WIB"


def jam(value: datetime) -> str:
    """'09.30 WIB'."""
    return f"{format_time(value.astimezone(JAKARTA), 'HH.mm', locale='id')} WIB"


def href(url: str) -> str:
    """A link from a feed, only if it is http(s): a `javascript:` URL is data, not a link."""
    return url if url.startswith(("https://", "http://")) else "#"


class JinjaRenderer:
    """Implements the Renderer port."""

    def __init__(self, directory: Path | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory or templates_dir())),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["tanggal"] = tanggal
        self.env.filters["tanggal_jam"] = tanggal_jam
        self.env.filters["jam"] = jam
        self.env.filters["href"] = href

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)


@cache
def default_renderer() -> JinjaRenderer:
    return JinjaRenderer()
