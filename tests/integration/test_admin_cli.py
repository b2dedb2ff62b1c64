"""The admin commands on either store: the `warta` command run as a process against the local
SQLite file and against DynamoDB Local (WARTA_STORE=dynamodb:TABLE), answering the same."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import DynamoDbLocal

from warta.adapters.dynamodb_store import DynamoDbStore
from warta.adapters.sqlite_store import SqliteStore
from warta.core.identity import subscriber_id
from warta.core.model import SourceState, Subscriber, SubscriberStatus
from warta.core.ports import Store

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC)
SUBSCRIBERS = 230
"""More than two pages of the store's 100: listing goes through the pages."""

SOURCES = """\
[[source]]
id = "kpu-kota-kediri"
name = "KPU Kota Kediri"
url = "https://kota-kediri.kpu.example.id/feed/"
authority = "kpu"
region = "35.71"

[[source]]
id = "bawaslu-kab-kediri"
name = "Bawaslu Kabupaten Kediri"
url = "https://kab-kediri.bawaslu.example.id/feed/"
authority = "bawaslu"
region = "35.06"
enabled = false
"""

OFFICIALS = """\
name,role,institution,region,email,phone,id
Sri Lestari,Ketua,KPU Kota Kediri,35.71,Sri@KPU.example.id,0812-7777-1234,
Budi Santoso,Camat,Kecamatan Mojoroto,35.71.01,,+62 813 1111 2222,camat-mojoroto
Ani,Anggota,Bawaslu Kabupaten Kediri,35.06,ani@bawaslu.example.id,,
Dewi,Staf,KPU Kota Kediri,35.71,,031 734 5678,
Eko,Staf,KPU Kota Kediri,Kediri,eko@kpu.example.id,,
"""

PHONE_ADVICE = (
    "give an Indonesian mobile number such as 0812-3456-7890, +62 812 3456 7890 or 6281234567890"
)
REPORT = [
    "line 2: {} kpu-kota-kediri-sri-lestari",
    "line 3: {} camat-mojoroto",
    "line 4: {} bawaslu-kabupaten-kediri-ani",
    "line 4: warning: no enabled source reports on Kabupaten Kediri (35.06) or a region around "
    "it: only national stories will reach them",
    "line 5: refused: phone is not a mobile number (a landline or service number cannot take "
    f"SMS); {PHONE_ADVICE}",
    "line 6: refused: region 'Kediri' is neither 'national' nor a Kemendagri code",
]


@dataclass
class Side:
    """One store and the environment that points the `warta` command at it."""

    name: str
    store: Store
    env: dict[str, str]
    home: Path

    def warta(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "warta", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def base_env(tmp_path: Path, sources: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "WARTA_", "BOTO"))
    }
    env.update(
        WARTA_HOME=str(tmp_path / "state"),
        WARTA_OUTBOX=str(tmp_path / "outbox"),
        WARTA_SOURCES=str(sources),
        # Nothing here may pick up an admin's real AWS profile or credentials.
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
    )
    return env


@pytest.fixture
def sides(tmp_path: Path, dynamodb_local: DynamoDbLocal) -> Iterator[list[Side]]:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    local = tmp_path / "sqlite"
    (local / "state").mkdir(parents=True)
    sqlite = Side(
        "sqlite",
        SqliteStore(local / "state" / "warta.db"),
        base_env(local, sources),
        local / "state",
    )
    deployed = tmp_path / "dynamodb"
    table = dynamodb_local.store(deployed)
    assert isinstance(table, DynamoDbStore)
    dynamodb = Side(
        "dynamodb",
        table,
        {
            **base_env(deployed, sources),
            "WARTA_STORE": f"dynamodb:{table.table_name}",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "ap-southeast-3",
        },
        deployed / "state",
    )
    yield [sqlite, dynamodb]
    sqlite.store.close()  # type: ignore[attr-defined]


