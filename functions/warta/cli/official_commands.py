"""`warta officials`: add, list, show, remove, import and export the officials who get alerts.

Every command works on the store WARTA_STORE names: the local SQLite file, or
a deployed stack's DynamoDB table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from warta.cli.common import add_sources_option, settings, sources_file
from warta.config.officials_csv import Line, official_id, read_officials, write_officials
from warta.core.errors import ConfigError, WartaError
from warta.core.model import NATIONAL, Official, Source
from warta.core.validate import (
    check_email,
    check_id,
    check_mobile,
    check_region,
    check_text,
    printable,
)

if TYPE_CHECKING:
    from warta.cli.common import Subparsers
    from warta.config.settings import Settings
    from warta.core.ports import Store

NOTHING_ENABLED = "no source of the sources file is enabled: no alert can reach anyone"

COMPARED = ("name", "role", "institution", "region", "email", "phone")
"""What an import compares and replaces; whether an official is active is kept as it is."""


def register(sub: Subparsers) -> None:
    officials = sub.add_parser(
        "officials",
        help="manage officials who receive alerts",
        description="Officials get urgent alerts (email and SMS) on hoax clarifications in their "
        "region. The commands work on the local store, or on a deployed stack's DynamoDB table "
        "with WARTA_STORE=dynamodb:TABLE.",
    )
    actions = officials.add_subparsers(dest="action", required=True)

    add = actions.add_parser(
        "add", help="add an official, or update one (an inactive one is made active again)"
    )
    add.add_argument("--id", help="default: made from the institution and the name")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, help='e.g. "Ketua", "Staf Humas"')
    add.add_argument("--institution", help='e.g. "KPU Kota Kediri"')
    add.add_argument("--region", required=True, help="'national' or a Kemendagri code (35.71)")
    add.add_argument("--email")
    add.add_argument("--phone", help="an Indonesian mobile: 0812-3456-7890 or +62 812 3456 7890")
    add_sources_option(add, nested=True)
    add.set_defaults(func=cmd_add)

    listing = actions.add_parser("list", help="list the officials, page by page from the store")
    listing.add_argument("--inactive", action="store_true", help="the inactive ones instead")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(func=cmd_list)

    show = actions.add_parser("show", help="show one official")
    show.add_argument("id")
    show.set_defaults(func=cmd_show)

    remove = actions.add_parser("remove", help="delete an official's record")
    remove.add_argument("id")
    remove.add_argument(
        "--deactivate",
        action="store_true",
        help="keep the record but send them nothing (`officials add` makes them active again)",
    )
    remove.set_defaults(func=cmd_remove)

    load = actions.add_parser(
        "import",
        help="add or update officials from a CSV file",
        description="Reads a CSV file with the header name,role,institution,region,email,phone "
        "and optionally id (an empty id is made from the institution and the name), and reports "
        "each line: added, changed, unchanged or refused with the reason. When a line is "
        "refused nothing is written, unless --partial. Officials missing from the file are left "
        "as they are; an inactive official stays inactive. Exit status 1 when a line was refused.",
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--partial", action="store_true", help="write the good lines even when some are refused"
    )
    load.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    add_sources_option(load, nested=True)
    load.set_defaults(func=cmd_import)

    export = actions.add_parser(
        "export", help="write the officials as the CSV file import reads (to stdout)"
    )
    export.add_argument("--all", action="store_true", help="inactive officials too")
    export.add_argument("--output", "-o", type=Path, help="write to this file instead")
    export.set_defaults(func=cmd_export)


# -- reading the store ------------------------------------------------------------


def all_officials(store: Store, *, active: bool = True) -> Iterator[Official]:
    """Every official of one kind, a page at a time."""
    cursor: str | None = None
    while True:
        page = store.officials_page(cursor=cursor, active=active)
        yield from page.items
        cursor = page.cursor
        if cursor is None:
            return


def changed_fields(old: Official, new: Official) -> list[str]:
    return [name for name in COMPARED if getattr(old, name) != getattr(new, name)]


# -- regions no source covers --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which regions the enabled sources of the sources file report on."""

    enabled: tuple[Source, ...]

    def warning(self, region: str) -> str | None:
        """Why an official of `region` might never get an alert, or None."""
        from warta.core.regions import concerns, region_name

        if not self.enabled:
            return NOTHING_ENABLED
        # A national source concerns every official: only the regional ones say
        # whether anything about the official's own region will come.
        if region == NATIONAL or any(
            s.region != NATIONAL and concerns(s.region, [region]) for s in self.enabled
        ):
            return None
        return (
            f"no enabled source reports on {region_name(region)} ({region}) or a region "
            "around it: only national stories will reach them"
        )


