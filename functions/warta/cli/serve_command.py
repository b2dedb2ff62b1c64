"""`warta serve`: the unsubscribe pages that links in messages point at."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from warta.cli.common import settings

if TYPE_CHECKING:
    from warta.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    serve = sub.add_parser(
        "serve", help="serve the unsubscribe pages that links in messages point at"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8025, help="port to listen on (default 8025)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="answer the links in the demo's messages (the demo keeps its own state)",
    )
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from warta.web.serve import serve

    current = settings()
    if args.demo:
        from warta.demo.runner import demo_settings

        current = demo_settings(current)
    serve(current, host=args.host, port=args.port)
    return 0
