"""`warta archive build OUT_DIR`: the public archive as static files, for S3 or any web server."""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from warta.cli.common import settings

if TYPE_CHECKING:
    from warta.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    archive = sub.add_parser("archive", help="the public archive of stories and its feeds")
    verbs = archive.add_subparsers(dest="verb", required=True)
    build = verbs.add_parser(
        "build",
        help="write the archive as static files into OUT_DIR",
        description="Writes the public archive into OUT_DIR as static files, the same pages "
        "`warta serve` answers: arsip/index.html, one page per day (arsip/YYYY-MM-DD/"
        "index.html), one per story (cerita/ID/index.html), and the Atom feeds "
        "feed/terverifikasi.atom and feed/klarifikasi.atom. Pages link to each other "
        "relatively, so the folder can be served from any path; the feeds and the "
        "ClaimReview data link absolutely, from --base-url. Files are replaced one by one, "
        "each whole; files of days that left the archive are left in place.",
    )
    build.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder to write into")
    build.add_argument(
        "--days", type=int, default=None, help="days to look back (default 30, at most 366)"
    )
    build.add_argument(
        "--until",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the archive's last day (default today, in Jakarta)",
    )
    build.add_argument(
        "--base-url",
        default=None,
        help="where the folder will be served, for the feeds' links (default WARTA_PUBLIC_URL)",
    )
    build.add_argument(
        "--demo", action="store_true", help="the archive of the demo's stories (warta demo)"
    )
    build.set_defaults(func=cmd_build)


def write_whole(path: Path, body: bytes) -> None:
    """Write `path` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".warta-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_build(args: argparse.Namespace) -> int:
    from warta.core.cap import Status
    from warta.core.errors import ConfigError
    from warta.core.validate import printable
    from warta.render import default_renderer
    from warta.services.archive import DEFAULT_DAYS, Archive
    from warta.wiring import build_clock, open_store

    current = settings()
    if args.demo:
        from warta.demo.runner import demo_settings

        current = demo_settings(current)
    days = DEFAULT_DAYS if args.days is None else args.days
    if not 1 <= days <= 366:
        raise ConfigError("--days must be between 1 and 366")
    base = args.base_url or current.public_url
    if not base.startswith(("https://", "http://")):
        raise ConfigError(f"--base-url must be an http(s) URL, not {printable(base)}")
    out: Path = args.out_dir
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{printable(str(out))} exists and is not a folder")
    pages = feeds = messages = 0
    with open_store(current, read_only=True) as store:
        archive = Archive(
            store=store,
            renderer=default_renderer(),
            clock=build_clock(),
            days=days,
            until=args.until,
            # The demo's CAP messages say they are a test: receivers take no action.
            cap_status=Status.TEST if args.demo else Status.ACTUAL,
        )
        for file in archive.files(base):
            write_whole(out / file.path, file.body)
            if file.path.endswith(".atom"):
                feeds += 1
            elif file.path.endswith(".xml"):
                messages += 1
            else:
                pages += 1
    print(
        f"wrote {pages} pages, {feeds} feeds and {messages} CAP message(s) to {out} "
        f"(links under {base})"
    )
    print(f"open {out / 'arsip' / 'index.html'}")
    return 0
