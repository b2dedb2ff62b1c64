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
from warta.core.validate import printable

MIN_SECRET_LENGTH = 32
"""Characters, not counting surrounding blanks, of any signing secret."""


def _read_secret(path: Path) -> bytes:
    shown = printable(str(path))
    try:
        value = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise ConfigError(
            f"{shown} is not a signing secret (not ASCII text); delete it to make a new one"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the signing secret {shown}: {exc.strerror}") from None
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{shown} is too short to be a signing secret; delete it to make a new one"
        )
    return value.encode("ascii")


def local_secret(home: Path) -> bytes:
    """The signing secret of a local install, made on first run into a private file."""
    path = home / "secret"
    if path.exists():
        return _read_secret(path)
    value = secrets.token_hex(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once never overwrite each other's secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:
        if path.exists():
            return _read_secret(path)  # made meanwhile by another process
        raise ConfigError(f"WARTA_HOME {printable(str(home))} is not a folder") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot write the signing secret into {printable(str(home))}: {exc.strerror}"
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value.encode("ascii")


def check_secret(value: str, where: str) -> bytes:
    """A signing secret read from a store of secrets; `where` names it, the value never shows."""
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{where} must hold at least {MIN_SECRET_LENGTH} characters")
    return value.encode()
