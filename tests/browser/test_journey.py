"""A person's journey through the web pages, in headless Chromium.

Debian's `chromium` (installed by `make test`), driven by Playwright, which is
told where it is and never downloads a browser of its own. The pages are
served by `warta serve`'s server on loopback in front of the local wiring
(SQLite, the outbox folder); mail is read from the .eml files in the outbox,
as a person reads a mailbox.

The journey: sign up with the keyboard alone, open the confirmation link from
the .eml, confirm, change regions and hour, receive a digest, and unsubscribe
through its one-click link. Each page is checked for text contrast (WCAG AA)
and saved as a screenshot under tests/output/browser/ (the path is printed);
`WARTA_SCREENSHOTS=docs` also refreshes the two the README shows.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.builders import DAY, story, story_source
from tests.doubles import NOW, LocalSite, local_site

from warta.core.model import Subscriber, SubscriberStatus

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output" / "browser"
DOCS = ROOT / "docs"
ADDRESS = "ani.rahma@contoh.id"
DAY_NOON = NOW

# For every element with text of its own: its colour, the first opaque background behind it,
# and its size, as the browser computed them. WCAG 2.1 AA: 4.5:1, or 3:1 for large text.
CONTRAST = """() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0 || el.closest('[aria-hidden=true]')) continue;
    const style = getComputedStyle(el);
    const fg = luminance(rgb(style.color).slice(0, 3));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    found.push({text: el.textContent.trim().slice(0, 40), ratio, needed: large ? 3 : 4.5});
  }
  return found;
}"""


DIGEST_STORIES = (
    story(
        "s-hoaks",
        region="35",
        title="KPU Jawa Timur Bantah Kabar Surat Suara Sudah Dicoblos",
        summary=(
            "KPU Provinsi Jawa Timur menegaskan kabar surat suara yang sudah dicoblos di "
            "gudang logistik tidak benar. Surat suara masih tersegel dan dijaga aparat."
        ),
        urgent=True,
        published_at=DAY_NOON - timedelta(hours=3),
        sources=(
            story_source(
                "kpu-jatim", "KPU Jawa Timur", "https://jatim.kpu.example.id/hoaks", item_id="h1"
            ),
            story_source(
                "bawaslu-jatim",
                "Bawaslu Jawa Timur",
                "https://jatim.bawaslu.example.id/h",
                item_id="h2",
            ),
        ),
    ),
    story(
        "s-rekap",
        region="35",
        title="KPU Jawa Timur Tetapkan Jadwal Rekapitulasi Suara Tingkat Provinsi",
        summary=(
            "Rekapitulasi hasil penghitungan suara tingkat provinsi digelar di Surabaya. "
            "Saksi peserta pemilu diminta hadir membawa surat mandat."
        ),
        published_at=DAY_NOON - timedelta(hours=2),
        sources=(
            story_source(
                "kpu-jatim", "KPU Jawa Timur", "https://jatim.kpu.example.id/rekap", item_id="r1"
            ),
        ),
    ),
    story(
        "s-dpt",
        region="national",
        title="KPU Umumkan Daftar Pemilih Tetap Nasional",
        summary="KPU RI menetapkan daftar pemilih tetap nasional dalam rapat pleno terbuka di Jakarta.",
        published_at=DAY_NOON - timedelta(hours=1),
        sources=(story_source(url="https://www.kpu.example.id/dpt", item_id="d1"),),
    ),
)


def chromium_path() -> str:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser journey needs Debian's chromium. "
            "`make test` installs it (apt-get install -y chromium chromium-driver, as root)."
        )
    return str(CHROMIUM)


class Site(LocalSite):
    def me(self) -> Subscriber:
        """The journey's subscriber, as the store holds them now."""
        found: Subscriber | None = self.subscriber(ADDRESS)
        assert found is not None
        return found


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with local_site(tmp_path) as served:
        yield Site(served.base, served.app, served.web, served.outbox, served.clock)


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


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    print(f"\nscreenshots: {OUTPUT}")
    return OUTPUT


def link_in(message: EmailMessage, path: str) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"(http://\S+" + re.escape(path) + r"\?\S+)", part.get_content())
    assert found, part.get_content()
    return found.group(1)


