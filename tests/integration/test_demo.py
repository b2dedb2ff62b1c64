"""`warta demo` end to end, run as a new user runs it: the real command in a subprocess.

Each test copies the bundled samples into its own folder, so it can add an
item to a feed without touching the repository, and keeps its own state and
outbox. The demo keeps its own home and outbox below those (demo/), apart from
what a real `warta run` uses.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest
from lxml import html as lxml_html

from warta.config.files import events_dir
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration

INDONESIAN_DATE = re.compile(
    r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} "
    r"(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}"
)

NEW_CLARIFICATION = """
    <item>
      <title>[HOAKS] Pesan Berantai KPU Soal Pencoblosan Diundur Sepekan</title>
      <link>https://cekfakta.example.id/2024/hoaks-pencoblosan-diundur-sepekan</link>
      <guid isPermaLink="false">cekfakta-tambahan-1</guid>
      <pubDate>{{date:rfc822:-10m}}</pubDate>
      <description><![CDATA[<p>Beredar pesan berantai yang menyebut KPU mengundur hari
      pemungutan suara selama satu pekan karena cuaca buruk. Faktanya, KPU tidak
      pernah mengeluarkan pengumuman tersebut dan jadwal pemungutan suara tetap sesuai
      keputusan KPU.</p><p>Masyarakat diimbau memeriksa informasi melalui kanal resmi
      KPU sebelum menyebarkannya.</p>]]></description>
    </item>
"""


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.samples = root / "samples"
        self.state = root / "state"
        self.real_outbox = root / "outbox"
        self.home = self.state / "demo"
        self.outbox = self.real_outbox / "demo"
        shutil.copytree(events_dir(), self.samples)

    def env(self, **extra_env: str) -> dict[str, str]:
        """The install's settings: the demo finds its own home and outbox below them."""
        env = {
            **os.environ,
            "WARTA_HOME": str(self.state),
            "WARTA_OUTBOX": str(self.real_outbox),
            **extra_env,
        }
        env.pop("WARTA_SECRET", None)
        return env

    def warta(self, *args: str, expect: int = 0, **extra_env: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "warta", *args],
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == expect, done.stderr + done.stdout
        return done.stdout

    def run(self, *, expect: int = 0, **extra_env: str) -> str:
        return self.warta("demo", "--samples", str(self.samples), expect=expect, **extra_env)

    def files(self) -> set[Path]:
        return {p for p in self.outbox.rglob("*") if p.is_file()}

    def messages(self, kind: str | None = None) -> list[EmailMessage]:
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if kind is None or message["X-Warta-Kind"] == kind:
                found.append(message)
        return found

    def add_item(self, feed: str, item: str) -> None:
        path = self.samples / "feeds" / feed
        text = path.read_text(encoding="utf-8")
        head, marker, tail = text.partition("<item>")
        assert marker, f"{feed} has no <item> to insert before"
        path.write_text(head + item.strip() + "\n    " + marker + tail, encoding="utf-8")


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    return Demo(tmp_path)


def _html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_first_run_writes_digests_and_alerts_that_parse_without_defects(demo: Demo) -> None:
    out = demo.run()

    digests, alerts = demo.messages("digest"), demo.messages("alert")
    assert digests, out
    assert alerts, out
    for message in demo.messages():
        assert message.defects == []
        assert all(part.defects == [] for part in message.walk())
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert message["List-Unsubscribe"].startswith("<http://127.0.0.1")
        assert "token=" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"] and message["Date"] and message["From"] and message["To"]
    for digest in digests:
        assert INDONESIAN_DATE.search(digest["Subject"]), digest["Subject"]
        assert INDONESIAN_DATE.search(_text_part(digest))
    assert len(list(demo.outbox.glob("*-digest-*.html"))) == len(digests)
    assert "open the digest:" in out


def test_the_demo_shows_one_update_and_the_archive(demo: Demo) -> None:
    out = demo.run()

    # The second round's source confirms a clarification: its officials get one update
    # each, naming the alert it follows, and the archive publishes the chain as CAP.
    update_path = Path(re.search(r"an alert update:\s+(\S+)", out)[1])  # type: ignore[index]
    update = email.message_from_bytes(update_path.read_bytes(), policy=email.policy.default)
    assert str(update["Subject"]).startswith("[PEMBARUAN]")
    alerts = {str(m["Message-ID"]): m for m in demo.messages("alert")}
    followed = alerts[str(update["In-Reply-To"])]
    assert str(followed["Subject"]).startswith("[PENTING]")
    assert str(followed["To"]) == str(update["To"])
    updates = [m for m in alerts.values() if str(m["Subject"]).startswith("[PEMBARUAN]")]
    assert len({str(m["To"]) for m in updates}) == len(updates) >= 1
    index = Path(re.search(r"public archive:\s+(\S+)", out)[1])  # type: ignore[index]
    feed = Path(re.search(r"CAP feed \(Test\):\s+(\S+)", out)[1])  # type: ignore[index]
    assert index.is_file() and feed.is_file()
    caps = sorted((feed.parent.parent / "cap").glob("*.xml"))
    assert caps and all(b"<status>Test</status>" in p.read_bytes() for p in caps)
    assert sum(b"<msgType>Update</msgType>" in p.read_bytes() for p in caps) == 1