def transcript(side: Side, *commands: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """Each command's exit status, output and errors, in order."""
    results = []
    for command in commands:
        done = side.warta(*command)
        results.append((done.returncode, done.stdout, done.stderr))
    return results


def lines_of(output: str) -> list[str]:
    return output.splitlines()


def test_officials_import_reports_each_line_and_writes_only_when_asked(
    sides: list[Side], tmp_path: Path
) -> None:
    sheet = tmp_path / "officials.csv"
    sheet.write_text(OFFICIALS, encoding="utf-8")
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(OFFICIALS.replace("+62 813 1111 2222", "0813-9999-0000"), encoding="utf-8")
    export = tmp_path / "export.csv"
    runs = {}
    for side in sides:
        runs[side.name] = transcript(
            side,
            ("officials", "import", str(sheet)),
            ("officials", "list"),
            ("officials", "import", str(sheet), "--partial"),
            ("officials", "import", str(fixed), "--partial"),
            # Each side writes the file and imports it back before the other's turn.
            ("officials", "export", "--output", str(export)),
            ("officials", "import", str(export)),
            ("officials", "export", "--all"),
            ("officials", "show", "camat-mojoroto"),
            ("officials", "remove", "camat-mojoroto", "--deactivate"),
            ("officials", "list", "--inactive", "--json"),
            ("officials", "remove", "bawaslu-kabupaten-kediri-ani"),
            ("officials", "remove", "bawaslu-kabupaten-kediri-ani"),
        )
    assert runs["sqlite"] == runs["dynamodb"]

    (
        refused,
        empty,
        partial,
        changed,
        exported,
        reimported,
        everyone,
        shown,
        deactivated,
        inactive,
        removed,
        again,
    ) = runs["sqlite"]
    # A file with a refused line changes nothing, and says so.
    status, out, err = refused
    assert (status, err) == (1, "")
    report = lines_of(out)
    assert report[:5] == [line.format("added") for line in REPORT[:5]]
    assert report[5].startswith(REPORT[5])
    assert report[6] == (
        "3 added, 0 changed, 0 unchanged, 2 refused: nothing written; correct the refused "
        "lines, or import with --partial to write the others"
    )
    assert empty == (0, "no active official\n", "")
    # No address or number of a line is repeated in the report.
    for contact in ("sri@kpu.example.id", "ani@bawaslu", "734 5678", "eko@", "7777-1234"):
        assert contact.lower() not in out.lower()

    status, out, _ = partial
    assert status == 1
    assert lines_of(out)[-1] == "3 added, 0 changed, 0 unchanged, 2 refused: written"

    status, out, _ = changed
    assert status == 1
    assert lines_of(out)[:3] == [
        "line 2: unchanged kpu-kota-kediri-sri-lestari",
        "line 3: changed camat-mojoroto (phone)",
        "line 4: unchanged bawaslu-kabupaten-kediri-ani",
    ]
    assert lines_of(out)[-1] == "0 added, 1 changed, 2 unchanged, 2 refused: written"

    # What export writes imports back unchanged.
    assert exported == (0, f"3 officials written to {export}\n", "")
    status, out, _ = reimported
    assert status == 0
    assert lines_of(out)[-1] == "0 added, 0 changed, 3 unchanged, 0 refused: nothing to change"
    assert everyone == (0, export.read_text(encoding="utf-8"), "")
    assert lines_of(everyone[1]) == [
        "name,role,institution,region,email,phone,id",
        "Ani,Anggota,Bawaslu Kabupaten Kediri,35.06,ani@bawaslu.example.id,,"
        "bawaslu-kabupaten-kediri-ani",
        "Budi Santoso,Camat,Kecamatan Mojoroto,35.71.01,,'+6281399990000,camat-mojoroto",
        "Sri Lestari,Ketua,KPU Kota Kediri,35.71,sri@kpu.example.id,'+6281277771234,"
        "kpu-kota-kediri-sri-lestari",
    ]

    status, out, _ = shown
    assert status == 0
    assert "phone:       +6281399990000" in lines_of(out)
    assert "region:      35.71.01 (Kecamatan Mojoroto, Kota Kediri)" in lines_of(out)
    assert deactivated == (0, "official camat-mojoroto deactivated\n", "")
    [record] = [json.loads(line) for line in lines_of(inactive[1])]
    assert (record["id"], record["active"], record["phone"]) == (
        "camat-mojoroto",
        False,
        "+6281399990000",
    )
    assert removed == (0, "official bawaslu-kabupaten-kediri-ani removed\n", "")
    assert again == (1, "", "warta: no official bawaslu-kabupaten-kediri-ani\n")
    # The DynamoDB side wrote nothing locally: no SQLite file appeared in its home.
    assert not (sides[1].home / "warta.db").exists()


def seed_subscribers(store: Store) -> list[Subscriber]:
    statuses = list(SubscriberStatus)
    people = []
    for n in range(SUBSCRIBERS):
        email = f"warga{n:03d}@contoh.id"
        people.append(
            Subscriber(
                id=subscriber_id(email),
                email=email,
                status=statuses[n % 7 % len(statuses)],
                regions=("35.71", "national") if n % 3 else ("*",),
                name=f"Warga {n}" if n % 2 else None,
                created_at=NOW + timedelta(minutes=n),
                urgent=n % 5 == 0,
            )
        )
    for subscriber in people:
        store.put_subscriber(subscriber)
    return people


def test_subscribers_list_shows_the_same_on_dynamodb_as_on_sqlite(sides: list[Side]) -> None:
    people = seed_subscribers(sides[0].store)
    seed_subscribers(sides[1].store)
    first = people[0]
    runs = {
        side.name: transcript(
            side,
            ("subscribers", "list"),
            ("subscribers", "list", "--status", "active", "--json"),
            ("subscribers", "show", first.email),
            ("subscribers", "remove", first.email.upper(), "--keep"),
            ("subscribers", "list", "--status", "unsubscribed"),
            ("subscribers", "remove", people[1].id),
            ("subscribers", "show", people[1].id),
            ("subscribers", "show", "nobody@contoh.id"),
        )
        for side in sides
    }
    assert runs["sqlite"] == runs["dynamodb"]

    listing, active, shown, kept, unsubscribed, removed, gone, nobody = runs["sqlite"]
    status, out, _ = listing
    rows = lines_of(out)[1:]
    assert status == 0 and len(rows) == SUBSCRIBERS
    # Status by status, each in id order, every address shown in full.
    order = [s.value for s in SubscriberStatus]
    expected = sorted(people, key=lambda s: (order.index(s.status.value), s.id))
    assert [row.split()[0] for row in rows] == [s.id for s in expected]
    assert [row.split()[-1] for row in rows] == [s.email for s in expected]

    records = [json.loads(line) for line in lines_of(active[1])]
    wanted = sorted((s for s in people if s.status is SubscriberStatus.ACTIVE), key=lambda s: s.id)
    assert [r["id"] for r in records] == [s.id for s in wanted]
    assert records[0]["created_at"] == wanted[0].created_at.isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]

    assert f"email:      {first.email}" in lines_of(shown[1])
    assert kept == (0, f"subscriber {first.id} unsubscribed\n", "")
    assert first.id in unsubscribed[1]
    assert removed == (0, f"subscriber {people[1].id} removed\n", "")
    assert gone == (1, "", f"warta: no subscriber {people[1].id}\n")
    # An address is not repeated back.
    assert nobody == (1, "", "warta: no subscriber with that address\n")
    assert sides[1].store.get_subscriber(first.id) == replace(
        first,
        status=SubscriberStatus.UNSUBSCRIBED,
        updated_at=sides[1].store.get_subscriber(first.id).updated_at,  # type: ignore[union-attr]
    )


