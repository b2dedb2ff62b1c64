"""The `warta` command: the top-level parser, dispatch and error handling.

Each verb group lives in its own module with a `register(subparsers)` that
adds its parsers; a command imports what it needs when it runs, so
`warta --help` and a mistyped command answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warta.cli import (
    archive_command,
    cycle_commands,
    family_commands,
    people_commands,
    serve_command,
    source_commands,
)
from warta.cli.common import err
from warta.core.errors import ConfigError, WartaError

if TYPE_CHECKING:
    from warta.cli.common import Subparsers

BROKEN_PIPE = 141
"""What a shell reports for a command whose reader went away (128 + SIGPIPE)."""


def version() -> str:
    """The installed distribution's version, else the package's own."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("warta")
    except PackageNotFoundError:
        from warta import __version__

        return __version__


class _Version(argparse.Action):
    """--version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, **kwargs
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"warta {version()}")
        parser.exit()


def cmd_text(args: argparse.Namespace) -> int:
    from warta.cli import text_filters

    filters = {
        "summarize": text_filters.summarize_lines,
        "classify": text_filters.classify_lines,
        "cluster": text_filters.cluster_lines,
    }
    return filters[args.command](sys.stdin, sys.stdout)


def register_text_filters(sub: Subparsers) -> None:
    for name, reads, adds in (
        ("summarize", '{"title", "text"}', '"summary"'),
        (
            "classify",
            '{"title", "summary", "source"} (source: an authority)',
            '"election", "clarification", "region"',
        ),
        ("cluster", '{"id", "title", "text", "source"} for one batch', '"story"'),
    ):
        text = sub.add_parser(
            name,
            help=f"read JSON lines {reads} on stdin, write each with {adds} added",
            description=f"Reads JSON lines {reads} on standard input and writes one JSON line per "
            f"input line, in order, with {adds} added. Uses the code the pipeline uses.",
        )
        text.set_defaults(func=cmd_text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warta",
        description="Warta: daily digests of Indonesian election news and alerts on hoax clarifications.",
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (
        cycle_commands,
        source_commands,
        family_commands,  # warta sources for-region: after `sources`, which it extends
        people_commands,
        serve_command,
        archive_command,
    ):
        module.register(sub)
    register_text_filters(sub)
    return parser


def _quiet_broken_pipe() -> int:
    # The reader (`| head`) has gone: point stdout at devnull so that the flush
    # at exit has nowhere to fail, and leave without a traceback.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # stdout is no file descriptor (called in-process): nothing is flushed at exit
    return BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = int(args.func(args))
        # Written out here, not at exit, so a closed pipe is caught below.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except ConfigError as exc:
        err(str(exc))
        return 2
    except WartaError as exc:
        err(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
