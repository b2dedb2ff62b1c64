"""`warta run` against feeds written by a hostile publisher: no feed writes to a recipient,
stops a run or unsubscribes anyone.

One run of the one-machine cycle, as an admin runs it (`warta run --digest
today` in a subprocess, with its own home and outbox), fetches over HTTP on
127.0.0.1 a clean official source with a clarification of a hoax, and next
to it sources that try everything a feed can: references to no character
(&#xD800;) in RSS and lone surrogate escapes ("\\ud800") in JSON, encoded
words whose decoding would add Bcc:/Reply-To: headers, raw CR/LF, NUL, ESC,
bidi overrides and zero-width characters, a 10,000-character title, emoji,
unsubscribe-shaped links and text; a JSON source whose items path hits a
string; and, for faults of Warta's own that no document can cause any more, a
launcher that makes one source's parser and one item's classification raise.

The produced messages are read back as bytes from the outbox: headers exactly
the expected ones, subjects within 200 characters, bodies clean and whole,
every SMS within two GSM-7 segments. The clean clarification still reaches
its official by email and SMS, the run exits 1 naming what failed, and a
second run neither crashes nor sends anything twice.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import pytest

from warta.demo.server import SampleServer
from warta.services.compose import SUBJECT_LIMIT

pytestmark = pytest.mark.integration

OFFICIAL_EMAIL = "humas@kpu-pusat.example"
OFFICIAL_PHONE = "+6281100000009"
SUBSCRIBER = "warga@warga.example"

CLEAN_TITLE = "KPU Bantah Isu Surat Suara Sudah Dicoblos"
CLEAN_LINK = "https://www.kpu.go.id/berita/kpu-bantah-isu-surat-suara-sudah-dicoblos"
CLEAN_FACT = "KPU menegaskan video surat suara yang sudah tercoblos"
CLEAN_TEXT = (
    "KPU menegaskan video surat suara yang sudah tercoblos sebelum hari pemungutan suara "
    "tidak benar. Surat suara dalam video adalah surat suara rusak yang telah disortir petugas."
)
UNSUBSCRIBE = "https://warta.invalid/__unsubscribe__"
ENCODED_HEADERS = (
    "=?utf-8?q?KPU_Bantah_Isu_Kotak_Suara?=\r\n"
    "=?utf-8?q?=0D=0ABcc:_korban@warga.example=0D=0AReply-To:_penipu@contoh.example?="
)
LONG_TITLE = ("KPU Bantah Isu Logistik " + "Surat Suara Palsu Beredar " * 400)[:10_000]
EMOJI_TITLE = "KPU Bantah Isu 🗳️ Pemilu Ditunda 🚫🤥"

EXPECTED_HEADERS = {
    "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
    "List-Unsubscribe-Post", "X-Warta-Kind", "MIME-Version", "Content-Type",
}  # fmt: skip
PART_HEADERS = {"Content-Type", "Content-Transfer-Encoding", "MIME-Version"}
# No message text may hold these: controls (but the line feed), bidi, zero-width.
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\ud800-\udfff]"
)


# -- the hostile publisher's site ------------------------------------------------------------


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Situs</title><link>https://www.kpu.go.id/</link>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def rss_item(title: str, link: str, description: str, minutes_ago: int) -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>{description}</description>"
        f"<pubDate>{{{{date:rfc822:-{minutes_ago}m}}}}</pubDate></item>"
    )


CLEAN_FEED = rss(rss_item(CLEAN_TITLE, CLEAN_LINK, CLEAN_TEXT, 30))

HOSTILE_RSS = rss(
    rss_item(
        "KPU &#xD800; Bantah Isu Gudang Logistik Terbakar",
        "https://www.kpu.go.id/berita/gudang&#xD800;",
        "Gudang logistik di Cikarang tetap utuh &#xD800; menurut petugas pemadam kebakaran setempat.",
        40,
    ),
    rss_item(
        ENCODED_HEADERS,
        "https://www.kpu.go.id/berita/kotak-suara",
        "Segel kotak suara di Makassar diperiksa Bawaslu =?utf-8?b?QmNjOiBrb3JiYW5Ad2FyZ2EuZXhhbXBsZQ==?= bersama saksi partai.",
        41,
    ),
    rss_item(
        "KPU Bantah Isu Hoaks Rekapitulasi\r\nBcc: korban@warga.example\r\nReply-To: x@y.example",
        "https://www.kpu.go.id/berita/rekap\r\nBcc: korban@warga.example",
        "Rapat pleno rekapitulasi berjenjang di Medan berlangsung terbuka\r\nBcc: korban@warga.example dan disiarkan langsung.",
        42,
    ),
    rss_item(
        "&#x0;&#x1B;[2J&#x1B;]0;pwned&#x7; KPU \u202eBantah\u202c Isu \u200bDPT\u2066 Ganda\u2069",
        "https://www.kpu.go.id/berita/\u200bdpt",
        "Nama ganda dalam daftar pemilih Surabaya \u202edicocokkan \x1b[31multang oleh petugas pantarlih.",
        43,
    ),
    rss_item(
        LONG_TITLE,
        "https://www.kpu.go.id/berita/panjang",
        "Beredar ratusan lembar surat suara tiruan di Palembang; semuanya dipastikan palsu.",
        44,
    ),
    rss_item(
        EMOJI_TITLE,
        UNSUBSCRIBE,
        f'Jadwal pencoblosan di Denpasar tidak berubah. &lt;a href="{UNSUBSCRIBE}"&gt;Berhenti&lt;/a&gt; '
        f"{UNSUBSCRIBE}?official=kpu-pusat&amp;token=palsu",
        45,
    ),
    rss_item(
        "KPU Bantah Isu MELEDAK Penghitungan Ulang",
        "https://www.kpu.go.id/berita/meledak",
        "Tidak ada penghitungan ulang di Pontianak, kata komisioner.",
        46,
    ),
)

HOSTILE_JSON = (
    '{"data": ['
    '{"id": "j1\\ud800", "title": "KPU \\ud800 Bantah Isu Pemungutan Suara Ulang",'
    ' "slug": "psu-\\ud800\\r\\nBcc: x@y.example",'
    ' "content": "<p>PSU\\u0000 hanya\\u001b[2J di TPS\\u202e tertentu.</p>",'
    ' "published_at": "{{date:rfc3339:-50m}}"},'
    '{"id": "j2", "title": "KPU Bantah Isu Saksi Dilarang \\u200bMasuk",'
    ' "slug": "saksi", "content": "Saksi boleh masuk. ' + UNSUBSCRIBE + '",'
    ' "published_at": 1' + "0" * 400 + "}"
    "]}"
)
BROKEN_JSON = '{"data": "pemeliharaan"}'

HOSTILE_HTML = (
    "<html><body>"
    '<div class="card"><h5><a href="/berita/1">KPU &#xD800; Bantah Isu Honor\x00 KPPS\x1b</a></h5>'
    '<span class="date">{{date:id:-20m}}</span>'
    "<p>Honor KPPS dibayar penuh\u202e sesuai aturan di Kupang.</p></div>"
    '<div class="card"><h5><a href="javascript:alert(1)">KPU Bantah Isu TPS Dipindah</a></h5>'
    '<span class="date">{{date:id:-25m}}</span>'
    f"<p>TPS di Ambon tidak dipindah. {UNSUBSCRIBE}</p></div>"
    "</body></html>"
)

SOURCES = """
[[source]]
id = "kpu-resmi"
name = "KPU RI"
url = "{base}/feeds/kpu.xml"
kind = "rss"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]

