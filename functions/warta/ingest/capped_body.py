"""Reading a fetched body under a size cap, gzip and deflate included.

The cap applies after decompression and decompression is fed in bounded steps,
so a gzip bomb stops at the cap instead of filling memory.
"""

from __future__ import annotations

import http.client
import zlib
from typing import Any

from warta.core.errors import FetchError

MAX_BODY_BYTES = 5 * 1024 * 1024
"""The default cap on a source's body, after decompression."""
_CHUNK = 64 * 1024


class _BodyReader:
    """Collects a response body, decoding gzip/deflate, refusing to grow past the cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        self._cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        self.wire = 0
        self._started = False
        self._decoder: Any = None
        self._raw_deflate_retry = False
        encodings = [e.strip() for e in encoding.lower().split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if not encodings:
            return
        if len(encodings) > 1:
            raise FetchError("encoding", f"stacked content encodings {encoding!r}")
        if encodings[0] in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encodings[0] == "deflate":
            # "deflate" should be zlib-wrapped, but some servers send raw deflate.
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_retry = True
        else:
            raise FetchError("encoding", f"unsupported content encoding {encoding!r}")

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchError("body_too_large", f"body over {self._cap} bytes")
        if data:
            self._parts.append(data)

    def feed(self, data: bytes) -> None:
        # The wire is capped too: compressed trailing garbage would otherwise be unbounded.
        self.wire += len(data)
        if self.wire > self._cap:
            raise FetchError("body_too_large", f"body over {self._cap} bytes")
        if self._decoder is None:
            self._add(data)
            return
        first = not self._started
        self._started = True
        pending = data
        while pending:
            try:
                # At most one byte past the cap: enough to know it is too big.
                # And at most one chunk per step: zlib builds its output in
                # blocks and then joins them, so a single step of up to the
                # whole cap would briefly hold twice the cap in memory.
                limit = min(_CHUNK, self._cap - self._size + 1)
                out = self._decoder.decompress(pending, limit)
            except zlib.error as exc:
                if first and self._raw_deflate_retry:
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._raw_deflate_retry = False
                    continue
                raise FetchError("encoding", f"corrupt compressed body: {exc}") from exc
            first = False
            self._add(out)
            pending = self._decoder.unconsumed_tail

    def finish(self) -> bytes:
        if self._decoder is not None:
            try:
                self._add(self._decoder.flush())
            except zlib.error as exc:
                raise FetchError("encoding", f"corrupt compressed body: {exc}") from exc
        return b"".join(self._parts)


def read_body(response: http.client.HTTPResponse, headers: dict[str, str], cap: int) -> bytes:
    """The decoded body of `response` (whose lower-cased headers are `headers`), up to `cap`.

    Raises FetchError when the body is or announces itself over the cap, is
    cut short, or is encoded in a way that cannot be read.
    """
    encoding = headers.get("content-encoding", "")
    declared = headers.get("content-length", "")
    # Refuse at once what announces itself as too big: no point reading it.
    if declared.isdigit() and int(declared) > cap:
        raise FetchError("body_too_large", f"Content-Length {declared}")
    reader = _BodyReader(encoding, cap)
    while chunk := response.read(_CHUNK):
        reader.feed(chunk)
    # http.client returns a short body without complaint when the server hangs up.
    if declared.isdigit() and reader.wire < int(declared):
        raise FetchError("protocol", f"body ended after {reader.wire} of {declared} bytes")
    return reader.finish()
