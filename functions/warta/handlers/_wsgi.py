"""A Lambda Function URL request (payload 2.0) served by a WSGI application.

Hand-written on purpose: the mapping is a screenful (PEP 3333 on one side, the
documented payload on the other), and the well-known adapters either target
ASGI or bring a framework's worth of options the web side does not need.
"""

from __future__ import annotations

import base64
import binascii
import io
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from wsgiref.types import WSGIApplication, WSGIEnvironment

# Headers WSGI carries under their own names rather than as HTTP_*.
_PLAIN = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def request_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return b""
    return str(body).encode("utf-8")


def environ(event: Mapping[str, Any]) -> WSGIEnvironment:
    http = event.get("requestContext", {}).get("http", {})
    headers: Mapping[str, str] = event.get("headers") or {}
    body = request_body(event)
    host = headers.get("host") or event.get("requestContext", {}).get("domainName", "localhost")
    env: WSGIEnvironment = {
        "REQUEST_METHOD": str(http.get("method", "GET")),  # case-sensitive, as in HTTP
        "SCRIPT_NAME": "",
        "PATH_INFO": event.get("rawPath") or "/",
        "QUERY_STRING": event.get("rawQueryString") or "",
        "SERVER_NAME": host.partition(":")[0],
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": http.get("protocol", "HTTP/1.1"),
        "REMOTE_ADDR": http.get("sourceIp", ""),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        # Function URLs only answer HTTPS.
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.lower()
        if key == "content-length":
            continue  # the decoded body's own length stands, whatever the client claimed
        env[_PLAIN.get(key, "HTTP_" + key.upper().replace("-", "_"))] = value
    if event.get("cookies"):
        env["HTTP_COOKIE"] = "; ".join(event["cookies"])
    return env


def respond(application: WSGIApplication, event: Mapping[str, Any]) -> dict[str, Any]:
    """Run one request through the application; return the Function URL response."""
    status = ["500 Internal Server Error"]
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    def start_response(
        line: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        status[0] = line
        headers[:] = response_headers
        return chunks.append

    result: Iterable[bytes] = application(environ(event), start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    body = b"".join(chunks)
    response: dict[str, Any] = {
        "statusCode": int(status[0].split(" ", 1)[0]),
        "headers": {},
        "cookies": [],
    }
    for name, value in headers:
        if name.lower() == "set-cookie":
            response["cookies"].append(value)
        elif name in response["headers"]:
            response["headers"][name] += ", " + value
        else:
            response["headers"][name] = value
    try:
        response["body"] = body.decode("utf-8")
        response["isBase64Encoded"] = False
    except UnicodeDecodeError:
        response["body"] = base64.b64encode(body).decode("ascii")
        response["isBase64Encoded"] = True
    return response
