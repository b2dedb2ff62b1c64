"""What text from outside Warta must look like before it becomes an id, a region, an address or a URL.

One place for the shapes every entry point checks: settings, the sources and
people files, the command line. Each check either returns the value (trimmed
or normalized) or raises ConfigError naming the field; a value is quoted with
repr, so a hostile one (a newline, a terminal escape) stays on one line, and a
URL is quoted without its credentials.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from email.errors import MessageError
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from warta.core import regions
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)
"""A source or official id: lower-case letters, digits, '-', '_' and '.', 1 to 64 characters."""

REGION_PATTERN = re.compile(
    re.escape(NATIONAL) + r"|[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?", re.ASCII
)
"""The shape of 'national' or a Kemendagri code: province 35, city 35.71, district 35.71.01,
village 35.71.01.1001. check_region also wants the code in the region table (villages are not)."""

PHONE_PATTERN = re.compile(r"\+[1-9][0-9]{7,14}", re.ASCII)
"""A phone number in E.164 form, as SMS providers take it."""

URL_SCHEMES = ("http", "https")

_SHOWN = 80
"""How much of a refused value a message quotes."""

_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Control and format characters (CR, LF, NUL, ESC, bidi overrides) and line separators."""


def shown(value: object) -> str:
    """A refused value as a message quotes it: repr (one line, escapes visible), cut short."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def has_control(text: str) -> bool:
    """True if `text` holds a control or format character (CR, LF, TAB, NUL, ESC, U+202E ...)."""
    return any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in text)


def has_space_or_control(text: str) -> bool:
    return has_control(text) or any(char.isspace() for char in text)


def printable(text: str) -> str:
    """`text` as it is when it is one clean line (a path, say), else its repr."""
    return repr(text) if has_control(text) else text


def is_host(text: str) -> bool:
    """An IP address (IPv6 without brackets) or a DNS host name, in any script."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return ":" not in text and _HOSTNAME.fullmatch(text) is not None
    return True


def is_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def is_region(value: object) -> bool:
    return isinstance(value, str) and REGION_PATTERN.fullmatch(value) is not None


def check_id(value: object, field: str) -> str:
    """A source or official id, or ConfigError naming `field`."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ConfigError(
            f"{field} must be lower-case letters, digits, '-', '_' or '.' "
            f"(1 to 64, starting with a letter or digit), not {shown(value)}"
        )
    return value


def check_region(value: object, field: str) -> str:
    """'national' or a code of the region table (province, kabupaten/kota, kecamatan).

    Otherwise ConfigError naming `field`, the value, and what it could have
    been: the regions of that name ('Kediri'), or where the code stops being
    known ('35.99': Jawa Timur has no kabupaten/kota 35.99).
    """
    if isinstance(value, str) and regions.is_known(value):
        return value
    raise ConfigError(f"{field} {shown(value)} {_region_problem(value)}")


_REGION_FORMS = "(35, 35.71 or 35.71.01)"
_LONGEST_NAME = 100
"""A longer value is no region's name: it is not looked up."""
_SUGGESTIONS = 4
"""How many regions a refusal names at most."""
_LEVEL_NAMES = ("province", "kabupaten/kota", "kecamatan", "desa/kelurahan")


def _described(code: str) -> str:
    return f"{regions.region_name(code)} ({code})"


