"""The signing secret: made once for a local install, or read from a store of secrets on AWS.

Never logged, never committed: it reaches only the settings object, which keeps
it out of repr.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from warta.core.errors import ConfigError


def local_secret(home: Path) -> bytes:
    """The signing secret of a local install, made on first run into a private file."""
    path = home / "secret"
    if path.exists():
        value = path.read_text(encoding="ascii").strip()
        if len(value) < 32:
            raise ConfigError(
                f"{path} is too short to be a signing secret; delete it to make a new one"
            )
        return value.encode("ascii")
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    # O_EXCL: two processes starting at once never overwrite each other's secret.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value.encode("ascii")


def check_secret(value: str, where: str) -> bytes:
    """A signing secret read from a store of secrets; `where` names it, the value never shows."""
    value = value.strip()
    if len(value) < 32:
        raise ConfigError(f"{where} must hold at least 32 characters")
    return value.encode()
