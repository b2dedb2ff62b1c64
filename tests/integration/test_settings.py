"""`warta run` with a wrong setting or a wrong record: one line naming it, exit 2, the store untouched.

Each case runs the real command in a child process, once on a fresh install
(no database may appear) and once on an install that has already run (its
database must stay byte for byte the same).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GOOD_SOURCE = (
    '[[source]]\nid = "kpu-kediri"\nname = "KPU Kota Kediri"\n'
    'url = "https://kota-kediri.kpu.go.id/feed/"\nauthority = "kpu"\nregion = "35.71"\n'
    "enabled = false\n"
)


def source(**fields: str) -> str:
    """The good source with some of its lines replaced (TOML values, as written in the file)."""
    lines = dict(line.split(" = ", 1) for line in GOOD_SOURCE.splitlines()[1:])
    lines.update(fields)
    return "[[source]]\n" + "".join(f"{key} = {value}\n" for key, value in lines.items())


@dataclass(frozen=True)
class Case:
    names: str
    """What the one line on stderr must name."""
    env: dict[str, str] = field(default_factory=dict)
    sources: str | bytes = GOOD_SOURCE
    hidden: tuple[str, ...] = ()
    """Text that must not appear in the output (credentials, addresses)."""


CASES = {
    "batch-size-nan": Case("WARTA_BATCH_SIZE", {"WARTA_BATCH_SIZE": "nan"}),
    "connect-timeout-inf": Case("WARTA_CONNECT_TIMEOUT", {"WARTA_CONNECT_TIMEOUT": "inf"}),
    "read-timeout-1e400": Case("WARTA_READ_TIMEOUT", {"WARTA_READ_TIMEOUT": "1e400"}),
    "fetch-budget-nan": Case("WARTA_FETCH_BUDGET", {"WARTA_FETCH_BUDGET": "NaN"}),
    "quiet-days-negative": Case("WARTA_QUIET_DAYS", {"WARTA_QUIET_DAYS": "-3"}),
    "story-window-zero": Case("WARTA_STORY_WINDOW_DAYS", {"WARTA_STORY_WINDOW_DAYS": "0"}),
    "body-cap-huge": Case("WARTA_MAX_BODY_BYTES", {"WARTA_MAX_BODY_BYTES": "99999999999999"}),
    "first-run-hours-huge": Case("WARTA_FIRST_RUN_HOURS", {"WARTA_FIRST_RUN_HOURS": "1e9"}),
    "smtp-port-out-of-range": Case(
        "WARTA_SMTP_PORT",
        {"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.contoh.id", "WARTA_SMTP_PORT": "70000"},
    ),
    "public-url-crlf": Case(
        "WARTA_PUBLIC_URL", {"WARTA_PUBLIC_URL": "https://warta.contoh.id\r\nX-Sisip: 1"}
    ),
    "public-url-query": Case(
        "WARTA_PUBLIC_URL", {"WARTA_PUBLIC_URL": "https://warta.contoh.id/?ref=surat"}
    ),
    "public-url-bad-port": Case(
        "WARTA_PUBLIC_URL", {"WARTA_PUBLIC_URL": "https://warta.contoh.id:99999"}
    ),
    "public-url-credentials": Case(
        "WARTA_PUBLIC_URL",
        {"WARTA_PUBLIC_URL": "https://akses:rahasia@warta.contoh.id"},
        hidden=("akses", "rahasia"),
    ),
    "secret-blank": Case("WARTA_SECRET", {"WARTA_SECRET": "   "}),
    "secret-short": Case(
        "WARTA_SECRET", {"WARTA_SECRET": "rahasia-pendek"}, hidden=("rahasia-pendek",)
    ),
    "admin-email-two-addresses": Case(
        "WARTA_ADMIN_EMAIL",
        {"WARTA_ADMIN_EMAIL": "admin@contoh.id, lain@contoh.id"},
        hidden=("admin@contoh.id", "lain@contoh.id"),
    ),
    "sender-crlf": Case(
        "WARTA_SENDER", {"WARTA_SENDER": "Warta <warta@contoh.id>\r\nBcc: lain@contoh.id"}
    ),
    "source-id": Case("id must be lower-case", sources=source(id='"KPU Kediri"')),
    "source-id-control": Case("id must be lower-case", sources=source(id='"kpu\\u001b[2J"')),
    "source-region": Case("region '35.7'", sources=source(region='"35.7"')),
    "source-region-number": Case("region 35", sources=source(region="35")),
    "source-poll-nan": Case("poll_minutes", sources=source(poll_minutes="nan")),
    "source-poll-inf": Case("poll_minutes", sources=source(poll_minutes="inf")),
    "source-poll-negative": Case("poll_minutes", sources=source(poll_minutes="-30")),
    "source-poll-huge": Case("poll_minutes", sources=source(poll_minutes="1e400")),
    "source-allow-addresses": Case(
        "allow_addresses entry 'intranet'", sources=source(allow_addresses='["intranet"]')
    ),
    "source-allow-network": Case(
        "allow_addresses entry '10.0.0.0/40'", sources=source(allow_addresses='["10.0.0.0/40"]')
    ),
    "source-template-without-scheme": Case(
        "url must start with http:// or https://", sources=source(url='"{demo}/feeds/kpu.xml"')
    ),
    "source-url-without-scheme": Case(
        "url must start with http:// or https://", sources=source(url='"kpu.go.id/feed"')
    ),
    "source-url-credentials": Case(
        "url must not carry a user name or password",
        sources=source(url='"https://akses:rahasia@kpu.go.id/feed"'),
        hidden=("akses", "rahasia"),
    ),
    "source-name-crlf": Case("name must be one line", sources=source(name='"KPU\\r\\nKediri"')),
    "sources-not-utf8": Case(
        "not UTF-8 text", sources=GOOD_SOURCE.encode().replace(b"Kota", b"K\xf6ta")
    ),
    "sources-not-toml": Case("not valid TOML", sources="[[source]\n"),
}


def clean_env(state: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    return {
        **env,
        "WARTA_HOME": str(state),
        "WARTA_OUTBOX": str(state.parent / "outbox"),
        **extra,
    }


def warta_run(
    root: Path, state: Path, sources: str | bytes, **env: str
) -> subprocess.CompletedProcess[str]:
    path = root / "sources.toml"
    if isinstance(sources, bytes):
        path.write_bytes(sources)
    else:
        path.write_text(sources, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "warta", "run", "--sources", str(path), "--digest", "none"],
        env=clean_env(state, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fingerprint(state: Path) -> dict[str, str]:
    """Every file of the install's state and a hash of its content."""
    return {
        str(p.relative_to(state)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(state.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state of an install that has run once on the good sources file."""
    root = tmp_path_factory.mktemp("installed")
    done = warta_run(root, root / "state", GOOD_SOURCE)
    assert done.returncode == 0, done.stderr + done.stdout
    assert (root / "state" / "warta.db").exists()
    return root / "state"


def assert_refused(done: subprocess.CompletedProcess[str], case: Case) -> None:
    assert done.returncode == 2, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("warta: ")
    assert case.names in lines[0], lines[0]
    for text in case.hidden:
        assert text not in done.stderr + done.stdout


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_fresh_install_refuses_and_creates_no_database(tmp_path: Path, case: Case) -> None:
    done = warta_run(tmp_path, tmp_path / "state", case.sources, **case.env)

    assert_refused(done, case)
    assert not (tmp_path / "state" / "warta.db").exists()
    assert not (tmp_path / "outbox").exists()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_installed_store_is_left_as_it_was(installed: Path, tmp_path: Path, case: Case) -> None:
    state = tmp_path / "state"
    shutil.copytree(installed, state)
    before = fingerprint(state)

    done = warta_run(tmp_path, state, case.sources, **case.env)

    assert_refused(done, case)
    assert fingerprint(state) == before


def test_a_home_that_is_a_file_is_one_line_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "state"
    home.write_text("not a folder\n")

    done = warta_run(tmp_path, home, GOOD_SOURCE)

    assert_refused(done, Case("WARTA_HOME"))
    assert done.stderr == f"warta: WARTA_HOME {home} is not a folder\n"
    assert home.read_text() == "not a folder\n"


def test_a_read_only_home_is_one_line_naming_it(tmp_path: Path) -> None:
    # A process's /proc folder: a real folder nobody may create files in, root
    # included (tests run as root, for whom a chmod'ed folder is still writable).
    home = Path("/proc/1")
    before = sorted(p.name for p in home.iterdir())

    done = warta_run(tmp_path, home, GOOD_SOURCE)

    assert_refused(done, Case("WARTA_HOME"))
    assert done.stderr == f"warta: WARTA_HOME {home} is not writable\n"
    assert sorted(p.name for p in home.iterdir()) == before


def test_a_good_setup_still_runs(tmp_path: Path) -> None:
    done = warta_run(
        tmp_path,
        tmp_path / "state",
        source(allow_addresses='["10.1.2.3", "10.9.0.0/16"]', poll_minutes="60"),
        WARTA_PUBLIC_URL="https://warta.contoh.id/",
        WARTA_SENDER="Warta Pemilu <warta@contoh.id>",
        WARTA_ADMIN_EMAIL="admin@contoh.id",
        WARTA_CONNECT_TIMEOUT="2.5",
        WARTA_MAX_BODY_BYTES=str(100 * 1024 * 1024),
    )

    assert done.returncode == 0, done.stderr + done.stdout
    assert (tmp_path / "state" / "warta.db").exists()


OFFICIAL = {
    "--id": "kpu-kediri",
    "--name": "Sri",
    "--role": "Ketua KPU",
    "--region": "35.71",
    "--email": "sri@kpu.example.id",
    "--phone": "+6281234567890",
}


def warta(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta", *args],
        env=clean_env(state),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("subscribers", "add", "warga@warga.example", "--region", "jatim"), "--region 'jatim'"),
        (("subscribers", "add", "warga@warga.example", "--region", "35.7"), "--region '35.7'"),
        (("subscribers", "add", "warga@warga.example, lain@warga.example"), "address"),
        (("subscribers", "add", "warga@warga.example\r\nBcc: lain@warga.example"), "address"),
        (("officials", "add", *sum(({**OFFICIAL, "--id": "KPU Kediri"}).items(), ())), "--id"),
        (("officials", "add", *sum(({**OFFICIAL, "--id": "kpu\x1b[2J"}).items(), ())), "--id"),
        (("officials", "add", *sum(({**OFFICIAL, "--region": "35.71.1"}).items(), ())), "--region"),
        (("officials", "add", *sum(({**OFFICIAL, "--phone": "0812345"}).items(), ())), "--phone"),
        (("officials", "add", *sum(({**OFFICIAL, "--email": "a@b.id, c@d.id"}).items(), ())), "--email"),
        (("officials", "add", *sum(({**OFFICIAL, "--name": "Sri\nBcc"}).items(), ())), "--name"),
    ],
)  # fmt: skip
def test_people_added_on_the_command_line_are_checked_first(
    tmp_path: Path, args: tuple[str, ...], names: str
) -> None:
    done = warta(tmp_path / "state", *args)

    assert_refused(done, Case(names, hidden=("lain@warga.example", "0812345")))
    assert not (tmp_path / "state" / "warta.db").exists()


def test_people_added_on_the_command_line_with_good_values_are_stored(tmp_path: Path) -> None:
    state = tmp_path / "state"
    added = warta(state, "subscribers", "add", "warga@warga.example", "--region", "35.71.01")
    official = warta(state, "officials", "add", *sum(OFFICIAL.items(), ()))

    assert added.returncode == 0, added.stderr
    assert official.returncode == 0, official.stderr
    assert (state / "warta.db").exists()
