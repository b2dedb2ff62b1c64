"""Officials as CSV: the file `warta officials import` reads and `warta officials export` writes.

    name,role,institution,region,email,phone,id
    Sri Lestari,Ketua,KPU Kota Kediri,35.71,sri@kpu.example.id,0812-3456-7890,
    Budi,Camat,Kecamatan Mojoroto,35.71.01,,+62 813 1111 2222,camat-mojoroto

One header row naming the columns, in any order (`id` may be left out);
then one official a line. Every cell is data: read with the csv module,
checked field by field, never evaluated. A line that fails is refused alone,
with a reason that names the field and never repeats an address or a number.
An empty `id` is made from the institution and the name, so importing the
same sheet again finds the same officials.

On export, a cell starting with = + - @ (a phone number in E.164 form, say)
is written after a ' so a spreadsheet shows it as text instead of running it
as a formula; on import, that ' is taken off again, so an exported file
imports unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import TextIO

from warta.core.errors import ConfigError
from warta.core.identity import normalize_email
from warta.core.model import Official
from warta.core.validate import (
    check_email,
    check_id,
    check_mobile,
    check_region,
    check_text,
    printable,
)

COLUMNS = ("name", "role", "institution", "region", "email", "phone", "id")
"""The columns, in the order export writes them."""
REQUIRED_COLUMNS = frozenset(COLUMNS) - {"id"}
MAX_BYTES = 2 * 1024 * 1024
"""A bigger file is no sheet of officials: it is refused before it is parsed."""
MAX_LINES = 10_000
"""Officials per file at most (a country's KPU, Bawaslu and camat fit several times over)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's list)."""

_SLUG_PARTS = re.compile(r"[^a-z0-9]+")
_HASH_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file: the official it describes, or why it was refused."""

    number: int
    """The line of the file the row starts on (the header is line 1)."""
    official: Official | None
    problem: str | None = None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_PARTS.sub("-", ascii_text.lower()).strip("-")


def official_id(institution: str | None, name: str, contact: str) -> str:
    """A stable id for an official the file gives none: the institution and name as a slug.

    Cut to an id's 64 characters with a short hash of the whole, so two long
    names that start alike stay apart. A name with no Latin letters gives a
    hash of `contact` (their address or number), never the address itself:
    ids go into logs.
    """
    slug = _slug(f"{institution or ''} {name}")
    if not slug:
        return "official-" + blake2b(contact.encode(), digest_size=_HASH_LENGTH).hexdigest()
    if len(slug) <= 64:
        return slug
    digest = blake2b(slug.encode(), digest_size=_HASH_LENGTH // 2).hexdigest()
    return slug[: 64 - len(digest) - 1].rstrip("-") + "-" + digest


def _unguarded(cell: str) -> str:
    """A cell as written, without the ' export put before a formula-like start."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _guarded(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _region(cell: str, field: str) -> str:
    # Swapped columns put an address or a number here; the region check would quote it.
    if "@" in cell or sum(c.isdigit() for c in cell) > 8:
        raise ConfigError(
            f"{field} must be a Kemendagri code such as 35.71; this cell holds an address "
            "or a phone number (are the columns in the header's order?)"
        )
    return check_region(cell, field)


def _official(cells: dict[str, str]) -> Official:
    name = check_text(cells["name"], "name")
    role = check_text(cells["role"], "role")
    institution = check_text(cells["institution"], "institution") if cells["institution"] else None
    region = _region(cells["region"], "region")
    email = check_email(cells["email"], "email") if cells["email"] else None
    phone = check_mobile(cells["phone"], "phone") if cells["phone"] else None
    if email is None and phone is None:
        raise ConfigError("an official needs an email or a phone number")
    given = cells.get("id", "")
    if given:
        official_id_ = check_id(given, "id")
    else:
        official_id_ = official_id(institution, name, email or phone or "")
    return Official(
        id=official_id_,
        name=name,
        role=role,
        region=region,
        email=normalize_email(email) if email else None,
        phone=phone,
        institution=institution,
    )


def _header(row: list[str], shown_path: str) -> list[str]:
    names = [_unguarded(cell).strip().lstrip("\ufeff").lower() for cell in row]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown[:5])
        raise ConfigError(
            f"{shown_path}: line 1 must name the columns {', '.join(COLUMNS)} "
            f"(id may be left out); unknown column(s) {listed}"
        )
    missing = sorted(REQUIRED_COLUMNS - set(names))
    if missing:
        raise ConfigError(f"{shown_path}: the header has no column {', '.join(missing)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{shown_path}: the header names {', '.join(repeated)} twice")
    return names


def _text(path: Path) -> str:
    shown_path = printable(str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {shown_path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{shown_path} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read {shown_path}: not UTF-8 text (byte {exc.start}); "
            "save it from the spreadsheet as CSV UTF-8"
        ) from None


def read_officials(path: Path) -> list[Line]:
    """Every line of an officials CSV, each an official or refused with its reason.

    Raises ConfigError for what spoils the whole file: not readable, not
    UTF-8, too big, too many lines, a header without the columns, a row the
    csv reader cannot take apart (an unclosed quote, a NUL byte).
    Two lines with the same id are refused after the first.
    """
    shown_path = printable(str(path))
    text = _text(path)
    lines: list[Line] = []
    first_line: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        header: list[str] | None = None
        for row in reader:
            number = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, shown_path)
                continue
            if len(lines) >= MAX_LINES:
                raise ConfigError(f"{shown_path} has more than {MAX_LINES} officials")
            lines.append(_line(number, row, header, first_line))
    except csv.Error as exc:
        raise ConfigError(f"{shown_path}: line {previous_end + 1}: {exc}") from None
    if header is None:
        raise ConfigError(f"{shown_path} is empty: it needs a header row ({', '.join(COLUMNS)})")
    return lines


def _line(number: int, row: list[str], header: list[str], first_line: dict[str, int]) -> Line:
    if len(row) != len(header):
        return Line(
            number, None, f"has {len(row)} cells where the header has {len(header)} columns"
        )
    cells = {name: _unguarded(cell).strip() for name, cell in zip(header, row, strict=True)}
    try:
        official = _official(cells)
    except ConfigError as exc:
        return Line(number, None, str(exc))
    seen = first_line.setdefault(official.id, number)
    if seen != number:
        return Line(number, None, f"id {official.id} is also line {seen}'s")
    return Line(number, official)


def write_officials(officials: Iterable[Official], out: TextIO) -> int:
    """Write the CSV import reads; returns how many officials were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for official in officials:
        cells = {
            "name": official.name,
            "role": official.role,
            "institution": official.institution or "",
            "region": official.region,
            "email": official.email or "",
            "phone": official.phone or "",
            "id": official.id,
        }
        writer.writerow([_guarded(cells[column]) for column in COLUMNS])
        count += 1
    return count