def _region_problem(value: object) -> str:
    refused = f"is neither 'national' nor a Kemendagri code {_REGION_FORMS}"
    if isinstance(value, str) and value != value.strip() and regions.is_known(value.strip()):
        return f"{refused}; did you mean {value.strip()!r}, without the space around it?"
    if isinstance(value, str) and REGION_PATTERN.fullmatch(value):
        # Shaped like a code: say down to where it is known.
        known = regions.parent_code(value)
        while known is not None and not regions.is_known(known):
            known = regions.parent_code(known)
        if known is None:
            return f"is not a Kemendagri region code: there is no province {value[:2]}"
        if value.count(".") == 3 and known.count(".") == 2:
            return (
                "is a desa/kelurahan code; Warta knows regions down to the kecamatan: "
                f"use {_described(known)}"
            )
        missing = value[: len(known) + 3]  # the first part of the code that is not known
        level = _LEVEL_NAMES[missing.count(".")]
        return f"is not a Kemendagri region code: {_described(known)} has no {level} {missing}"
    if (
        not isinstance(value, str)
        or len(value) > _LONGEST_NAME
        or not any(c.isalpha() for c in value)
    ):
        return refused
    if value.strip().casefold() in ("national", "nasional"):
        return f"{refused}; did you mean {NATIONAL!r}?"
    meant = regions.close_to(value, limit=_SUGGESTIONS + 1)
    if not meant:
        return f"{refused}, nor the name of a region"
    # 'Kediri' means the kabupaten or the kota before two kecamatan of that name.
    upper = [row for row in meant if row.kind != "kecamatan"]
    meant = tuple(upper) or meant
    names = [_described(row.code) for row in meant[:_SUGGESTIONS]]
    if len(meant) > _SUGGESTIONS:
        names.append("more")
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"{refused}; did you mean {listed}?"


def check_phone(value: object, field: str) -> str:
    """A phone number in E.164 form (+6281234567890); the number itself is never quoted."""
    if not isinstance(value, str) or not PHONE_PATTERN.fullmatch(value):
        raise ConfigError(f"{field} must be a phone number in E.164 form (+ and 8 to 15 digits)")
    return value


MOBILE_PREFIXES = frozenset("1235789")
"""The digit after the 8 of an Indonesian mobile number (081x Telkomsel, Indosat and XL,
082x and 085x Telkomsel and Indosat, 083x Axis, 087x XL, 088x Smartfren, 089x Tri);
084, 086 and 080 are no mobile network's."""
MOBILE_DIGITS = range(9, 13)
"""Digits of a mobile number after +62 (after its 0 when written 08...): 10 to 13 with the 0."""
_MOBILE_SEPARATORS = str.maketrans("", "", " -.")
_MOBILE_FORMS = "such as 0812-3456-7890, +62 812 3456 7890 or 6281234567890"


def _mobile_problem(value: object) -> tuple[str | None, str]:
    """The national number of an Indonesian mobile number (8xx...), or what is wrong with it."""
    if not isinstance(value, str) or not value.strip():
        return None, "is required"
    if has_control(value):
        return None, "must be one line without control characters"
    digits = value.strip().translate(_MOBILE_SEPARATORS)
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("+"):
        return None, "is not an Indonesian number (+62): alerts go to Indonesian mobiles only"
    else:
        return None, "must start with 08, +62 8 or 62 8"
    if not (national.isascii() and national.isdigit()):
        return None, "may hold only digits, spaces, '-' and '.' after its + or 0"
    if national.startswith("0"):
        return None, "has a 0 after 62: write +62 8... or 08..., not +62 08..."
    if not national.startswith("8"):
        return None, "is not a mobile number (a landline or service number cannot take SMS)"
    if len(national) < 2 or national[1] not in MOBILE_PREFIXES:
        return None, "is not a mobile prefix in use (081-083, 085, 087-089)"
    if len(national) not in MOBILE_DIGITS:
        return None, (
            f"has {len(national) + 1} digits with its leading 0; "
            f"a mobile number has {MOBILE_DIGITS.start + 1} to {MOBILE_DIGITS.stop}"
        )
    return national, ""


def check_mobile(value: object, field: str) -> str:
    """An Indonesian mobile number in E.164 form (+6281234567890), from the ways people write it.

    08xx, +62 8xx and 62 8xx, with spaces, '-' or '.' anywhere; anything else (a
    landline, a foreign number, a 0 after +62, too few or too many digits) is
    refused with ConfigError naming `field` and what is wrong, never quoting the number.
    """
    national, problem = _mobile_problem(value)
    if national is None:
        raise ConfigError(f"{field} {problem}; give an Indonesian mobile number {_MOBILE_FORMS}")
    return "+62" + national


