from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

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


# -- timed tokens (confirmation and preferences links) and key rotation ----------------

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
OLD_KEY = b"o" * 40
NEW_KEY = b"n" * 40


def link_of(token: str, recipient: str = "sub-1", kind: str = "subscriber") -> links.Link:
    return links.Link(kind, recipient, token)


def swap(token: str, index: int) -> str:
    """The token with one character changed."""
    chars = list(token)
    chars[index] = "B" if chars[index] == "A" else "A"
    return "".join(chars)


def confirm_token(secret: bytes = SECRET, recipient: str = "sub-1", at: datetime = NOW) -> str:
    return links.issue(secret, links.CONFIRM, links.RecipientKind.SUBSCRIBER, recipient, at)


def test_timed_token_is_valid_for_its_purpose_and_recipient_and_tells_when_it_was_issued() -> None:
    checked = links.check(SECRET, links.CONFIRM, link_of(confirm_token()), NOW)

    assert checked == links.Checked(links.Verdict.VALID, NOW)
    assert checked.valid


@pytest.mark.parametrize(
    ("purpose", "link"),
    [
        pytest.param(links.MANAGE, link_of(confirm_token()), id="other-purpose"),
        pytest.param(links.CONFIRM, link_of(confirm_token(), "sub-2"), id="other-recipient"),
        pytest.param(links.CONFIRM, link_of(confirm_token(), kind="official"), id="other-kind"),
        pytest.param(links.CONFIRM, link_of(confirm_token(b"t" * 64)), id="other-secret"),
        pytest.param(links.UNSUBSCRIBE, link_of(confirm_token()), id="unsubscribe-purpose"),
        pytest.param(links.CONFIRM, link_of(swap(confirm_token(), 0)), id="unknown-key-id"),
        pytest.param(links.CONFIRM, link_of(swap(confirm_token(), -1)), id="changed-mac"),
        pytest.param(
            links.CONFIRM, link_of(confirm_token().replace(".", "..", 1)), id="four-parts"
        ),
        pytest.param(
            links.CONFIRM, link_of(links.sign(SECRET, "confirm", "subscriber:sub-1")), id="no-stamp"
        ),
        pytest.param(links.CONFIRM, link_of(confirm_token() + "é"), id="not-ascii"),
        pytest.param(links.CONFIRM, link_of("A" * 250), id="overlong"),
    ],
)
def test_timed_token_is_forged_for_anything_it_was_not_issued_for(
    purpose: str, link: links.Link
) -> None:
    assert links.check(SECRET, purpose, link, NOW) == links.Checked(links.Verdict.FORGED)


def test_a_later_issue_time_written_into_a_token_makes_it_forged_not_younger() -> None:
    kid, _, mac = confirm_token(at=NOW - timedelta(days=3)).split(".")
    younger = f"{kid}.{int(NOW.timestamp()):x}.{mac}"

    assert links.check(SECRET, links.CONFIRM, link_of(younger), NOW).verdict is links.Verdict.FORGED


@pytest.mark.parametrize(
    ("age", "verdict"),
    [
        (timedelta(0), links.Verdict.VALID),
        (timedelta(hours=48), links.Verdict.VALID),
        (timedelta(hours=48, seconds=1), links.Verdict.EXPIRED),
        (timedelta(days=400), links.Verdict.EXPIRED),
        (-timedelta(minutes=5), links.Verdict.VALID),  # issued by a host whose clock runs ahead
        (-timedelta(minutes=6), links.Verdict.EXPIRED),
    ],
)
def test_timed_token_lives_48_hours(age: timedelta, verdict: links.Verdict) -> None:
    token = confirm_token(at=NOW - age)

    assert links.check(SECRET, links.CONFIRM, link_of(token), NOW).verdict is verdict


def test_undated_purposes_cannot_be_issued_as_timed_tokens() -> None:
    with pytest.raises(ValueError, match="do not expire"):
        links.issue(SECRET, links.UNSUBSCRIBE, links.RecipientKind.SUBSCRIBER, "sub-1", NOW)


def test_a_one_line_secret_signs_exactly_as_before_keys_could_be_rotated() -> None:
    # The unsubscribe links of messages already sent must keep working.
    before = hmac.new(
        b" padded secret of forty characters long \n",
        b"unsubscribe\x00subscriber:sub-1",
        hashlib.sha256,
    )
    expected = base64.urlsafe_b64encode(before.digest()).decode()[:32]

    assert (
        links.sign(b" padded secret of forty characters long \n", "unsubscribe", "subscriber:sub-1")
        == expected
    )


def test_rotation_signs_with_the_first_key_and_still_accepts_links_of_the_others() -> None:
    old_unsubscribe = links.sign(OLD_KEY, "unsubscribe", "subscriber:sub-1")
    old_confirm = confirm_token(OLD_KEY)
    rotated = NEW_KEY + b"\n" + OLD_KEY + b"\n"

    assert links.verify(rotated, "unsubscribe", "subscriber:sub-1", old_unsubscribe)
    assert links.check(rotated, links.CONFIRM, link_of(old_confirm), NOW).valid
    assert links.sign(rotated, "unsubscribe", "subscriber:sub-1") == links.sign(
        NEW_KEY, "unsubscribe", "subscriber:sub-1"
    )
    new_confirm = confirm_token(rotated)
    assert new_confirm.split(".")[0] == links.key_id(NEW_KEY) != links.key_id(OLD_KEY)
    assert links.check(NEW_KEY, links.CONFIRM, link_of(new_confirm), NOW).valid
    # Once the old key is dropped, what it signed is refused.
    assert not links.verify(NEW_KEY, "unsubscribe", "subscriber:sub-1", old_unsubscribe)
    assert not links.check(NEW_KEY, links.CONFIRM, link_of(old_confirm), NOW).valid


def test_keyring_shows_key_ids_never_keys() -> None:
    ring = links.keyring(NEW_KEY + b"\n" + OLD_KEY)

    assert "n" * 10 not in repr(ring) and "o" * 10 not in repr(ring)
    assert [kid for kid, _ in ring.keys] == [links.key_id(NEW_KEY), links.key_id(OLD_KEY)]


def test_link_urls_name_the_subscriber_and_token_for_the_page_that_reads_them() -> None:
    token = confirm_token()
    url = links.confirm_url("https://warta.example", "sub-1", token)

    assert url == f"https://warta.example/confirm?subscriber=sub-1&token={token}"
    assert links.read_link(url.partition("?")[2]) == link_of(token)
    assert links.preferences_url("https://w.example", "sub-1", "t").startswith(
        "https://w.example/preferences?subscriber=sub-1&token=t"
    )