[[source]]
id = "rss-jahat"
name = "Situs RSS Jahat"
url = "{base}/feeds/jahat.xml"
kind = "rss"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]

[[source]]
id = "json-jahat"
name = "API JSON Jahat"
url = "{base}/feeds/jahat.json"
kind = "json"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]
[source.extract]
items = "data"
title = "title"
url = "https://www.kpu.go.id/berita/{{slug}}"
date = "published_at"
text = "content"
guid = "id"

[[source]]
id = "html-jahat"
name = "Halaman HTML Jahat"
url = "{base}/feeds/jahat.html"
kind = "html"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]
extract = {{ item = "div.card", title = "h5 a", link = "h5 a", date = "span.date", summary = "p" }}

[[source]]
id = "json-rusak"
name = "API JSON Rusak"
url = "{base}/feeds/rusak.json"
kind = "json"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]
extract = {{ items = "data", title = "title", url = "link" }}

[[source]]
id = "json-meledak"
name = "API JSON Meledak"
url = "{base}/feeds/rusak.json"
kind = "json"
authority = "kpu"
region = "national"
allow_addresses = ["127.0.0.1"]
extract = {{ items = "data", title = "title", url = "link" }}
"""

# Faults of Warta's own, which no document can cause: one source's parser and the
# classification of one item raise what nothing promises. The rest is `warta`.
LAUNCHER = """
import sys