def test_each_recipient_gets_a_link_signed_for_them_alone(demo: Demo) -> None:
    demo.run()
    links = {str(m["To"]): m["List-Unsubscribe"] for m in demo.messages("digest")}
    assert len(links) >= 2
    assert len(set(links.values())) == len(links)


def test_second_run_reports_no_new_items_and_writes_nothing(demo: Demo) -> None:
    demo.run()
    before = demo.files()

    out = demo.run()

    assert re.search(r"new items:\s+0\b", out), out
    assert "no message was written" in out
    assert demo.files() == before


def test_new_clarification_alerts_each_official_once_and_nothing_else(demo: Demo) -> None:
    demo.run()
    before = demo.files()
    officials_by_email = {str(m["To"]) for m in demo.messages("alert")}
    sms_before = {p for p in before if p.parent.name == "sms"}
    phones = {json.loads(p.read_text())["to"] for p in sms_before}
    assert officials_by_email and phones

    demo.add_item("cekfakta.xml", NEW_CLARIFICATION)
    out = demo.run()

    new = demo.files() - before
    new_eml = [p for p in new if p.suffix == ".eml"]
    new_sms = [p for p in new if p.parent.name == "sms"]
    assert {p.suffix for p in new} <= {".eml", ".json"}, new  # no digest preview
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in new_eml
    ]
    assert all(m["X-Warta-Kind"] == "alert" for m in messages)
    assert sorted(str(m["To"]) for m in messages) == sorted(officials_by_email)
    # The fact and its verdict lead; the circulating claim is only quoted, marked as such.
    for m in messages:
        assert str(m["Subject"]).startswith("[PENTING] HOAKS - "), m["Subject"]
        assert "Diundur" not in str(m["Subject"])
        plain = m.get_body(("plain",))
        assert plain is not None
        words = " ".join(plain.get_content().split())
        assert "Klaim yang beredar" in words and "Pencoblosan Diundur Sepekan" in words
        assert words.index("Fakta:") < words.index("Klaim yang beredar")
    assert sorted(json.loads(p.read_text())["to"] for p in new_sms) == sorted(phones)
    assert re.search(r"new items:\s+1\b", out), out


def test_no_script_from_a_feed_reaches_html_as_a_live_tag(demo: Demo) -> None:
    demo.run()
    pages = [_html_part(m) for m in demo.messages()]
    pages += [p.read_text(encoding="utf-8") for p in demo.outbox.glob("*.html")]
    assert pages
    for page in pages:
        tree = lxml_html.fromstring(page)
        assert tree.xpath("//script") == []
        assert tree.xpath("//iframe") == []
        assert "<script" not in page.lower()
        assert not any(
            value.strip().lower().startswith("javascript:") for value in tree.xpath("//@href")
        )


def test_republished_press_release_appears_once_naming_all_its_sources(demo: Demo) -> None:
    demo.run()
    national = [m for m in demo.messages("digest") if str(m["To"]).startswith("rina.wulandari@")]
    assert len(national) == 1
    tree = lxml_html.fromstring(_html_part(national[0]))

    headings = [h for h in tree.xpath("//h2") if "Jadwal Rekapitulasi" in h.text_content()]
    assert len(headings) == 1
    block = headings[0].getparent()
    links = block.xpath(".//li/a")
    assert sorted(a.text_content() for a in links) == [
        "Bawaslu RI (contoh)",
        "KPU RI (contoh)",
        "Puspen Kemendagri (contoh)",
    ]
    hosts = {a.get("href").split("/")[2] for a in links}
    assert hosts == {"www.kpu.go.id", "www.bawaslu.go.id", "www.kemendagri.go.id"}
    assert "Dikonfirmasi 3 sumber resmi" in block.text_content()
    assert _text_part(national[0]).count("Jadwal Rekapitulasi") == 1