def test_the_sent_ledger_and_source_state_answer_the_same_from_either_store(
    sides: list[Side],
) -> None:
    email = "warga@contoh.id"
    for side in sides:
        store = side.store
        store.claim_send("digest", "2026-11-28", subscriber_id(email), now=NOW)
        store.complete_send(
            "digest", "2026-11-28", subscriber_id(email), message_id="ses-1", now=NOW
        )
        store.claim_send("alert-sms", "st-1", "camat-mojoroto", now=NOW)
        store.put_source_state(SourceState("kpu-kota-kediri", disabled=True, last_status=410))
    runs = {
        side.name: transcript(
            side,
            ("sent", email, "--key", "2026-11-28"),
            ("sent", "camat-mojoroto", "--key", "st-1"),
            ("sent", "camat-mojoroto", "--key", "st-1", "--kind", "alert-email"),
            ("sources", "enable", "kpu-kota-kediri"),
            ("sources", "enable", "kpu-kota-kediri"),
            ("sources", "disable", "kpu-kota-kediri"),
            ("sources", "disable", "kpu-kota-kediri"),
        )
        for side in sides
    }
    assert runs["sqlite"] == runs["dynamodb"]
    digest, alert, none, enabled, again, disabled, disabled_again = runs["dynamodb"]
    assert digest == (
        0,
        f"digest 2026-11-28 to {subscriber_id(email)}: sent; claimed 2026-11-28T01:02:03Z, "
        "sent 2026-11-28T01:02:03Z, provider's message id ses-1\n",
        "",
    )
    assert alert == (
        0,
        "alert-sms st-1 to camat-mojoroto: pending; claimed 2026-11-28T01:02:03Z, sent -, "
        "provider's message id -\n",
        "",
    )
    assert none == (1, "no alert-email st-1 recorded for camat-mojoroto\n", "")
    assert enabled[1] == "source kpu-kota-kediri enabled: its next run is a first run\n"
    assert again[1] == "source kpu-kota-kediri was not disabled\n"
    assert disabled[1] == "source kpu-kota-kediri disabled\n"
    assert disabled_again[1] == "source kpu-kota-kediri was already disabled\n"
    for side in sides:
        state = side.store.get_source_state("kpu-kota-kediri")
        assert state is not None and state.disabled
        assert state.last_error == "disabled by an admin (warta sources disable)"


def test_a_table_that_is_not_there_is_one_line_naming_the_setting(sides: list[Side]) -> None:
    deployed = sides[1]
    deployed.env["WARTA_STORE"] = "dynamodb:no-such-table"
    done = deployed.warta("subscribers", "list")
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.fullmatch(
        r"warta: DynamoDB store: subscribers_page failed \(ResourceNotFoundException[^)]*\); "
        r"WARTA_STORE names the table no-such-table, reached with this shell's AWS credentials "
        r"and region\n",
        done.stderr,
    )