def check_and_shoot(page: Any, shots: Path, name: str) -> None:
    low = [t for t in page.evaluate(CONTRAST) if t["ratio"] < t["needed"]]
    assert low == [], f"{name}: text below WCAG AA contrast: {low}"
    assert page.locator("html").get_attribute("lang") == "id"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_sign_up_confirm_choose_and_unsubscribe_in_a_browser(
    site: Site, browser: Any, shots: Path
) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1000})

    # Sign up with the keyboard alone: Tab to each field, Space to tick, Enter to send.
    page.goto(site.base + "/")
    assert page.title() == "Daftar ringkasan harian · Warta Pemilu"
    check_and_shoot(page, shots, "01-daftar")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(ADDRESS)
    page.keyboard.press("Tab")  # the scope: "Semua wilayah" is chosen; arrows move the choice
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=cakupan][value=pilih]").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "kota"
    page.keyboard.type("Kota Kediri")
    # Each step waits for the load its action starts (expect_navigation), not for the
    # page already loaded, which would let an assertion read the page before.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Periksa kotak masuk Anda"
    check_and_shoot(page, shots, "02-periksa-kotak-masuk")
    assert site.me().status is SubscriberStatus.PENDING

    # The confirmation link from the .eml: the page it opens changes nothing; its button does.
    [confirmation] = site.mail("confirm")
    page.goto(link_in(confirmation, "/confirm"))
    check_and_shoot(page, shots, "03-konfirmasi")
    assert site.me().status is SubscriberStatus.PENDING
    with page.expect_navigation():
        page.get_by_role("button", name="Ya, saya ingin berlangganan").click()
    assert "langganan Anda aktif" in page.locator("h1").inner_text()
    check_and_shoot(page, shots, "04-aktif")
    assert site.me().status is SubscriberStatus.ACTIVE
    assert site.me().regions == ("35.71",)

    # Regions and hour.
    with page.expect_navigation():
        page.get_by_role("link", name="Atur wilayah dan jam ringkasan").click()
    assert page.get_by_role("checkbox", name="Kota Kediri").is_checked()
    page.get_by_role("checkbox", name="Jawa Timur").check()
    page.get_by_role("checkbox", name="Kota Kediri").uncheck()
    page.get_by_label("Kabupaten/kota").fill("Kabupaten Sleman")
    page.get_by_label("Jam ringkasan dikirim").select_option("19")
    check_and_shoot(page, shots, "05-atur-langganan")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan pilihan").click()
    assert page.get_by_role("status").inner_text() == "Pilihan Anda sudah disimpan."
    check_and_shoot(page, shots, "06-tersimpan")
    chosen = site.me()
    assert (chosen.regions, chosen.digest_hour, chosen.digest) == (("35", "34.04"), 19, True)

    # The morning digest, as its HTML preview shows it.
    for sample in DIGEST_STORIES:
        site.app.store.put_story(sample)
    for batch in site.app.digest.plan(DAY):
        site.app.digest.send_batch(batch)
    [digest] = site.mail("digest")
    preview = next(site.outbox.glob("warta-digest-*.html"))
    page.goto(preview.as_uri())
    page.screenshot(path=str(shots / "07-ringkasan.png"), full_page=True)

    # Unsubscribe through the digest's one-click link: a page, then its button.
    page.goto(str(digest["List-Unsubscribe"]).strip("<>"))
    check_and_shoot(page, shots, "08-berhenti")
    assert site.me().status is SubscriberStatus.ACTIVE
    with page.expect_navigation():
        page.get_by_role("button", name="Berhenti berlangganan").click()
    assert "berhenti berlangganan" in page.locator("h1").inner_text()
    check_and_shoot(page, shots, "09-selesai")
    assert site.me() == replace(
        chosen, status=SubscriberStatus.UNSUBSCRIBED, updated_at=site.clock.now()
    )

    # The sign-up page on a phone: one column, nothing wider than the screen.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(site.base + "/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    check_and_shoot(phone, shots, "10-daftar-ponsel")

    if os.environ.get("WARTA_SCREENSHOTS") == "docs":
        DOCS.mkdir(exist_ok=True)
        page.goto(site.base + "/")
        page.set_viewport_size({"width": 760, "height": 900})
        page.screenshot(path=str(DOCS / "signup.png"), full_page=True)
        page.goto(preview.as_uri())
        page.screenshot(path=str(DOCS / "digest.png"), full_page=True)
