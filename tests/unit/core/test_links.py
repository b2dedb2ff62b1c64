from __future__ import annotations

from warta.core import links

SECRET = b"s" * 64


def test_token_verifies_for_its_recipient_and_purpose() -> None:
    token = links.sign(SECRET, "unsubscribe", "subscriber:sub-1")
    assert links.verify(SECRET, "unsubscribe", "subscriber:sub-1", token)


def test_token_of_one_recipient_is_refused_for_another() -> None:
    token = links.sign(SECRET, "unsubscribe", "subscriber:sub-1")
    assert not links.verify(SECRET, "unsubscribe", "subscriber:sub-2", token)


def test_token_is_bound_to_its_purpose_and_secret() -> None:
    token = links.sign(SECRET, "unsubscribe", "subscriber:sub-1")
    assert not links.verify(SECRET, "preferences", "subscriber:sub-1", token)
    assert not links.verify(b"t" * 64, "unsubscribe", "subscriber:sub-1", token)


def test_token_is_url_safe() -> None:
    token = links.sign(SECRET, "unsubscribe", "official:kpu-kota-kediri-humas")
    assert len(token) == 32
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
