"""`warta demo`: the whole daily cycle on bundled sample sources, on this machine.

The samples in events/feeds/ are served by a throwaway HTTP server on
127.0.0.1, so the real fetch path runs (conditional GET, timeouts, body cap),
and their dates follow the time of the run, so the digest is fresh on any day.

It plays two rounds: the sample sources, alerts and the day's digest; then,
as if an hour later, one more official source (events/demo/later/) confirms
a clarification already alerted, and each official who got that alert gets
one update naming it. Last, it writes the public archive as static files,
its CAP messages marked Test, in its home, and says where.

The demo keeps its own state (database and signing secret) in
<WARTA_HOME>/demo and writes to <WARTA_OUTBOX>/demo. A real `warta run` never
sees them: a real source with the id of a sample one still gets its first run
(the demo's state would let its whole archive through), and the demo's
fictional people never hear from it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from warta.config.files import events_dir
from warta.config.people import seed_people
from warta.config.secret import local_secret
from warta.config.settings import Settings
from warta.config.sources import load_sources
from warta.core.cap import Status
from warta.core.days import jakarta_day
from warta.demo.server import SampleServer
from warta.services.cycle import CycleReport, Progress
from warta.wiring import App, build_local

ARCHIVE = "situs"
"""The folder below the demo's home that holds its public archive, as static files (the
outbox holds messages only)."""


def latest_digest_preview(outbox: Path) -> Path | None:
    # Files are named after their messages, not their time: the newest by its mtime.
    previews = list(outbox.glob("*-digest-*.html")) if outbox.is_dir() else []
    return max(previews, key=lambda p: (p.stat().st_mtime_ns, p.name)) if previews else None


def demo_settings(settings: Settings) -> Settings:
    """The demo's own settings: its home, outbox and secret beside the install's, never them."""
    home = settings.home / "demo"
    return replace(
        settings,
        home=home,
        outbox=settings.outbox / "demo",
        secret=local_secret(home),
        # The demo's people are fictional: their mail goes to the outbox folder
        # even when this install is set up to send through a real mail server.
        mail="outbox",
        smtp=None,
    )


def run_demo(
    settings: Settings, *, samples: Path | None = None, progress: Progress = print
) -> CycleReport:
    """One cycle on the samples, under `demo_settings(settings)`."""
    samples = samples or events_dir()
    settings = demo_settings(settings)
    progress(f"The demo keeps its state in {settings.home} and writes to {settings.outbox}")
    app = build_local(settings)
    try:
        now = app.clock.now()
        added = seed_people(app.store, samples / "demo" / "people.toml", now)
        if added:
            progress(f"Created {added} demo subscribers and officials (events/demo/people.toml)")
        with SampleServer(samples) as server:
            progress(f"Serving the sample sources at {server.base_url}")
            sources = load_sources(samples / "demo" / "sources.toml", {"demo": server.base_url})
            report = app.local_cycle.run(
                sources, digest_day=jakarta_day(now), force=True, progress=progress
            )
            later_file = samples / "demo" / "later" / "sources.toml"
            if later_file.is_file():
                later = load_sources(later_file, {"demo": server.base_url})
                progress("")
                progress("An hour later, as the demo plays it: one more official source")
                merge(
                    report,
                    app.local_cycle.run(later, digest_day=None, force=True, progress=progress),
                )
        site = write_archive(app, settings.home / ARCHIVE)
    finally:
        app.close()
    summarize(report, settings, progress, site)
    return report


def merge(report: CycleReport, more: CycleReport) -> None:
    """Count a second round in the first round's report."""
    report.ingest.extend(more.ingest)
    report.alerts.extend(more.alerts)
    report.corrections.extend(more.corrections)
    report.digest.extend(more.digest)


def write_archive(app: App, folder: Path) -> Path:
    """The demo's public archive as static files, its CAP messages marked Test."""
    from warta.cli.archive_command import write_whole
    from warta.render import default_renderer
    from warta.services.archive import Archive

    archive = Archive(
        store=app.store, renderer=default_renderer(), clock=app.clock, cap_status=Status.TEST
    )
    for file in archive.files(app.settings.public_url):
        write_whole(folder / file.path, file.body)
    return folder


def latest_update(outbox: Path) -> Path | None:
    """An update of an alert in the outbox (its subject starts [PEMBARUAN]), the newest."""
    found = [
        path
        for path in (outbox.glob("*-alert-*.eml") if outbox.is_dir() else [])
        if b"Subject: [PEMBARUAN]" in path.read_bytes()
    ]
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name)) if found else None


def summarize(
    report: CycleReport, settings: Settings, progress: Progress, site: Path | None = None
) -> None:
    alert_emails = sum(a.emails for a in report.alerts)
    sms = sum(a.sms for a in report.alerts)
    written = report.digests_sent + alert_emails
    progress("")
    progress("Warta demo finished.")
    progress(
        f"  sources fetched:   {report.sources_fetched}"
        + (f" ({report.sources_failed} failed)" if report.sources_failed else "")
    )
    progress(f"  new items:         {report.new_items}")
    progress(
        f"  new stories:       {report.new_stories} ({report.urgent_stories} urgent clarifications)"
    )
    progress(
        f"  messages written:  {written} ({report.digests_sent} digests, "
        f"{alert_emails} alert emails) and {sms} SMS"
    )
    progress(f"  alert updates:     {report.alert_updates} (emails and SMS)")
    if written == 0 and sms == 0:
        progress("  Nothing new since the last run: no message was written.")
    progress(f"  outbox:            {settings.outbox}")
    preview = latest_digest_preview(settings.outbox)
    if preview is not None:
        progress(f"  open the digest:   {preview}")
    update = latest_update(settings.outbox)
    if update is not None:
        progress(f"  an alert update:   {update}")
    if site is not None:
        progress(f"  public archive:    {site / 'arsip' / 'index.html'}")
        progress(f"  CAP feed (Test):   {site / 'feed' / 'cap.atom'}")
    progress("  unsubscribe pages: warta serve --demo")
