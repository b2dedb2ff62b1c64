"""What every verb module of the `warta` command shares."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warta.config.settings import Settings

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def err(message: str) -> None:
    """One line on stderr, named after the command."""
    print(f"warta: {message}", file=sys.stderr)


def settings() -> Settings:
    from warta.config.settings import load_settings

    return load_settings()


def sources_file(args: argparse.Namespace, settings: Settings) -> Path:
    """The sources file a command reads: --sources, else WARTA_SOURCES or the bundled one."""
    given: Path | None = getattr(args, "sources", None)
    return given or settings.sources_file


def sources_option(args: argparse.Namespace) -> str:
    """`--sources FILE` when the command was given one, to repeat in a suggested command."""
    given: Path | None = getattr(args, "sources", None)
    return f" --sources {shlex.quote(str(given))}" if given else ""


def add_sources_option(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """--sources FILE. `nested`: on a sub-action, where it must not hide the parent's value."""
    parser.add_argument(
        "--sources",
        type=Path,
        default=argparse.SUPPRESS if nested else None,
        help="sources file (default: WARTA_SOURCES or the bundled one)",
    )
