"""The public forms, read: an address, a subscriber's choices, the client's network.

Form fields are text from strangers. They are read here, where they enter,
into checked values or a list of problems written in Indonesian for the page
that shows the form again; nothing here reaches the store or a mail header
unless it passed. A line break, or any control character, in any field refuses
the whole form: no field of these forms ever needs one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from warta.core import regions
from warta.core.errors import ConfigError
from warta.core.model import ALL_REGIONS, DEFAULT_DIGEST_HOUR, NATIONAL
from warta.core.validate import check_email, has_control
from warta.services.signup import Choices, Client

MAX_FIELDS = 120
"""38 province boxes, the regions already chosen, and the few other fields."""
MAX_ADDRESS = 254
"""Characters of an address at most (RFC 5321's path limit less its brackets)."""
MAX_NAMES = 300
"""Characters of the kabupaten/kota field."""
MAX_REGIONS = 40
"""Regions one subscriber may choose besides the scopes "all" and "national"."""
HONEYPOT = "situs_web"
"""A field hidden from people (and from screen readers); only a bot fills it in."""
BOT_PROBLEM = (
    "Formulir ini tidak dikirim karena isian tersembunyi terisi (biasanya oleh isi-otomatis "
    "peramban). Kosongkan isian itu atau tulis alamat Anda sendiri, lalu kirim lagi."
)

ASKED = "pilihan"
"""A hidden field of every form with the delivery boxes: their absence then means "off"."""

SCOPES = {"semua": ALL_REGIONS, "nasional": NATIONAL, "pilih": None}
"""The three answers to "which stories?": every region's, national only, the regions chosen."""


@dataclass
class FormError(Exception):
    """What is wrong with a submitted form, by field, in Indonesian."""

    problems: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{name}: {text}" for name, text in self.problems.items())


Fields = dict[str, list[str]]


def read_form(body: bytes) -> Fields:
    """The fields of an application/x-www-form-urlencoded body; FormError when it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FormError({"formulir": "Isi formulir tidak dapat dibaca."}) from None
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise FormError({"formulir": "Formulir ini memuat terlalu banyak isian."}) from None
    for name, values in fields.items():
        if has_control(name) or any(has_control(value) for value in values):
            raise FormError(
                {"formulir": "Isian formulir tidak boleh memuat baris baru atau karakter kendali."}
            )
    return fields


def one(fields: Fields, name: str) -> str | None:
    """The one value of a field, or None when it is absent; FormError when it is repeated."""
    values = fields.get(name, [])
    if len(values) > 1:
        raise FormError({name: "Isian ini dikirim lebih dari sekali."})
    return values[0] if values else None


def is_bot(fields: Fields) -> bool:
    return any(value.strip() for value in fields.get(HONEYPOT, []))


def read_address(fields: Fields, name: str = "email") -> str:
    """One address, lower-cased: never two, never a name with it, never too long."""
    raw = one(fields, name)
    value = (raw or "").strip()
    if not value:
        raise FormError({name: "Tulis alamat email Anda."})
    if len(value) > MAX_ADDRESS:
        raise FormError({name: f"Alamat email paling panjang {MAX_ADDRESS} karakter."})
    if value.count("@") > 1 or any(mark in value for mark in ",; "):
        raise FormError({name: "Tulis satu alamat email saja."})
    try:
        address = check_email(value, name)
    except ConfigError:
        raise FormError({name: "Alamat email ini tidak sah. Contoh: nama@contoh.id"}) from None
    local, _, domain = address.rpartition("@")
    if len(local) > 64 or "." not in domain.strip(".") or not address.isascii():
        raise FormError({name: "Alamat email ini tidak sah. Contoh: nama@contoh.id"})
    return address


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace(";", ",").split(",") if name.strip()]


def _resolve(name: str) -> str:
    """The code of a province or kabupaten/kota named in the text field; FormError otherwise."""
    found = [r for r in regions.lookup(name) if r.code.count(".") <= 1]
    if len(found) == 1:
        return found[0].code
    if found:
        options = ", ".join(regions.region_name(r.code) for r in found[:4])
        raise FormError({"kota": f"“{name}” bisa berarti {options}. Tulis salah satunya."})
    close = [r for r in regions.close_to(name) if r.code.count(".") <= 1]
    hint = (
        f" Maksud Anda {', '.join(regions.region_name(r.code) for r in close[:3])}?"
        if close
        else ""
    )
    raise FormError({"kota": f"Wilayah “{name}” tidak dikenal.{hint}"})


def _known(codes: Iterable[str], name: str, *, provinces_only: bool) -> list[str]:
    found = []
    for code in codes:
        known = code != NATIONAL and regions.is_known(code)
        if not known or (provinces_only and "." in code):
            raise FormError({name: "Wilayah yang dipilih tidak dikenal."})
        found.append(code)
    return found


def read_choices(fields: Fields) -> Choices:
    """The subscriber's choices; FormError naming each field with a problem."""
    problems: dict[str, str] = {}
    try:
        chosen = _known(fields.get("provinsi", []), "provinsi", provinces_only=True)
        chosen += _known(fields.get("wilayah", []), "wilayah", provinces_only=False)
        names = one(fields, "kota") or ""
        if len(names) > MAX_NAMES:
            raise FormError({"kota": f"Paling banyak {MAX_NAMES} karakter."})
        chosen += [_resolve(name) for name in _names(names)]
    except FormError as exc:
        problems.update(exc.problems)
        chosen = []
    regions_chosen = tuple(dict.fromkeys(chosen))
    scope_text = one(fields, "cakupan")
    if scope_text is None:
        scope_text = "pilih" if regions_chosen else "semua"
    if scope_text not in SCOPES:
        problems["cakupan"] = "Pilih salah satu cakupan berita."
    scope = SCOPES.get(scope_text)
    if scope_text == "pilih" and not regions_chosen and not problems:
        problems["cakupan"] = "Pilih paling sedikit satu provinsi atau kabupaten/kota."
    elif scope is not None and regions_chosen:
        problems["cakupan"] = (
            "Anda mencentang wilayah: pilih “Wilayah pilihan saya” untuk mengikutinya, "
            "atau hapus centangnya."
        )
    if len(regions_chosen) > MAX_REGIONS:
        problems["kota"] = f"Paling banyak {MAX_REGIONS} wilayah."
    hour = _hour(fields, problems)
    if problems:
        raise FormError(problems)
    # A box left unticked sends nothing, as does a form without the box: the pages' forms
    # say they asked (ASKED), and a form that did not is given the defaults.
    asked = bool(fields.get(ASKED))
    return Choices(
        regions=(scope,) if scope is not None else regions_chosen,
        digest=bool(fields.get("ringkasan")) if asked else True,
        urgent=bool(fields.get("segera")) if asked else False,
        digest_hour=hour,
    )


def _hour(fields: Fields, problems: dict[str, str]) -> int:
    try:
        text = one(fields, "jam")
    except FormError as exc:
        problems.update(exc.problems)
        return DEFAULT_DIGEST_HOUR
    if text is None:
        return DEFAULT_DIGEST_HOUR
    if not (text.isascii() and text.isdigit() and len(text) <= 2 and int(text) < 24):
        problems["jam"] = "Pilih jam antara 00 dan 23."
        return DEFAULT_DIGEST_HOUR
    return int(text)


def client_of(remote: str | None, forwarded: str | None = None, *, proxies: int = 0) -> Client:
    """The client's network: IPv4 /24, IPv6 /48, so no full address is ever stored.

    Behind `proxies` reverse proxies, each of which appends the address it was
    reached from to X-Forwarded-For, the client is the one the outermost of them
    saw; anything further left was written by the client and proves nothing.
    """
    candidate = remote
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        candidate = hops[-proxies] if len(hops) >= proxies else remote
    try:
        address = ipaddress.ip_address((candidate or "").strip())
    except ValueError:
        return Client("unknown")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return Client(str(ipaddress.ip_network(f"{address}/{prefix}", strict=False)))
