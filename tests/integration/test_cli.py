"""The `warta` command as an admin meets it: run as a process, with its state in a folder of its own.

Whatever Warta prints or mails as a command to type is run here exactly as
written, so a suggestion cannot drift from the command it names.
"""

from __future__ import annotations

import ast
import email
import email.policy
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

import warta
from warta.config.files import events_dir
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sources"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "WARTA_HOME": str(tmp_path / "state"),
        "WARTA_OUTBOX": str(tmp_path / "outbox"),
        **extra,
    }
    env.pop("WARTA_SECRET", None)
    return env


def warta_cmd(
    tmp_path: Path, *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta", *args],
        env=env_for(tmp_path, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def as_typed(command: str) -> list[str]:
    """A printed `warta ...` command as the argv of this test's interpreter."""
    words = shlex.split(command)
    assert words[0] == "warta", command
    return words[1:]


def write_sources(path: Path, *tables: str) -> Path:
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def rss_source(source_id: str, url: str, *, enabled: bool = True) -> str:
    return (
        f'[[source]]\nid = "{source_id}"\nname = "{source_id} (contoh)"\nurl = "{url}"\n'
        f'kind = "rss"\nauthority = "kpu"\nallow_addresses = ["127.0.0.1"]\n'
        f"enabled = {'true' if enabled else 'false'}\n"
    )


# -- what the command builds --------------------------------------------------------


def test_the_cli_asks_the_wiring_for_stores_and_fetchers_and_builds_none() -> None:
    forbidden = ("warta.adapters", "warta.ingest.http", "warta.ingest.file_fetcher")
    modules = sorted((ROOT / "functions" / "warta" / "cli").glob("*.py"))
    assert {m.stem for m in modules} >= {
        "main",
        "cycle_commands",
        "source_commands",
        "people_commands",
        "serve_command",
    }
    found = []
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, module.name
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [
                f"{module.name}:{node.lineno} {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in forbidden)
            ]
    assert found == []


# -- --version ---------------------------------------------------------------------


def test_version_prints_the_installed_version() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    done = subprocess.run(
        [sys.executable, "-m", "warta", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"warta {declared['version']}\n"
    assert warta.__version__ == declared["version"]  # the fallback when not installed


# -- a reader that goes away ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (("sources",), None),
        (
            ("classify",),
            '{"title": "KPU Bantah Isu", "summary": "Tidak benar.", "source": "kpu"}\n',
        ),
    ],
    ids=["sources", "classify"],
)
def test_output_into_a_closed_pipe_ends_quietly(
    tmp_path: Path, args: tuple[str, ...], stdin: str | None
) -> None:
    # As `warta sources | head -0`: the reader is gone before anything is written.
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", *args],
        env=env_for(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    process.stdout.close()
    try:
        _, err = process.communicate(stdin or "", timeout=60)
    finally:
        process.kill()
        process.wait()

    assert err == ""
    assert process.returncode == 141


def test_a_shell_pipeline_into_head_shows_no_traceback(tmp_path: Path) -> None:
    python = shlex.quote(sys.executable)
    done = subprocess.run(
        ["bash", "-c", f"{python} -m warta sources | head -n 1"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0
    assert done.stdout.startswith("id ")
    assert done.stderr == ""


# -- unknown ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("sources", "enable", "nosuch"), ("sources", "check", "nosuch")], ids=" ".join
)
def test_an_unknown_source_id_is_one_clear_line_and_a_failure(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    sources = write_sources(tmp_path / "sources.toml", rss_source("kpu-ri", "https://kpu.go.id/"))

    done = warta_cmd(tmp_path, *args, WARTA_SOURCES=str(sources))

    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr == "warta: no source with id nosuch in the sources file\n"


def test_enabling_a_listed_source_before_any_run_creates_no_database(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", rss_source("kpu-ri", "https://kpu.go.id/"))

    done = warta_cmd(tmp_path, "sources", "enable", "kpu-ri", "--sources", str(sources))
    listing = warta_cmd(tmp_path, "sources", "--sources", str(sources))

    assert done.returncode == 0, done.stderr
    assert done.stdout == "source kpu-ri was not disabled\n"
    assert "never fetched" in listing.stdout
    assert not (tmp_path / "state" / "warta.db").exists()


# -- warta run with nothing enabled ---------------------------------------------------------


@pytest.mark.parametrize("named", [True, False], ids=["--sources", "WARTA_SOURCES"])
def test_a_run_with_every_source_disabled_says_how_to_enable_them(
    tmp_path: Path, named: bool
) -> None:
    with SampleServer(events_dir()) as server:
        sources = write_sources(
            tmp_path / "my sources.toml",
            rss_source("kpu-ri", server.url("feeds/kpu.xml"), enabled=False),
            rss_source("bawaslu-ri", server.url("feeds/bawaslu.xml"), enabled=False),
        )
        given = ("--sources", str(sources)) if named else ()
        extra = {} if named else {"WARTA_SOURCES": str(sources)}

        done = warta_cmd(tmp_path, "run", *given, **extra)
        suggested = re.findall(r"`(warta [^`]+)`", done.stdout)
        assert suggested, done.stdout
        checked = warta_cmd(tmp_path, *as_typed(suggested[0]), **extra)

    assert done.returncode == 0, done.stderr
    assert f"Every source in {sources} is disabled (2 sources)" in done.stdout
    assert "`enabled = true`" in done.stdout
    assert suggested[0].startswith("warta sources check --all")
    assert checked.returncode == 0, checked.stderr + checked.stdout
    table, _, advice = checked.stdout.partition("\nto enable")
    rows = [line.split()[0] for line in table.splitlines()[2:]]
    assert rows == ["kpu-ri", "bawaslu-ri"]
    # Both answered with items: the check says to enable them.
    assert advice == " (set enabled = true): kpu-ri, bawaslu-ri\n"


# -- the commands a health message suggests --------------------------------------------------


def _health_states(now: datetime) -> list[object]:
    from warta.core.model import SourceState

    later = now + timedelta(days=1)  # not due: this run fetches none of them
    return [
        SourceState(
            "gone-src",
            disabled=True,
            last_status=410,
            last_error="http_410: gone",
            failing_since=now - timedelta(hours=2),
            next_poll_at=later,
        ),
        SourceState(
            "failing-src",
            error_count=9,
            last_error="timeout",
            failing_since=now - timedelta(days=2),
            next_poll_at=later,
        ),
        SourceState(
            "quiet-src",
            last_status=200,
            last_success_at=now - timedelta(hours=1),
            last_new_item_at=now - timedelta(days=30),
            next_poll_at=later,
        ),
    ]


def _health_messages(outbox: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if message["X-Warta-Kind"] == "health":
            found.append(message)
    return found


def _suggested(message: EmailMessage) -> list[str]:
    """The commands a health message asks an admin to type, the same in both its parts."""
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    in_text = re.findall(r"^\s*(?:\d\. [^:\n]*: )?(warta \S.*?)\s*$", text_part.get_content(), re.M)
    in_html = [
        html.unescape(c) for c in re.findall(r"<code>(warta [^<]+)</code>", html_part.get_content())
    ]
    assert in_text and sorted(in_text) == sorted(in_html)
    return in_text


def test_every_command_a_health_message_suggests_runs_as_written(tmp_path: Path) -> None:
    from warta.adapters.sqlite_store import SqliteStore

    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(events_dir() / "feeds" / "kpu.xml", site / "kpu.xml")
    shutil.copy(events_dir() / "feeds" / "bawaslu.xml", site / "bawaslu.xml")
    shutil.copy(FIXTURES / "html_kpu_kab_listing.html", site / "berita.html")
    now = datetime.now(UTC)
    (tmp_path / "state").mkdir()
    with SqliteStore(tmp_path / "state" / "warta.db") as store:
        for state in _health_states(now):
            store.put_source_state(state)  # type: ignore[arg-type]

    with SampleServer(site) as server:
        listing = server.url("berita.html")
        sources = write_sources(
            tmp_path / "sources.toml",
            rss_source("gone-src", server.url("kpu.xml")),
            rss_source("failing-src", server.url("bawaslu.xml")),
            '[[source]]\nid = "quiet-src"\nname = "KPU Kabupaten Kediri (contoh)"\n'
            f'url = "{listing}"\nkind = "html"\nauthority = "kpu"\n'
            'region = "35.06"\nallow_addresses = ["127.0.0.1"]\n'
            'extract = { item = "div.card.berita", title = "h5 a", link = "h5 a", '
            'date = "span.date", summary = "p.card-text" }\n',
        )
        admin = {"WARTA_SOURCES": str(sources), "WARTA_ADMIN_EMAIL": "admin@contoh.id"}
        ran = warta_cmd(tmp_path, "run", **admin)
        assert ran.returncode == 0, ran.stderr + ran.stdout
        messages = _health_messages(tmp_path / "outbox")
        assert len(messages) == 3, ran.stdout
        commands = [c for m in messages for c in _suggested(m)]
        results = {c: warta_cmd(tmp_path, *as_typed(c), **admin) for c in commands}

    assert sorted(commands) == sorted(
        [
            "warta sources check gone-src",
            "warta sources enable gone-src",
            "warta sources check failing-src",
            f"warta preview {listing} --kind html",
        ]
    )
    for command, done in results.items():
        assert done.returncode == 0, f"{command}: {done.stderr}{done.stdout}"
        assert done.stderr == "", command
    assert "enabled: its next run is a first run" in results["warta sources enable gone-src"].stdout
    previewed = results[f"warta preview {listing} --kind html"].stdout
    # The listing's three items, found with the selectors of the sources file.
    titles = [json.loads(line)["title"] for line in previewed.splitlines()]
    assert len(titles) == 3
    assert titles[0].startswith("Rapat Pleno")