def check_text(value: object, field: str, *, max_length: int = 200) -> str:
    """A short line of text (a name, a role): not blank, no control characters, trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{field} is required and must be a non-empty string")
    if has_control(value):
        raise ConfigError(f"{field} must be one line without control characters")
    value = value.strip()
    if len(value) > max_length:
        raise ConfigError(f"{field} must be at most {max_length} characters")
    return value


def _figure(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def check_number(
    value: object,
    field: str,
    *,
    minimum: float,
    maximum: float,
    whole: bool,
    above_minimum: bool = False,
) -> float:
    """A finite number within bounds, as TOML or a parsed setting gives it (never a bool).

    `above_minimum` makes the minimum itself out of range (a timeout of 0).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{field} must be a {'whole number' if whole else 'number'}")
    if whole and not isinstance(value, int):
        raise ConfigError(f"{field} must be a whole number, not {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{field} must be a finite number, not {shown(value)}")
    if above_minimum and value <= minimum:
        raise ConfigError(f"{field} must be more than {_figure(minimum)}")
    if value < minimum:
        raise ConfigError(f"{field} must be at least {_figure(minimum)}")
    if value > maximum:
        raise ConfigError(f"{field} must be at most {_figure(maximum)}")
    return value


def _one_address(value: object, field: str, *, display_name: bool) -> Address:
    form = "'Name <nama@contoh.id>' or 'nama@contoh.id'" if display_name else "'nama@contoh.id'"
    refused = ConfigError(f"{field} must be exactly one email address such as {form}")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigError(f"{field} is required")
    if not isinstance(value, str):
        raise refused
    if has_control(value):
        # A CR or LF in an address is a header injection; nothing else needs one.
        raise ConfigError(f"{field} must not contain control characters or line breaks")
    value = value.strip()
    # Exactly one '@': two addresses, or a display name dressed as an address
    # ('"kpu@kpu.go.id" <x@elsewhere>'), always bring a second one.
    if value.count("@") != 1:
        raise refused
    pairs = getaddresses([value])
    if len(pairs) != 1:
        raise refused
    name, addr_spec = pairs[0]
    if name and not display_name:
        raise refused
    # What the parser read must be the whole text: an address alone, or a name before <address>.
    if value != addr_spec and not (display_name and value.endswith(f"<{addr_spec}>")):
        raise refused
    try:
        address = Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError, MessageError):
        raise refused from None
    if not address.username or not address.domain or "<" in name or ">" in name:
        raise refused
    return address


def check_email(value: object, field: str) -> str:
    """One bare address (nama@contoh.id), lower-cased; the address itself is never quoted."""
    return _one_address(value, field, display_name=False).addr_spec.lower()


def check_mailbox(value: object, field: str) -> Address:
    """One address with an optional display name ('Warta Pemilu <warta@contoh.id>')."""
    return _one_address(value, field, display_name=True)


def check_table(
    raw: object, where: str, known: frozenset[str], *, not_a_table: str = "must be a table"
) -> dict[str, Any]:
    """One table of a TOML file with only the fields Warta knows; ConfigError naming `where`."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {not_a_table}")
    unknown = set(raw) - known
    if unknown:
        names = ", ".join(sorted(printable(str(name)) for name in unknown))
        raise ConfigError(f"{where}: unknown field(s) {names}")
    return raw


def without_userinfo(url: str) -> str:
    """The URL without any user:password@ part, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.rpartition("@")[2] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def url_problem(url: str) -> str | None:
    """What is wrong with an http(s) URL from outside, or None.

    The answer never repeats the URL: the caller quotes it, through
    without_userinfo, when it quotes it at all.
    """
    if has_space_or_control(url):
        return "must not contain spaces, line breaks or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    try:
        port = parts.port
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    if parts.scheme not in URL_SCHEMES or not url.lower().startswith(parts.scheme + "://"):
        return "must start with http:// or https://"
    if "@" in parts.netloc:
        return "must not carry a user name or password"
    if not parts.hostname:
        return "must name a host"
    if port == 0:
        return "has a port that is not a number from 1 to 65535"
    if not is_host(parts.hostname):
        return "has a host that is not a valid host name or IP address"
    return None


_HOSTNAME = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*[^\W_](?:[\w-]{0,61}[^\W_])?\.?")
"""Dot-separated labels of letters (any script, for IDN), digits, '-' (and '_', which some DNS
zones use) that neither start nor end with '-' or '_'."""
