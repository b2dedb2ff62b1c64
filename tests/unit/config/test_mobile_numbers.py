"""Indonesian mobile numbers as people write them become E.164; anything else is refused, unquoted."""

from __future__ import annotations

import pytest

from warta.core.errors import ConfigError
from warta.core.validate import PHONE_PATTERN, check_mobile


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("0812.3456.7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("  0856 1234 5678 ", "+6285612345678"),
        ("0812345678", "+62812345678"),  # 10 digits: the shortest in use
        ("0812345678901", "+62812345678901"),  # 13 digits: the longest
        ("0831-2345-6789", "+6283123456789"),  # Axis
        ("0881 2345 6789", "+6288123456789"),  # Smartfren
        ("0896 1234 5678", "+6289612345678"),  # Tri
    ],
)
def test_the_ways_people_write_a_mobile_number_become_e164(written: str, e164: str) -> None:
    assert check_mobile(written, "phone") == e164
    assert PHONE_PATTERN.fullmatch(e164)


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("031 734 5678", "is not a mobile number"),  # a Surabaya landline
        ("021-3456789", "is not a mobile number"),
        ("+62 21 3456 789", "is not a mobile number"),
        ("0841 2345 6789", "is not a mobile prefix in use"),
        ("0861 2345 6789", "is not a mobile prefix in use"),
        ("0801 2345 6789", "is not a mobile prefix in use"),
        ("081234567", "has 9 digits with its leading 0; a mobile number has 10 to 13"),
        ("08123456789012", "has 14 digits"),
        ("+62 0812 3456 7890", "has a 0 after 62"),
        ("+1 202 555 0143", "is not an Indonesian number"),
        ("+60 12 345 6789", "is not an Indonesian number"),
        ("812 3456 7890", "must start with 08, +62 8 or 62 8"),
        ("(0812) 3456 7890", "must start with 08"),
        ("0812/3456/7890", "may hold only digits"),
        ("0812 3456 789O", "may hold only digits"),
        ("０８１２３４５６７８９０", "must start with 08"),  # full-width digits
        ("0812\u0663456789", "may hold only digits"),  # an Arabic-Indic digit
        ("0812 3456 7890\n", "must be one line"),
        ("0812\u202e34567890", "must be one line"),
        ("", "is required"),
        ("   ", "is required"),
        (6281234567890, "is required"),
        (None, "is required"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong_and_never_the_number(
    written: object, problem: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        check_mobile(written, "--phone")
    message = str(raised.value)
    assert message.startswith(f"--phone {problem}")
    assert "give an Indonesian mobile number such as 0812-3456-7890" in message
    if isinstance(written, str) and written.strip():
        reason = message.partition("; give")[0]
        assert written.strip() not in reason
        assert "".join(c for c in written if c.isdigit())[-6:] not in reason
    assert "\n" not in message
