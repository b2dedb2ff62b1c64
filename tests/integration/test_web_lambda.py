"""Signing up through the web function as deployed: the Function URL event, DynamoDB Local,
SES in moto. The function is not told its own URL (a circular reference in the template),
so the links it mails point at the host the request came to."""

from __future__ import annotations

import base64
import json
import re
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.integration.test_handlers import CONTEXT, EVENTS, Aws, aws, feeds  # noqa: F401 - fixtures

from warta.core.identity import subscriber_id
from warta.core.model import SubscriberStatus
from warta.handlers import _app, web

pytestmark = pytest.mark.integration

ADDRESS = "contoh@contoh.id"
HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-3.on.aws"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def at(event: dict[str, Any], url: str, method: str, body: bytes = b"") -> dict[str, Any]:
    parts = urlsplit(url)
    event = {**event, "rawPath": parts.path, "rawQueryString": parts.query}
    event["requestContext"] = {
        **event["requestContext"],
        "http": {**event["requestContext"]["http"], "method": method, "path": parts.path},
    }
    event["body"] = base64.b64encode(body).decode("ascii")
    return event


def confirm_link(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"(https://\S+/confirm\?\S+)", part.get_content())
    assert found
    return found.group(1)


def test_sign_up_and_confirm_through_the_function_url(
    aws: Aws,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WARTA_PUBLIC_URL")
    _app.reset()
    event = sample("url_subscribe_post.json")

    signed_up = web.handler(event, CONTEXT)

    assert signed_up["statusCode"] == 200
    assert "Periksa kotak masuk Anda" in signed_up["body"]
    pending = aws.store.get_subscriber(subscriber_id(ADDRESS))
    assert pending is not None and pending.status is SubscriberStatus.PENDING
    assert pending.regions == ("35.71",)
    assert pending.signed_up is not None and pending.signed_up.source == "web 203.0.113.0/24"
    [message] = aws.mail("confirm")
    link = confirm_link(message)
    assert link.startswith(f"https://{HOST}/confirm?subscriber=")
    assert str(message["List-Unsubscribe"]).startswith(f"<https://{HOST}/unsubscribe?")

    shown = web.handler(at(event, link, "GET"), CONTEXT)
    assert shown["statusCode"] == 200
    assert aws.store.get_subscriber(pending.id) == pending
    confirmed = web.handler(at(event, link, "POST"), CONTEXT)
    assert confirmed["statusCode"] == 200
    active = aws.store.get_subscriber(pending.id)
    assert active is not None and active.status is SubscriberStatus.ACTIVE

    again = web.handler(event, CONTEXT)

    assert again["statusCode"] == 200 and again["body"] == signed_up["body"]
    assert aws.store.get_subscriber(pending.id) == active
    assert [m["To"] for m in aws.mail("manage")] == [ADDRESS]
    assert len(aws.mail("confirm")) == 1
