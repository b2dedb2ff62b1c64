"""`warta sources` (list, check, enable, disable) and `warta preview`: an admin looking at sources."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warta.cli.common import add_sources_option, err, settings, sources_file
from warta.core.days import JAKARTA_NAME
from warta.core.errors import ConfigError, FetchError, ParseError
from warta.core.model import NATIONAL, Authority, Source, SourceKind
from warta.core.validate import printable, url_problem, without_userinfo

if TYPE_CHECKING:
    from warta.cli.common import Subparsers
    from warta.config.settings import Settings


def register(sub: Subparsers) -> None:
    preview = sub.add_parser("preview", help="show what Warta makes of one source, storing nothing")
    preview.add_argument("source", help="a URL or a file")
    # Left unset, each comes from the sources file when it lists this URL
    # (as its address, or as where it moved), else from the defaults shown.
    preview.add_argument(
        "--kind", choices=[k.value for k in SourceKind], help="rss (default), json or html"
    )
    preview.add_argument("--authority", choices=[a.value for a in Authority], help="default: media")
    preview.add_argument("--region", help=f"default: {NATIONAL}")
    preview.add_argument("--timezone", help=f"default: {JAKARTA_NAME}")
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
    add_sources_option(preview)
    preview.set_defaults(func=cmd_preview)

    sources = sub.add_parser("sources", help="list the sources and how their last fetch went")
    add_sources_option(sources)
    sources.set_defaults(func=cmd_sources)
    actions = sources.add_subparsers(dest="action")
    check = actions.add_parser(
        "check", help="fetch each enabled source once and print a table; stores nothing"
    )
    check.add_argument("ids", nargs="*", help="only these source ids")
    check.add_argument("--all", action="store_true", help="disabled sources too")
    add_sources_option(check, nested=True)
    check.set_defaults(func=cmd_sources_check)
    enable = actions.add_parser(
        "enable", help="clear the state of a source Warta disabled (410 Gone)"
    )
    enable.add_argument("id")
    add_sources_option(enable, nested=True)
    enable.set_defaults(func=cmd_sources_enable)
    disable = actions.add_parser(
        "disable", help="stop polling a source until `warta sources enable` (state is kept)"
    )
    disable.add_argument("id")
    add_sources_option(disable, nested=True)
    disable.set_defaults(func=cmd_sources_disable)


# -- preview ---------------------------------------------------------------------


def _address(target: str) -> str:
    """The URL to preview: a web address, checked as a sources file's would be, or a file."""
    if not target.startswith(("http://", "https://")):
        return Path(target).resolve().as_uri()
    problem = url_problem(target)
    if problem is not None:
        raise ConfigError(f"the URL {printable(without_userinfo(target))} {problem}")
    return target


def listed_source(current: Settings, path: Path, url: str, *, explicit: bool) -> Source | None:
    """The source of the sources file fetched from `url`: its own address or where it moved.

    A preview of a listed source reads it as a run would (kind, selectors,
    allowed addresses), so the command a health message suggests works as
    printed. A sources file that cannot be read only matters when it was named.
    """
    from warta.config.sources import load_sources
    from warta.wiring import open_store

    try:
        sources = load_sources(path)
    except ConfigError:
        if explicit:
            raise
        return None
    for source in sources:
        if source.url == url:
            return source
    with open_store(current, read_only=True) as store:
        for source in sources:
            state = store.get_source_state(source.id)
            if state is not None and state.moved_to == url:
                return source
    return None


def preview_source(args: argparse.Namespace, listed: Source | None, url: str) -> Source:
    """The throwaway Source a preview reads: options given, else the listed source's, else defaults."""
    from warta.config.sources import parse_extract

    pairs: dict[str, str] = {}
    for pair in args.extract:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--extract takes KEY=VALUE, not {pair!r}")
        pairs[key.strip()] = value.strip()
    kind = SourceKind(args.kind) if args.kind else (listed.kind if listed else SourceKind.RSS)
    if pairs or listed is None or listed.kind is not kind:
        extract = parse_extract("preview", kind, pairs)
    else:
        extract = dict(listed.extract)
    allowed = (*(listed.allow_addresses if listed else ()), *args.allow_address)
    return Source(
        id="preview",
        name="preview",
        # A local copy of a page keeps its links relative to the site it came from.
        url=args.base_url or url,
        authority=Authority(args.authority)
        if args.authority
        else (listed.authority if listed else Authority.MEDIA),
        region=args.region or (listed.region if listed else NATIONAL),
        kind=kind,
        timezone=args.timezone or (listed.timezone if listed else JAKARTA_NAME),
        allow_addresses=tuple(dict.fromkeys(allowed)),
        extract=extract,
    )


