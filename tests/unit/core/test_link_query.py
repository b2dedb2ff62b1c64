"""A link's query is what urlencode writes, whether written directly or by urlencode."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

import pytest

from warta.core.links import (
    KeyedHmac,
    Link,
    RecipientKind,
    UnsubscribeUrls,
    read_link,
    unsubscribe_link,
    unsubscribe_url,
)


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


@pytest.mark.parametrize("kind", list(RecipientKind))
@pytest.mark.parametrize(
    "recipient_id",
    ["sub-0a1b2c3d", "kpu-kota-kediri-sri.lestari~2", "id with space", "a&official=b", "wärga", ""],
)
@pytest.mark.parametrize("secret", [b"one key", b"current key\nold key\n"])
def test_unsubscribe_urls_for_many_ids_are_the_urls_of_their_links(
    kind: RecipientKind, recipient_id: str, secret: bytes
) -> None:
    urls = UnsubscribeUrls(secret, "https://warta.example", kind)

    expected = unsubscribe_url(
        "https://warta.example", unsubscribe_link(secret, kind, recipient_id)
    )
    assert urls(recipient_id) == expected
    if recipient_id:  # an empty id is written alike, and read back as no link at all
        token = expected.rsplit("token=", 1)[1]
        assert read_link(expected.split("?", 1)[1]) == Link(kind.value, recipient_id, token)


@pytest.mark.parametrize("length", [0, 1, 32, 63, 64, 65, 200])
def test_a_keyed_hmac_is_the_hmac_of_each_message(length: int) -> None:
    key = bytes(range(256))[:length] if length <= 256 else b""
    keyed = KeyedHmac(key)

    for message in (b"", b"unsubscribe\x00subscriber:sub-1", "wärga".encode() * 40):
        assert keyed.digest(message) == hmac.digest(key, message, "sha256")