def coverage(args: argparse.Namespace, current: Settings) -> Coverage | None:
    """The sources file's coverage; None (and a note) when a default file cannot be read."""
    from warta.config.sources import load_sources

    try:
        sources = load_sources(sources_file(args, current))
    except ConfigError as exc:
        if getattr(args, "sources", None) is not None:
            raise
        print(f"warning: regions not checked against the sources: {exc}")
        return None
    return Coverage(tuple(s for s in sources if s.enabled))


# -- commands ---------------------------------------------------------------------------


def _official_from_args(args: argparse.Namespace) -> Official:
    if not args.email and not args.phone:
        raise ConfigError("an official needs --email or --phone")
    name = check_text(args.name, "--name")
    institution = check_text(args.institution, "--institution") if args.institution else None
    email = check_email(args.email, "--email") if args.email else None
    phone = check_mobile(args.phone, "--phone") if args.phone else None
    return Official(
        id=check_id(args.id, "--id")
        if args.id
        else official_id(institution, name, email or phone or ""),
        name=name,
        role=check_text(args.role, "--role"),
        region=check_region(args.region, "--region"),
        email=email,
        phone=phone,
        institution=institution,
    )


def cmd_add(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    official = _official_from_args(args)
    current = settings()
    covered = coverage(args, current)
    with open_store(current) as store:
        old = store.get_official(official.id)
        store.put_official(official)
    if old is None:
        print(f"official {official.id} added")
    elif changed := changed_fields(old, official):
        print(f"official {official.id} changed ({', '.join(changed)})")
    else:
        print(f"official {official.id} unchanged")
    if old is not None and not old.active:
        print(f"official {official.id} is active again")
    warning = covered.warning(official.region) if covered else None
    if warning:
        print(f"warning: {warning}")
    return 0


def _row(official: Official) -> str:
    who = ", ".join(
        printable(part) for part in (official.name, official.role, official.institution) if part
    )
    contact = ", ".join(part for part in (official.email, official.phone) if part)
    return f"{official.id:<40} {official.region:<9} {who} | {printable(contact)}"


def as_json(official: Official) -> str:
    return json.dumps(
        {
            "id": official.id,
            "name": official.name,
            "role": official.role,
            "institution": official.institution,
            "region": official.region,
            "email": official.email,
            "phone": official.phone,
            "active": official.active,
        },
        ensure_ascii=False,
    )


def cmd_list(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    with open_store(settings(), read_only=True) as store:
        count = 0
        for official in all_officials(store, active=not args.inactive):
            if not args.json and count == 0:
                print(f"{'id':<40} {'region':<9} name, role, institution | email, phone")
            print(as_json(official) if args.json else _row(official))
            count += 1
    if count == 0 and not args.json:
        print(f"no {'inactive' if args.inactive else 'active'} official")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from warta.core.regions import region_name
    from warta.wiring import open_store

    with open_store(settings(), read_only=True) as store:
        official = store.get_official(args.id)
    if official is None:
        raise WartaError(f"no official {printable(args.id)}")
    for label, value in (
        ("id", official.id),
        ("name", official.name),
        ("role", official.role),
        ("institution", official.institution or "-"),
        ("region", f"{official.region} ({region_name(official.region)})"),
        ("email", official.email or "-"),
        ("phone", official.phone or "-"),
        ("active", "yes" if official.active else "no"),
    ):
        print(f"{label + ':':<13}{printable(value)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    with open_store(settings(), read_only=True) as store:
        if args.deactivate:
            official = store.get_official(args.id)
            if official is not None:
                store.put_official(replace(official, active=False))
            done = official is not None
        else:
            done = store.delete_official(args.id)
    if not done:
        raise WartaError(f"no official {printable(args.id)}")
    print(f"official {args.id} {'deactivated' if args.deactivate else 'removed'}")
    return 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an import does with one line."""

    line: int
    verdict: str
    """added, changed, unchanged or refused."""
    official: Official | None = None
    detail: str = ""


def plan_import(lines: Sequence[Line], store: Store) -> list[Outcome]:
    """Each line of a read file against the store: added, changed, unchanged or refused.

    A changed official keeps whether they are active: deactivating someone is
    an admin's decision that a re-imported sheet must not undo.
    """
    outcomes = []
    for line in lines:
        if line.official is None:
            outcomes.append(Outcome(line.number, "refused", detail=line.problem or ""))
            continue
        old = store.get_official(line.official.id)
        if old is None:
            outcomes.append(Outcome(line.number, "added", line.official))
            continue
        official = replace(line.official, active=old.active)
        changed = changed_fields(old, official)
        if changed:
            outcomes.append(Outcome(line.number, "changed", official, ", ".join(changed)))
        else:
            outcomes.append(Outcome(line.number, "unchanged", official))
    return outcomes


def _report(outcome: Outcome) -> str:
    if outcome.official is None:
        return f"line {outcome.line}: refused: {outcome.detail}"
    detail = f" ({outcome.detail})" if outcome.detail else ""
    return f"line {outcome.line}: {outcome.verdict} {outcome.official.id}{detail}"


def cmd_import(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    current = settings()
    lines = read_officials(args.file)
    covered = coverage(args, current)
    if covered is not None and not covered.enabled:
        print(f"warning: {NOTHING_ENABLED}")
        covered = None  # said once, not on every line
    with open_store(current) as store:
        outcomes = plan_import(lines, store)
        refused = sum(o.verdict == "refused" for o in outcomes)
        write = not args.dry_run and (refused == 0 or args.partial)
        for outcome in outcomes:
            if write and outcome.official is not None and outcome.verdict != "unchanged":
                store.put_official(outcome.official)
            print(_report(outcome))
            warning = (
                covered.warning(outcome.official.region)
                if covered is not None and outcome.official is not None
                else None
            )
            if warning:
                print(f"line {outcome.line}: warning: {warning}")
    counts = ", ".join(
        f"{sum(o.verdict == verdict for o in outcomes)} {verdict}"
        for verdict in ("added", "changed", "unchanged", "refused")
    )
    if args.dry_run:
        print(f"{counts}: nothing written (--dry-run)")
    elif not write:
        print(
            f"{counts}: nothing written; correct the refused lines, "
            "or import with --partial to write the others"
        )
    elif any(o.verdict in ("added", "changed") for o in outcomes):
        print(f"{counts}: written")
    else:
        print(f"{counts}: nothing to change")
    return 1 if refused else 0


def cmd_export(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    def officials(store: Store) -> Iterator[Official]:
        yield from all_officials(store)
        if args.all:
            yield from all_officials(store, active=False)

    with open_store(settings(), read_only=True) as store:
        if args.output is None:
            count = write_officials(officials(store), sys.stdout)
        else:
            try:
                with args.output.open("w", encoding="utf-8", newline="") as out:
                    count = write_officials(officials(store), out)
            except OSError as exc:
                raise ConfigError(
                    f"cannot write {printable(str(args.output))}: {exc.strerror}"
                ) from None
            print(f"{count} officials written to {printable(str(args.output))}")
    return 0