def test_a_broken_source_is_recorded_and_the_others_still_deliver(demo: Demo) -> None:
    (demo.samples / "feeds" / "kpu.xml").write_text(
        "<html><body><h1>Situs sedang dalam pemeliharaan</h1></body></html>", encoding="utf-8"
    )

    out = demo.run(expect=1)  # a failed source fails the run, once the others delivered

    assert re.search(r"KPU RI \(contoh\): FAILED, not an RSS or Atom feed", out), out
    # Five of the six samples, and the source of the second round.
    assert re.search(r"sources fetched:\s+6 \(1 failed\)", out), out
    digests = demo.messages("digest")
    assert digests
    text = _text_part(digests[0])
    assert "Puspen Kemendagri (contoh)" in text and "KPU RI (contoh)" not in text
    # The demo's state is in its own home: listing it is listing that home, with
    # the demo's sources file as the demo read it (its address filled in).
    listed = demo.root / "demo-sources.toml"
    text = (demo.samples / "demo" / "sources.toml").read_text(encoding="utf-8")
    listed.write_text(text.replace("{demo}", "http://127.0.0.1:9"), encoding="utf-8")
    listing = demo.warta("sources", "--sources", str(listed), WARTA_HOME=str(demo.home))
    kpu_line = next(line for line in listing.splitlines() if line.startswith("kpu-ri"))
    assert "1 error(s): not an RSS or Atom feed" in kpu_line


def test_demo_people_are_never_mailed_through_a_configured_mail_server(demo: Demo) -> None:
    # Port 9 (discard) on loopback: a mailer that tried it would fail the demo.
    out = demo.run(
        WARTA_MAIL="smtp",
        WARTA_SMTP_HOST="127.0.0.1",
        WARTA_SMTP_PORT="9",
        WARTA_SMTP_SECURITY="none",
    )

    assert demo.messages("digest"), out
    assert "FAILED" not in out


# -- the demo keeps apart from real runs ------------------------------------------------


def test_the_demo_keeps_its_own_home_outbox_and_secret_and_says_where(demo: Demo) -> None:
    out = demo.run()

    assert f"The demo keeps its state in {demo.home} and writes to {demo.outbox}" in out
    assert f"outbox:            {demo.outbox}" in out
    assert (demo.home / "warta.db").is_file()
    assert not (demo.state / "warta.db").exists()
    assert (demo.home / "secret").read_text() != (demo.state / "secret").read_text()
    assert demo.messages("digest")
    assert not [p for p in demo.real_outbox.iterdir() if p != demo.outbox]


def test_a_real_run_after_the_demo_starts_from_scratch(demo: Demo) -> None:
    # The demo fetched kpu-ri and seeded its people; a real sources file with a
    # source of the same id must still get that source's first run, and only
    # the install's own people may hear from the real run.
    demo.run()
    demo_people = {str(m["To"]) for m in demo.messages()}
    demo.warta("subscribers", "add", "warga@warga.example")

    with SampleServer(demo.samples) as server:
        text = (demo.samples / "demo" / "sources.toml").read_text(encoding="utf-8")
        real_sources = demo.root / "sources.toml"
        real_sources.write_text(text.replace("{demo}", server.base_url), encoding="utf-8")
        out = demo.warta("run", "--sources", str(real_sources), "--digest", "today")

    assert "Fetching 6 of 6 sources" in out  # the demo's poll times are not the real ones
    kpu = next(line for line in out.splitlines() if line.startswith("  KPU RI (contoh):"))
    assert "recorded without sending (first run)" in kpu, out
    assert re.search(r"\b1 digests sent\b", out), out
    sent = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in demo.real_outbox.glob("*.eml")
    ]
    assert [str(m["To"]) for m in sent] == ["warga@warga.example"]
    assert not (demo.real_outbox / "sms").exists()  # the demo's officials are not the install's
    assert demo_people.isdisjoint(str(m["To"]) for m in sent)


def _serve(demo: Demo, *args: str) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "warta", "serve", "--port", "0", *args],
        env=demo.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    ready, _, _ = select.select([server.stdout], [], [], 60)
    assert ready, "serve printed nothing"
    address = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline())
    assert address, "serve printed no address"
    return server, address.group(0)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_warta_serve_demo_answers_the_demo_links_as_the_demo_says(demo: Demo) -> None:
    out = demo.run()
    assert "warta serve --demo" in out
    link = demo.messages("digest")[0]["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://127.0.0.1:8025")
    assert path.startswith("/unsubscribe?"), link

    statuses = {}
    for args in (("--demo",), ()):
        server, base = _serve(demo, *args)
        try:
            statuses[args] = _status(base + path)
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)

    assert statuses[("--demo",)] == 200  # the confirmation page
    assert statuses[()] == 403  # the install's own secret did not sign it