def cmd_preview(args: argparse.Namespace) -> int:
    from warta.core.text.classify import classify
    from warta.core.text.summarize import summarize
    from warta.ingest.parsers import parse
    from warta.wiring import build_preview_fetcher

    current = settings()
    url = _address(args.source)
    listed = listed_source(
        current, sources_file(args, current), url, explicit=args.sources is not None
    )
    source = preview_source(args, listed, url)
    fetcher = build_preview_fetcher(current, url)
    now = datetime.now(UTC)
    try:
        result = fetcher.fetch(source, url=url)
        items = parse(source, result, seen_at=now)
    except (FetchError, ParseError) as exc:
        err(f"cannot preview {args.source}: {exc}")
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


# -- sources -----------------------------------------------------------------------


def cmd_sources(args: argparse.Namespace) -> int:
    from warta.config.sources import load_sources
    from warta.wiring import open_store

    current = settings()
    sources = load_sources(sources_file(args, current))
    print(f"{'id':<28} {'kind':<5} {'authority':<11} {'region':<9} {'on':<3} last result")
    with open_store(current, read_only=True) as store:
        for source in sources:
            state = store.get_source_state(source.id)
            if state is None:
                last = "never fetched"
            elif state.last_error:
                last = f"{state.error_count} error(s): {state.last_error}"
            else:
                last = f"ok {state.last_status}"
            if state is not None and state.skipped_items:
                last += f"; {state.skipped_items} item(s) skipped, last: {state.last_item_error}"
            enabled = "yes" if source.enabled else "no"
            print(
                f"{source.id:<28} {source.kind.value:<5} {source.authority.value:<11} "
                f"{source.region:<9} {enabled:<3} {last}"
            )
    return 0


def cmd_sources_check(args: argparse.Namespace) -> int:
    from warta.cli.source_checks import check_sources, enable_advice, format_table, select_sources
    from warta.config.sources import load_sources
    from warta.ingest.parsers import parse
    from warta.wiring import build_clock, build_fetcher

    current = settings()
    sources = select_sources(
        load_sources(sources_file(args, current)), args.ids, include_disabled=args.all
    )
    if not sources:
        print("no source to check: every source is disabled (use --all, or name one)")
        return 0
    print(f"Fetching {len(sources)} sources once each; nothing is stored.", flush=True)
    rows = check_sources(sources, build_fetcher(current), parse, build_clock())
    print(format_table(rows) + enable_advice(sources, rows), end="")
    return 0 if all(r.ok for r in rows) else 1


def cmd_sources_enable(args: argparse.Namespace) -> int:
    from warta.cli.source_checks import enable_source, select_sources
    from warta.config.sources import load_sources
    from warta.wiring import open_store

    current = settings()
    # An id the sources file does not list is a typo: say so rather than "not disabled".
    select_sources(load_sources(sources_file(args, current)), [args.id])
    with open_store(current, read_only=True) as store:
        done = enable_source(store, args.id)
    print(
        f"source {args.id} "
        + ("enabled: its next run is a first run" if done else "was not disabled")
    )
    return 0


def cmd_sources_disable(args: argparse.Namespace) -> int:
    from warta.cli.source_checks import disable_source, select_sources
    from warta.config.sources import load_sources
    from warta.wiring import open_store

    current = settings()
    select_sources(load_sources(sources_file(args, current)), [args.id])
    with open_store(current) as store:
        done = disable_source(store, args.id)
    print(f"source {args.id} " + ("disabled" if done else "was already disabled"))
    return 0
