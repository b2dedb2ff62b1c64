"""Where the files that ship with Warta are: templates and sample sources.

A wheel carries them inside the package (pyproject maps templates/ and events/
to warta/templates and warta/events); an editable install and a checkout use
them where they stand at the top of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_CONFIG = Path(__file__).resolve().parent
_PACKAGE = _CONFIG.parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Warta's {name}/ folder is missing from this installation")


@cache
def templates_dir() -> Path:
    return _find("templates")


@cache
def events_dir() -> Path:
    return _find("events")


def default_sources_file() -> Path:
    return _CONFIG / "sources.toml"
