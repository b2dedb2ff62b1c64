"""The Fetcher for local files (`file:` URLs or plain paths), for the demo and tests."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from warta.core.errors import FetchError
from warta.core.model import FetchResult, Source
from warta.ingest.capped_body import MAX_BODY_BYTES
from warta.ingest.fetch_clock import timed


class FileFetcher:
    """Reads a source's file under the same body cap as HttpFetcher."""

    def __init__(self, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes

    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        # A file has no validators: it is read whole every time.
        return timed(time.monotonic, lambda: self._read(local_path(url or source.url)))

    def _read(self, path: Path) -> FetchResult:
        try:
            with path.open("rb") as handle:
                # One byte past the cap tells us it is too big without reading it all.
                body = handle.read(self.max_body_bytes + 1)
        except FileNotFoundError as exc:
            raise FetchError("not_found", str(path)) from exc
        except OSError as exc:
            raise FetchError("io", f"{path}: {exc}") from exc
        if len(body) > self.max_body_bytes:
            raise FetchError("body_too_large", f"{path} is over {self.max_body_bytes} bytes")
        return FetchResult(url=str(path), status=200, body=body)


def local_path(url: str) -> Path:
    """The filesystem path of a `file:` URL, or the text itself when it is a plain path."""
    if url.startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError("bad_url", f"{url!r} names a remote host")
        return Path(url2pathname(parts.path))
    return Path(url)


def is_local(url: str) -> bool:
    """True when the URL is for FileFetcher rather than HttpFetcher."""
    scheme = urlsplit(url).scheme.lower()
    # A one-letter scheme is a Windows drive letter, not a scheme.
    return scheme in ("", "file") or len(scheme) == 1