import warta.ingest.json_source as json_source
import warta.services.ingest as ingest
from warta.cli.main import main

real_parse_json = json_source.parse_json
real_classify = ingest.classify


def parse_json(source, result, *, seen_at):
    if source.id == "json-meledak":
        raise TypeError("'str' object cannot be interpreted as an integer")
    return real_parse_json(source, result, seen_at=seen_at)


def classify(title, text, authority):
    if "MELEDAK" in title:
        raise IndexError("list index out of range")
    return real_classify(title, text, authority)


json_source.parse_json = parse_json
ingest.classify = classify
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Install:
    root: Path

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "WARTA_HOME": str(self.root / "state"),
            "WARTA_OUTBOX": str(self.outbox),
            "WARTA_SOURCES": str(self.root / "sources.toml"),
        }
        env.pop("WARTA_SECRET", None)
        return env

    def warta(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(self.root / "launcher.py"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def messages(self) -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in sorted(self.outbox.glob("*.eml"))}

    def sms(self) -> list[dict[str, str]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted((self.outbox / "sms").glob("*"))]


@pytest.fixture
def install(tmp_path: Path) -> Install:
    feeds = tmp_path / "site" / "feeds"
    feeds.mkdir(parents=True)
    for name, text in {
        "kpu.xml": CLEAN_FEED,
        "jahat.xml": HOSTILE_RSS,
        "jahat.json": HOSTILE_JSON,
        "jahat.html": HOSTILE_HTML,
        "rusak.json": BROKEN_JSON,
    }.items():
        # Bytes as written: the CR/LF and control characters stay in the documents.
        (feeds / name).write_bytes(text.encode("utf-8"))
    (tmp_path / "launcher.py").write_text(textwrap.dedent(LAUNCHER), encoding="utf-8")
    return Install(tmp_path)


# -- reading the outbox ------------------------------------------------------------------------


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header_block(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    assert end > 0
    return raw[:end]


def assert_message_is_safe(raw: bytes) -> str:
    """The checks every message must pass; returns its plain text."""
    message = parsed(raw)
    assert set(message.keys()) == EXPECTED_HEADERS, message.keys()
    assert len(message.keys()) == len(EXPECTED_HEADERS)  # none of them twice
    assert not message.defects, message.defects
    for line in header_block(raw).splitlines():
        name = line.split(b":", 1)[0].strip().lower()
        assert name not in (b"bcc", b"cc", b"reply-to", b"sender"), line
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
        assert not FORBIDDEN.search(str(value)), (name, value)
    subject = str(message["Subject"])
    assert len(subject) <= 200, len(subject)
    assert "=?" not in str(message["Subject"]).replace("= ?", "")  # never read as encoded words
    for part in message.walk():
        if part.is_multipart():
            continue
        assert set(part.keys()) <= PART_HEADERS, part.keys()
    plain = message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content().replace("\r\n", "\n")  # the file's line ends, not the text's
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
    assert unicodedata.is_normalized("NFC", text)
    html = message.get_body(("html",))
    assert html is not None
    assert not FORBIDDEN.search(html.get_content().replace("\r\n", "\n"))
    # The recipient's own unsubscribe link is joined in where Warta writes it, never
    # where a feed wrote an unsubscribe-shaped link.
    unsubscribe = str(message["List-Unsubscribe"]).strip("<>")
    assert not unsubscribe.startswith(UNSUBSCRIBE)
    token = unsubscribe.rsplit("token=", 1)[1]
    assert text.count(token) == text.count(unsubscribe) >= 1
    assert f"{UNSUBSCRIBE}?" not in text.replace(
        f"{UNSUBSCRIBE}?official=kpu-pusat&token=palsu", ""
    )
    return text


def assert_sms_is_safe(sms: dict[str, str]) -> None:
    text = sms["text"]
    assert len(text.encode("gsm03.38")) <= 306, len(text.encode("gsm03.38"))
    assert not FORBIDDEN.search(text)
    assert "\n" not in text


# -- the run ----------------------------------------------------------------------------------


def test_hostile_feeds_neither_reach_a_header_nor_stop_the_run_and_the_clarification_goes_out(
    install: Install,
) -> None:
    with SampleServer(install.root / "site") as server:
        (install.root / "sources.toml").write_text(
            SOURCES.format(base=server.base_url), encoding="utf-8"
        )
        for args in (
            ("subscribers", "add", SUBSCRIBER),
            (
                "officials", "add", "--id", "kpu-pusat", "--name", "Dewi Lestari",
                "--role", "Staf Humas KPU RI", "--region", "national",
                "--email", OFFICIAL_EMAIL, "--phone", OFFICIAL_PHONE,
            ),
        ):  # fmt: skip
            done = install.warta(*args)
            assert done.returncode == 0, done.stderr + done.stdout

        first = install.warta("run", "--digest", "today")
        after_first = install.messages()
        sms_after_first = install.sms()
        second = install.warta("run", "--digest", "today", "--all")

    out = first.stdout
    # Failed sources and skipped items fail the run, after everything else went out.
    assert first.returncode == 1, first.stderr + out
    assert "Traceback" not in first.stderr, first.stderr
    assert "  API JSON Rusak: FAILED, json: items path 'data' is not a list" in out, out
    assert (
        "  API JSON Meledak: FAILED, TypeError: 'str' object cannot be interpreted as an integer"
        in out
    ), out
    rss_line = next(line for line in out.splitlines() if line.startswith("  Situs RSS Jahat:"))
    assert ", 1 SKIPPED (last: item " in rss_line, rss_line
    assert rss_line.endswith(": IndexError: list index out of range)"), rss_line
    for line in out.splitlines():
        assert "127.0.0.1" not in line and "/feeds/" not in line, line  # sources by name only
    assert re.search(r"\b2 failed\b", out), out

    # Every message and every SMS is safe, whatever text it carries.
    assert after_first
    texts = {path: assert_message_is_safe(raw) for path, raw in after_first.items()}
    for sms in sms_after_first:
        assert_sms_is_safe(sms)

    # The clean source's clarification reached its official by email and by SMS.
    alerts = [
        (parsed(raw), texts[path])
        for path, raw in after_first.items()
        # An alert's subject leads with the verdict and the fact, which the text states.
        if parsed(raw)["X-Warta-Kind"] == "alert" and CLEAN_FACT in str(parsed(raw)["Subject"])
    ]
    assert len(alerts) == 1, [str(parsed(r)["Subject"]) for r in after_first.values()]
    alert, alert_text = alerts[0]
    assert str(alert["To"]) == OFFICIAL_EMAIL
    assert CLEAN_TEXT in " ".join(alert_text.split())
    assert CLEAN_LINK in alert_text
    clean_sms = [s for s in sms_after_first if CLEAN_LINK in s["text"]]
    assert [s["to"] for s in clean_sms] == [OFFICIAL_PHONE]

    # The hostile sources' own clarifications went out too, made safe.
    subjects = [str(parsed(raw)["Subject"]) for raw in after_first.values()]
    assert any("Gudang logistik di Cikarang tetap utuh \ufffd" in s for s in subjects), subjects
    assert any("🗳" in text for text in texts.values())
    assert all(len(s) <= SUBJECT_LIMIT for s in subjects), subjects  # the long title too
    assert not any("MELEDAK" in s for s in subjects)  # its item was skipped
    assert len(sms_after_first) >= 5

    # The subscriber's digest carries the stories whole, as text.
    digests = [
        texts[path] for path, raw in after_first.items() if parsed(raw)["X-Warta-Kind"] == "digest"
    ]
    assert len(digests) == 1
    digest = digests[0]
    # A clarification leads with its fact; the claim it rebuts is quoted from the title.
    assert "Klaim yang beredar (SALAH): Surat Suara Sudah Dicoblos" in digest
    assert "Bcc: korban@warga.example" in digest  # text, never a header
    assert "=?utf-8?q?KPU_Bantah_Isu_Kotak_Suara?=" in digest  # shown as written, not decoded
    assert "🗳" in digest
    assert "Honor KPPS" in digest
    assert not any("javascript:" in text for text in texts.values())

    # A second run takes everything in again without a crash and sends nothing twice.
    assert second.returncode == 1, second.stderr + second.stdout
    assert "Traceback" not in second.stderr, second.stderr
    assert "API JSON Meledak: FAILED" in second.stdout
    assert install.messages() == after_first
    assert install.sms() == sms_after_first

    # The admin sees the skipped item on its source, with its reason.
    listing = install.warta("sources", "--sources", str(install.root / "sources.toml"))
    assert listing.returncode == 0, listing.stderr
    rss_row = next(line for line in listing.stdout.splitlines() if "1 item(s) skipped" in line)
    assert "IndexError: list index out of range" in rss_row, listing.stdout
