"""`warta run` (one cycle on the sources file) and `warta demo` (one cycle on the samples)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warta.cli.common import add_sources_option, settings, sources_file, sources_option
from warta.core.errors import ConfigError

if TYPE_CHECKING:
    from warta.cli.common import Subparsers
    from warta.core.model import Source


def register(sub: Subparsers) -> None:
    demo = sub.add_parser("demo", help="run the whole cycle on bundled sample sources")
    demo.add_argument("--samples", type=Path, help="a folder laid out like events/ (feeds/, demo/)")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="one cycle: fetch due sources, send alerts, send a digest")
    add_sources_option(run)
    run.add_argument(
        "--digest",
        default="none",
        help="due (each subscriber at their own hour: run it hourly), or an edition sent to "
        "every subscriber at once: today, yesterday or YYYY-MM-DD; none (default) sends none",
    )
    run.add_argument("--all", action="store_true", help="fetch every enabled source, due or not")
    run.set_defaults(func=cmd_run)


def cmd_demo(args: argparse.Namespace) -> int:
    from warta.demo.runner import run_demo

    report = run_demo(settings(), samples=args.samples)
    return 1 if report.failures else 0


def digest_day(value: str, now: datetime) -> date | None:
    """The edition `--digest` names, None for none (and for `due`, which names no edition)."""
    from warta.core.days import jakarta_day

    today = jakarta_day(now)
    if value in ("none", "due"):
        return None
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--digest must be due, today, yesterday, none or YYYY-MM-DD, not {value!r}"
        ) from None


def nothing_enabled(sources: list[Source], path: Path, args: argparse.Namespace) -> str | None:
    """What to tell an admin whose sources file fetches nothing, and how to change that."""
    if not sources:
        return f"{path} lists no source: add [[source]] tables to it (see README.md)."
    if any(s.enabled for s in sources):
        return None
    return (
        f"Every source in {path} is disabled ({len(sources)} sources), so nothing is fetched.\n"
        f"Check them with `warta sources check --all{sources_option(args)}`, then set "
        "`enabled = true` in that file on each source that answers."
    )


def cmd_run(args: argparse.Namespace) -> int:
    from warta.config.sources import load_sources
    from warta.wiring import build_local

    current = settings()
    path = sources_file(args, current)
    sources = load_sources(path)
    notice = nothing_enabled(sources, path, args)
    if notice:
        # Not an error: the rest of the cycle (lost alerts, the digest) still runs.
        print(notice)
    app = build_local(current)
    try:
        day = digest_day(args.digest, app.clock.now())
        report = app.local_cycle.run(
            sources,
            digest_day=day,
            digest_due=args.digest == "due",
            force=args.all,
            progress=print,
        )
    finally:
        app.close()
    print(
        f"{report.sources_fetched} sources fetched, {report.sources_failed} failed, "
        f"{report.new_items} new items, {report.new_stories} new stories, "
        f"{report.alerts_sent} alerts and {report.digests_sent} digests sent"
    )
    return 1 if report.failures else 0
