"""`warta sources for-region CODE`: the sources of one region, from the source families.

Prints (or with --write FILE writes) a sources file holding the national
sources of the sources file, then for the region's province and its
kabupaten/kota the sources the families give (config/families.toml) and those
the sources file lists there. Every source in it is disabled; `warta sources
check --all --sources FILE` says which answer with items, to enable.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warta.cli.common import add_sources_option, settings, sources_file
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Source
from warta.core.validate import check_region, printable

if TYPE_CHECKING:
    from warta.cli.common import Subparsers
    from warta.config.families import Family
    from warta.config.source_writer import Section


def _actions_of(parser: argparse.ArgumentParser) -> Any:
    """The sub-actions of `warta sources` (check, enable ...), to add one beside them."""
    for action in parser._actions:  # argparse keeps no public way to reach them
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError("the sources command has no sub-actions")


def register(sub: Subparsers) -> None:
    actions = _actions_of(sub.choices["sources"])
    for_region = actions.add_parser(
        "for-region",
        help="print the national, provincial and local sources of a region, from the families",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for_region.add_argument("region", help="a Kemendagri code: 35.71, 35, or national")
    for_region.add_argument(
        "--write", type=Path, metavar="FILE", help="write the sources file to FILE (a new file)"
    )
    for_region.add_argument(
        "--families", type=Path, metavar="FILE", help="families file (default: the bundled one)"
    )
    add_sources_option(for_region, nested=True)
    for_region.set_defaults(func=cmd_for_region)


def _comments(path: Path) -> dict[str, str]:
    """The `comment` of each source of the sources file, by id (Source keeps none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # load_sources has read it already; a comment is not worth an error
    entries = data.get("source", [])
    return {
        e["id"]: e["comment"]
        for e in entries
        if isinstance(entries, list)
        if isinstance(e, dict)
        and isinstance(e.get("id"), str)
        and isinstance(e.get("comment"), str)
    }


def _family_comment(family: Family, source: Source) -> str | None:
    comment = family.template.get("comment")
    return f"{comment} Generated from the family for {source.region}." if comment else None


def region_sections(
    code: str, listed: list[Source], families: list[Family], comments: dict[str, str]
) -> list[Section]:
    """The sections of a region's sources file: national, its province, its kabupaten/kota.

    A source of the sources file wins over a family's of the same id (an admin's
    fixed entry over the template); a note says what the family would give.
    """
    from warta.config.families import source_for
    from warta.config.source_writer import Section, region_heading
    from warta.core import regions

    levels = [NATIONAL]
    if code != NATIONAL:
        levels.append(code[:2])
        if code.count(".") >= 1:
            levels.append(code[:5])
    by_id = {source.id: source for source in listed}
    taken: set[str] = set()
    sections = []
    for level in levels:
        chosen: list[Source] = []
        notes: list[str] = []
        section_comments: dict[str, str] = {}
        if level != NATIONAL:
            level_name = "provinsi" if "." not in level else "kabupaten/kota"
            for family in (f for f in families if f.level == level_name):
                generated = source_for(family, level)
                if generated.id in by_id:
                    notes.append(
                        f"{generated.id}: as the sources file lists it; its family would "
                        f"read {generated.url}"
                    )
                    continue
                chosen.append(generated)
                comment = _family_comment(family, generated)
                if comment:
                    section_comments[generated.id] = comment
        for source in listed:
            if source.region == level and source.id not in taken:
                chosen.append(source)
                if source.id in comments:
                    section_comments[source.id] = comments[source.id]
        taken.update(s.id for s in chosen)
        name = regions.region_name(level)
        sections.append(
            Section(region_heading(level, name), tuple(chosen), tuple(notes), section_comments)
        )
    return sections


def cmd_for_region(args: argparse.Namespace) -> int:
    from warta.config.families import bundled_families_file, load_families
    from warta.config.source_writer import write_sources
    from warta.config.sources import load_sources
    from warta.core import regions

    code = check_region(args.region, "region")
    current = settings()
    path = sources_file(args, current)
    listed = load_sources(path)
    families = load_families(args.families or bundled_families_file())
    sections = region_sections(code, listed, families, _comments(path))
    count = sum(len(s.sources) for s in sections)
    command = f"warta sources for-region {code}"
    preamble = (
        f"Sources for {regions.region_name(code)} ({code}): national, provincial and local.\n"
        f"Written by `{command}` from {printable(str(path))} and the source families.\n"
        "Every source is disabled: `warta sources check --all --sources THIS_FILE` fetches\n"
        "each once and says which to enable (set enabled = true)."
    )
    text = write_sources(preamble, sections)
    if args.write is None:
        sys.stdout.write(text)
        return 0
    try:
        with args.write.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise ConfigError(
            f"{printable(str(args.write))} exists: write to a new file, or remove it first"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot write {printable(str(args.write))}: {exc.strerror}") from None
    print(
        f"wrote {count} sources for {regions.region_name(code)} to {printable(str(args.write))}; "
        f"check them with: warta sources check --all --sources {printable(str(args.write))}"
    )
    return 0
