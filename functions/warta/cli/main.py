"""The `warta` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warta.core.days import JAKARTA_NAME
from warta.core.errors import ConfigError, FetchError, ParseError, WartaError
from warta.core.identity import normalize_email, subscriber_id
from warta.core.model import NATIONAL, Authority, Official, Source, SourceKind, Subscriber

if TYPE_CHECKING:
    from warta.config.settings import Settings

# Subcommands import what they need when they run, so `warta --help` and a
# mistyped command answer at once.


def _err(message: str) -> None:
    print(f"warta: {message}", file=sys.stderr)


def _settings() -> Settings:
    from warta.config.settings import load_settings

    return load_settings()


def cmd_demo(args: argparse.Namespace) -> int:
    from warta.demo.run import run_demo

    report = run_demo(_settings(), samples=args.samples)
    return 1 if report.failures else 0


def _digest_day(value: str, now: datetime) -> date | None:
    from warta.core.days import jakarta_day

    today = jakarta_day(now)
    if value == "none":
        return None
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--digest must be today, yesterday, none or YYYY-MM-DD, not {value!r}"
        ) from None


def cmd_run(args: argparse.Namespace) -> int:
    from warta.config.sources import load_sources
    from warta.wiring import build_local

    settings = _settings()
    sources = load_sources(args.sources or settings.sources_file)
    app = build_local(settings)
    try:
        day = _digest_day(args.digest, app.clock.now())
        report = app.run_cycle(sources, digest_day=day, force=args.all, progress=print)
    finally:
        app.close()
    print(
        f"{report.sources_fetched} sources fetched, {report.sources_failed} failed, "
        f"{report.new_items} new items, {report.new_stories} new stories, "
        f"{report.alerts_sent} alerts and {report.digests_sent} digests sent"
    )
    return 1 if report.failures else 0


def _preview_source(args: argparse.Namespace) -> tuple[Source, str]:
    """The throwaway Source a preview reads, and the address to fetch it from."""
    from warta.config.sources import parse_extract

    target = args.source
    url = target if target.startswith(("http://", "https://")) else Path(target).resolve().as_uri()
    pairs: dict[str, str] = {}
    for pair in args.extract:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--extract takes KEY=VALUE, not {pair!r}")
        pairs[key.strip()] = value.strip()
    kind = SourceKind(args.kind)
    source = Source(
        id="preview",
        name="preview",
        # A local copy of a page keeps its links relative to the site it came from.
        url=args.base_url or url,
        authority=Authority(args.authority),
        region=args.region,
        kind=SourceKind(args.kind),
        timezone=args.timezone,
        allow_addresses=tuple(args.allow_address),
        extract=parse_extract("preview", kind, pairs),
    )
    return source, url


def cmd_preview(args: argparse.Namespace) -> int:
    from warta.core.text.classify import classify
    from warta.core.text.summarize import summarize
    from warta.ingest.file_fetcher import FileFetcher
    from warta.ingest.http import HttpFetcher
    from warta.ingest.parsers import parse

    settings = _settings()
    source, url = _preview_source(args)
    fetcher = (
        HttpFetcher(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            total_budget=settings.fetch_budget,
            max_body_bytes=settings.max_body_bytes,
        )
        if url.startswith(("http://", "https://"))
        else FileFetcher(max_body_bytes=settings.max_body_bytes)
    )
    now = datetime.now(UTC)
    try:
        result = fetcher.fetch(source, url=url)
        items = parse(source, result, seen_at=now)
    except (FetchError, ParseError) as exc:
        _err(f"cannot preview {args.source}: {exc}")
        return 1
    for item in items:
        election, clarification = classify(item.title, item.text, item.authority)
        line = {
            "id": item.id,
            "title": item.title,
            "url": item.url,
            "published": item.published_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "summary": summarize(item.title, item.text),
            "election": election,
            "clarification": clarification,
        }
        print(json.dumps(line, ensure_ascii=False))
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from warta.adapters.sqlite_store import SqliteStore
    from warta.config.sources import load_sources

    settings = _settings()
    sources = load_sources(args.sources or settings.sources_file)
    store = SqliteStore(settings.database) if settings.database.exists() else None
    print(f"{'id':<28} {'kind':<5} {'authority':<11} {'region':<9} {'on':<3} last result")
    for source in sources:
        state = store.get_source_state(source.id) if store else None
        if state is None:
            last = "never fetched"
        elif state.last_error:
            last = f"{state.error_count} error(s): {state.last_error}"
        else:
            last = f"ok {state.last_status}"
        enabled = "yes" if source.enabled else "no"
        print(
            f"{source.id:<28} {source.kind.value:<5} {source.authority.value:<11} "
            f"{source.region:<9} {enabled:<3} {last}"
        )
    return 0


def cmd_sources_check(args: argparse.Namespace) -> int:
    from warta.adapters.clock import SystemClock
    from warta.cli.source_checks import check_sources, format_table, select_sources
    from warta.config.sources import load_sources
    from warta.ingest.parsers import parse
    from warta.wiring import build_fetcher

    settings = _settings()
    sources = select_sources(
        load_sources(args.sources or settings.sources_file), args.ids, include_disabled=args.all
    )
    if not sources:
        print("no source to check: every source is disabled (use --all, or name one)")
        return 0
    print(f"Fetching {len(sources)} sources once each; nothing is stored.", flush=True)
    rows = check_sources(sources, build_fetcher(settings), parse, SystemClock())
    print(format_table(rows), end="")
    return 0 if all(r.ok for r in rows) else 1


def cmd_sources_enable(args: argparse.Namespace) -> int:
    from warta.adapters.sqlite_store import SqliteStore
    from warta.cli.source_checks import enable_source

    with SqliteStore(_settings().database) as store:
        done = enable_source(store, args.id)
    print(
        f"source {args.id} "
        + ("enabled: its next run is a first run" if done else "was not disabled")
    )
    return 0


def cmd_subscribers_add(args: argparse.Namespace) -> int:
    from warta.adapters.sqlite_store import SqliteStore

    settings = _settings()
    if "@" not in args.email:
        raise ConfigError(f"{args.email!r} is not an email address")
    with SqliteStore(settings.database) as store:
        store.put_subscriber(
            Subscriber(
                id=subscriber_id(args.email),
                email=normalize_email(args.email),
                regions=tuple(args.region or [NATIONAL]),
                created_at=datetime.now(UTC),
            )
        )
    print(f"subscriber {subscriber_id(args.email)} added")
    return 0


def cmd_officials_add(args: argparse.Namespace) -> int:
    from warta.adapters.sqlite_store import SqliteStore

    if not args.email and not args.phone:
        raise ConfigError("an official needs --email or --phone")
    settings = _settings()
    with SqliteStore(settings.database) as store:
        store.put_official(
            Official(
                id=args.id,
                name=args.name,
                role=args.role,
                region=args.region,
                email=normalize_email(args.email) if args.email else None,
                phone=args.phone,
            )
        )
    print(f"official {args.id} added")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from warta.web.serve import serve

    serve(_settings(), host=args.host, port=args.port)
    return 0


def cmd_text(args: argparse.Namespace) -> int:
    from warta.cli import text_filters as textcli

    run = {
        "summarize": textcli.summarize_lines,
        "classify": textcli.classify_lines,
        "cluster": textcli.cluster_lines,
    }[args.command]
    return run(sys.stdin, sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warta",
        description="Warta: daily digests of Indonesian election news and alerts on hoax clarifications.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole cycle on bundled sample sources")
    demo.add_argument("--samples", type=Path, help="a folder laid out like events/ (feeds/, demo/)")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="one cycle: fetch due sources, send alerts, send a digest")
    run.add_argument(
        "--sources", type=Path, help="sources file (default: WARTA_SOURCES or the bundled one)"
    )
    run.add_argument(
        "--digest", default="none", help="today, yesterday, none (default) or YYYY-MM-DD"
    )
    run.add_argument("--all", action="store_true", help="fetch every enabled source, due or not")
    run.set_defaults(func=cmd_run)

    preview = sub.add_parser("preview", help="show what Warta makes of one source, storing nothing")
    preview.add_argument("source", help="a URL or a file")
    preview.add_argument("--kind", default="rss", choices=[k.value for k in SourceKind])
    preview.add_argument("--authority", default="media", choices=[a.value for a in Authority])
    preview.add_argument("--region", default=NATIONAL)
    preview.add_argument("--timezone", default=JAKARTA_NAME)
    preview.add_argument(
        "--allow-address",
        action="append",
        default=[],
        help="let the fetch reach this private address",
    )
    preview.add_argument(
        "--extract",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="json/html sources: where the items are, e.g. --extract items=data.data "
        "--extract title=title (repeatable; the keys of a source's extract table)",
    )
    preview.add_argument(
        "--base-url", help="resolve a local file's links as if fetched from this URL"
    )
    preview.set_defaults(func=cmd_preview)

    sources = sub.add_parser("sources", help="list the sources and how their last fetch went")
    sources.add_argument("--sources", type=Path)
    sources.set_defaults(func=cmd_sources)
    sources_sub = sources.add_subparsers(dest="action")
    check = sources_sub.add_parser(
        "check", help="fetch each enabled source once and print a table; stores nothing"
    )
    check.add_argument("ids", nargs="*", help="only these source ids")
    check.add_argument("--all", action="store_true", help="disabled sources too")
    check.add_argument("--sources", type=Path)
    check.set_defaults(func=cmd_sources_check)
    enable = sources_sub.add_parser(
        "enable", help="clear the state of a source Warta disabled (410 Gone)"
    )
    enable.add_argument("id")
    enable.set_defaults(func=cmd_sources_enable)

    subscribers = sub.add_parser("subscribers", help="manage digest subscribers")
    subscribers_sub = subscribers.add_subparsers(dest="action", required=True)
    add = subscribers_sub.add_parser("add", help="add an active subscriber")
    add.add_argument("email")
    add.add_argument("--region", action="append", help="region code to follow (repeatable)")
    add.set_defaults(func=cmd_subscribers_add)

    officials = sub.add_parser("officials", help="manage officials who receive alerts")
    officials_sub = officials.add_subparsers(dest="action", required=True)
    oadd = officials_sub.add_parser("add", help="add an official")
    oadd.add_argument("--id", required=True)
    oadd.add_argument("--name", required=True)
    oadd.add_argument("--role", required=True)
    oadd.add_argument("--region", required=True)
    oadd.add_argument("--email")
    oadd.add_argument("--phone")
    oadd.set_defaults(func=cmd_officials_add)
    serve = sub.add_parser(
        "serve", help="serve the unsubscribe pages that links in messages point at"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8025, help="port to listen on (default 8025)")
    serve.set_defaults(func=cmd_serve)

    for name, reads, adds in (
        ("summarize", '{"title", "text"}', '"summary"'),
        (
            "classify",
            '{"title", "summary", "source"} (source: an authority)',
            '"election", "clarification"',
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        _err(str(exc))
        return 2
    except WartaError as exc:
        _err(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
