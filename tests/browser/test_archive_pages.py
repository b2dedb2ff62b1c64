"""The public archive in headless Chromium: served by `warta serve`'s server, and built as
static files by `warta archive build` and served by a plain file server.

Each page is checked as a reader sees it (the fact heads a clarification, the claim is
marked, contrast meets WCAG AA, nothing in a feed's text runs as script) and as a machine
reads it (ClaimReview JSON-LD, Atom). Screenshots go to tests/output/archive/ (printed).
Chromium is launched as tests/browser/test_journey.py launches it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import HTTPRedirectHandler, Request, build_opener, urlopen

import pytest
from lxml import etree
from tests.browser.test_journey import CONTRAST, FLAGS, chromium_path
from tests.builders import DAY, story, story_source
from tests.doubles import NOW, FixedClock

from warta.config.settings import load_settings
from warta.core.model import Authority
from warta.web.app import WebApp
from warta.web.serve import make_server
from warta.wiring import build_local

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output" / "archive"
HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
FACT = "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
STORIES = (
    story(
        "st-hoaks",
        region="35.71",
        urgent=True,
        title=f"[HOAKS] Video Kotak Suara Dibakar {HOSTILE}",
        summary=(
            "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. " + FACT
        ),
        published_at=NOW - timedelta(hours=2),
        sources=(
            story_source("kpu-kediri", "KPU Kota Kediri", "https://kpu.example/h1", item_id="k1"),
            story_source(
                "cekfakta",
                "Cek Fakta",
                "https://cekfakta.example/h1",
                authority=Authority.FACTCHECK,
                item_id="c1",
            ),
        ),
    ),
    story(
        "st-dpt",
        region="35.71",
        title="KPU Kota Kediri Tetapkan DPT 214.236 Pemilih",
        summary="KPU Kota Kediri menetapkan daftar pemilih tetap dalam rapat pleno terbuka.",
        published_at=NOW - timedelta(hours=1),
        sources=(story_source("kpu-kediri", "KPU Kota Kediri", "https://kpu.example/dpt"),),
    ),
)


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    print(f"\nscreenshots: {OUTPUT}")
    return OUTPUT


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "WARTA_HOME": str(tmp_path / "home"),
        "WARTA_OUTBOX": str(tmp_path / "outbox"),
        "WARTA_PUBLIC_URL": "https://warta.example",
        "WARTA_SENDER": "Warta Pemilu <warta@warta.example>",
    }


@pytest.fixture
def site(tmp_path: Path, env: dict[str, str]) -> Iterator[str]:
    """The archive over `warta serve`'s server, on the local wiring with the stories stored."""
    app = build_local(load_settings(env, cwd=tmp_path), clock=FixedClock(NOW))
    for item in STORIES:
        app.store.put_story(item)
    server = make_server(WebApp(app.subscriptions), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.close()


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with build_opener(_NoRedirect).open(Request(url), timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


def read_page(page: Any, shots: Path, name: str) -> None:
    """The page as a reader gets it: Indonesian, readable contrast, saved as a picture."""
    assert page.locator("html").get_attribute("lang") == "id"
    low = [t for t in page.evaluate(CONTRAST) if t["ratio"] < t["needed"]]
    assert low == [], f"{name}: text below WCAG AA contrast: {low}"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def walk(browser: Any, start: str, shots: Path, prefix: str) -> None:
    """From the archive's index to the day, to the clarification: by clicking, as a reader."""
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(start)
    assert page.locator("h1").inner_text() == "Arsip harian berita dan klarifikasi pemilu"
    read_page(page, shots, f"{prefix}-1-arsip")

    # Each step waits for the load its action starts (expect_navigation), not for the
    # page already loaded, which would let an assertion read the page before.
    with page.expect_navigation():
        page.get_by_role("link", name="Sabtu, 28 November 2026").click()
    assert page.locator("h2").first.inner_text() == f"Fakta: {FACT}"
    text = page.locator("main").inner_text()
    assert text.index(FACT) < text.index("Klaim yang beredar (HOAKS):") < text.index(HOSTILE)
    read_page(page, shots, f"{prefix}-2-hari")

    with page.expect_navigation():
        page.get_by_role("link", name=f"Fakta: {FACT}").click()
    assert page.locator("h1").inner_text() == f"Fakta: {FACT}"
    review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == f"Video Kotak Suara Dibakar {HOSTILE}"
    assert review["reviewRating"]["alternateName"] == "Hoaks"
    assert review["author"]["name"] == "KPU Kota Kediri"
    assert review["url"] == "https://warta.example/cerita/st-hoaks/"
    read_page(page, shots, f"{prefix}-3-cerita")
    # Keyboard: the first Tab reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Langsung ke isi"
    assert dialogs == [], "text from a feed ran as script"

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(page.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    read_page(phone, shots, f"{prefix}-4-cerita-ponsel")


def atom_entries(body: bytes) -> list[etree._Element]:
    feed = etree.fromstring(body)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    return feed.findall("{http://www.w3.org/2005/Atom}entry")


def test_the_served_archive_reads_well_in_a_browser(site: str, browser: Any, shots: Path) -> None:
    walk(browser, site + "/arsip/", shots, "served")

    status, headers, _ = fetch(site + f"/arsip/{DAY.isoformat()}")
    assert (status, headers["Location"]) == (301, f"/arsip/{DAY.isoformat()}/")
    for missing in ("/cerita/st-nope/", "/arsip/2026-13-40/", "/feed/semua.atom", "/arsip/x/"):
        assert fetch(site + missing)[0] == 404, missing
    status, headers, body = fetch(site + "/feed/klarifikasi.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    [entry] = atom_entries(body)
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == f"HOAKS: {FACT}"
    _, _, verified = fetch(site + "/feed/terverifikasi.atom")
    assert len(atom_entries(verified)) == 2


def test_the_built_archive_reads_the_same_from_a_plain_file_server(
    tmp_path: Path, env: dict[str, str], site: str, browser: Any, shots: Path
) -> None:
    # `site` stored the stories in this home; the command reads them from there.
    out = tmp_path / "situs"
    built = subprocess.run(
        [sys.executable, "-m", "warta", "archive", "build", str(out), "--until", DAY.isoformat()],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert "wrote 4 pages, 3 feeds and 1 CAP message(s)" in built.stdout
    assert (out / "cerita" / "st-hoaks" / "index.html").is_file()

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        # Served below a path of its own: the pages link relatively.
        base = f"http://127.0.0.1:{server.server_address[1]}"
        walk(browser, base + "/situs/arsip/", shots, "static")
        with urlopen(base + "/situs/feed/klarifikasi.atom", timeout=10) as answer:
            [entry] = atom_entries(answer.read())
        link = entry.find("{http://www.w3.org/2005/Atom}link[@rel='alternate']")
        assert link is not None and link.get("href") == "https://warta.example/cerita/st-hoaks/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
