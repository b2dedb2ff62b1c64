"""A national fact-checker's clarification about one kabupaten alerts that kabupaten's
officials, its province's and national ones, and nobody else: one `warta run` over a
fact-checker feed served on 127.0.0.1, the alerts read from the outbox."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from tests.builders import official

from warta.adapters.sqlite_store import SqliteStore
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Cek Fakta (contoh)</title><link>https://cekfakta.example.id</link>
<description>Pemeriksa fakta nasional</description>
<item>
  <title>[SALAH] Video Surat Suara Tercoblos di Kabupaten Kediri</title>
  <link>https://cekfakta.example.id/2024/salah-video-surat-suara-kabupaten-kediri</link>
  <guid isPermaLink="false">cekfakta-5001</guid>
  <pubDate>{recent}</pubDate>
  <description>Beredar video yang diklaim memperlihatkan surat suara sudah tercoblos di
  sebuah TPS. KPU Kabupaten Kediri memastikan video tersebut tidak benar: surat suara
  dalam video adalah surat suara rusak yang disortir.</description>
</item>
</channel></rss>
"""

SOURCES = """
[[source]]
id = "cekfakta-contoh"
name = "Cek Fakta (contoh)"
url = "{base}/feeds/cekfakta-nasional.xml"
kind = "rss"
authority = "factcheck"
region = "national"
allow_addresses = ["127.0.0.1"]
"""

OFFICIALS = {
    "kpu-kab-kediri": ("35.06", "kab@kpu-kediri.example.id", True),
    "bawaslu-jatim": ("35", "jatim@bawaslu.example.id", True),
    "kpu-ri": ("national", "ri@kpu.example.id", True),
    "kpu-kota-kediri": ("35.71", "kota@kpu-kediri.example.id", False),  # the kota of the same name
    "kpu-jabar": ("32", "jabar@kpu.example.id", False),
}


def test_a_national_clarification_about_one_kabupaten_alerts_only_its_officials(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    (site / "feeds").mkdir(parents=True)
    recent = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    (site / "feeds" / "cekfakta-nasional.xml").write_text(
        FEED.replace("{recent}", recent), encoding="utf-8"
    )
    (tmp_path / "state").mkdir()
    with SqliteStore(tmp_path / "state" / "warta.db") as store:
        for n, (official_id, (region, address, _)) in enumerate(OFFICIALS.items()):
            store.put_official(official(official_id, region, address, f"+62812345678{n:02d}"))

    with SampleServer(site) as server:
        (tmp_path / "sources.toml").write_text(
            SOURCES.replace("{base}", server.base_url), encoding="utf-8"
        )
        done = subprocess.run(
            [sys.executable, "-m", "warta", "run", "--sources", str(tmp_path / "sources.toml")],
            env={
                **os.environ,
                "WARTA_HOME": str(tmp_path / "state"),
                "WARTA_OUTBOX": str(tmp_path / "outbox"),
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, done.stderr + done.stdout

    alerts = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((tmp_path / "outbox").glob("*-alert-*.eml"))
    ]
    alerted = {str(message["To"]) for message in alerts}
    assert alerted == {address for _, address, wanted in OFFICIALS.values() if wanted}
    assert all(
        "Kabupaten Kediri" in message.get_body(("plain",)).get_content() for message in alerts
    )  # type: ignore[union-attr]
    # One SMS each, to the same three.
    assert len(list((tmp_path / "outbox" / "sms").iterdir())) == 3
