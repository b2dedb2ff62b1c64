"""A link's query is what urlencode writes, whether written directly or by urlencode."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from warta.core.links import Link, read_link


@pytest.mark.parametrize(
    ("recipient_id", "token"),
    [
        ("sub-0a1b2c3d", "DztjcF4XNCe4N_LkWGQU8uZ222xSXfmS"),
        ("kpu-kota-kediri-sri.lestari~2", "abc"),
        ("id with space", "t"),
        ("a&official=b", "t"),
        ("a=b", "t=u"),
        ("wärga", "t"),
        ("a+b", "t/u"),
    ],
)
def test_a_query_is_written_as_urlencode_writes_it_and_read_back_whole(
    recipient_id: str, token: str
) -> None:
    link = Link("subscriber", recipient_id, token)

    assert link.query == urlencode({"subscriber": recipient_id, "token": token})
    assert read_link(link.query) == link
