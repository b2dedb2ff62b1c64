"""Digest speed at national scale, and the alert fan-out, on one core.

    .venv/bin/python bench/bench_digest.py [--sizes 10000,100000,1000000]
                                           [--sample 10000] [--officials 10000]

For each size, N subscribers over 50 combinations of regions and a digest day
of 30 stories are written to a SQLite store in a temporary folder; then a fresh
process pinned to one core plans the day's edition (Digest.plan: every slot,
page by page) and sends every batch (Digest.send_batch: the digests rendered
once per edition, each message built as bytes by a Wire, the sent ledger
claimed and completed per batch) to a mailer that only counts the bytes it is
given. It reports the CPU time of plan + build + ledger (user and system, so
SQLite's writes count), µs per subscriber, and the process's peak RSS.

The baseline is the sender as it was before messages were built as bytes, run
in the same way on a sample (`--sample`) of subscribers: the digest rendered
per segment of each batch, one EmailMessage built per recipient
(compose.build_message) and serialized as every mailer does (as_bytes with the
wire policy), and one claim and one completion per recipient (send_once). Its
µs per subscriber, flat from 10k to 1M, is scaled to each size for the ratio.
(It renders dates with the Indonesian locale read once, which this change also
brought: the sender before it was slower still.)

The alert fan-out sends one national clarification to `--officials` officials,
each with an email and an SMS (Alerts.plan then send_batch, counting mailer and
notifier), in a process of its own.

Each case runs in a child process, so that its peak RSS is its own; the lines at
the end are one per figure, in a stable form.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import timeit
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from warta.adapters.clock import SystemClock
from warta.adapters.sqlite_store import SqliteStore
from warta.core.links import RecipientKind
from warta.core.mail import WIRE_POLICY
from warta.core.model import (
    ALL_REGIONS,
    NATIONAL,
    Authority,
    DigestBatch,
    Official,
    Story,
    StorySource,
    Subscriber,
    SubscriberStatus,
)
from warta.core.regions import wanted
from warta.render import JinjaRenderer
from warta.services.alerts import Alerts
from warta.services.compose import Edition, Letterhead, build_message
from warta.services.corrections import Corrections
from warta.services.delivery import Delivery, Outcome, message_id, send_once
from warta.services.digest import KIND, Digest, order_stories

DAY = date(2026, 11, 27)
STORIES = 30
COMBINATIONS = 50
BATCH = 100
"""Recipients (and officials) per batch: WARTA_BATCH_SIZE's default."""
LETTERHEAD = Letterhead(
    sender="Warta Pemilu <warta@warta.example>",
    domain="warta.example",
    public_url="https://warta.example",
    secret=b"bench-secret-" * 5,
)
PROVINCES = ("31", "32", "33", "35", "51", "64", "73", "81", "12", "18")
"""Provinces in the three zones (WIB, WITA, WIT)."""
CITIES = ("31.71", "32.73", "33.74", "35.71", "51.71", "64.72", "73.71", "81.71", "12.71", "18.71")
MB = 1024 * 1024


# -- the data ------------------------------------------------------------------------------


def combinations() -> list[tuple[str, ...]]:
    """50 combinations of regions: everything, national only, each province, each city,
    and pairs of provinces."""
    pairs = [(a, b) for n, a in enumerate(PROVINCES) for b in PROVINCES[n + 1 :]]
    found = [(ALL_REGIONS,), (NATIONAL,), *((p,) for p in PROVINCES), *((c,) for c in CITIES)]
    return found + pairs[: COMBINATIONS - len(found)]


def stories() -> list[Story]:
    """30 stories of a day: 6 national (2 urgent clarifications), 24 of provinces and cities."""
    moment = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    made = []
    for n in range(STORIES):
        region = NATIONAL if n < 6 else (PROVINCES, CITIES)[n % 2][n % len(PROVINCES)]
        sources = tuple(
            StorySource(
                f"sumber-{k}",
                f"KPU Sumber {k}",
                f"https://sumber{k}.example.id/berita/{n}?hal={k}&lang=id",
                Authority.KPU if k % 2 else Authority.BAWASLU,
                f"sumber-{k}:{n}",
                moment + timedelta(minutes=7 * n + k),
            )
            for k in range(1 + n % 3)
        )
        made.append(
            Story(
                id=f"st-{n:02d}",
                day=DAY,
                region=region,
                title=f"KPU Tetapkan Jadwal Tahapan Pemilu di Wilayah {region} Nomor {n}",
                summary=(
                    f"Komisi Pemilihan Umum menetapkan jadwal tahapan nomor {n}. "
                    "Pemungutan suara dimulai pukul 07.00 dan penghitungan suara dilakukan "
                    "di setiap TPS secara terbuka, disaksikan pengawas dan saksi peserta."
                ),
                published_at=moment + timedelta(minutes=7 * n),
                created_at=moment + timedelta(minutes=7 * n + 1),
                election=True,
                clarification=n in (1, 4),
                urgent=n in (1, 4),
                sources=sources,
            )
        )
    return made


class SetupStore(SqliteStore):
    """The SQLite store writing a whole setup in one transaction (not measured).

    Rows are written by the store's own methods, so they are what it writes; only
    its one transaction per call is left out, which would make writing a million
    subscribers take minutes. Relies on the store's private _write and _conn.
    """

    @contextmanager
    def _write(self, op: str) -> Iterator[sqlite3.Connection]:
        with self._guard(op) as conn:
            yield conn

    @contextmanager
    def bulk(self) -> Iterator[SetupStore]:
        self._conn.execute("BEGIN IMMEDIATE")
        yield self
        self._conn.execute("COMMIT")
        self.close()


def setup_digest(path: Path, size: int) -> None:
    regions = combinations()
    with SetupStore(path).bulk() as store:
        for story in stories():
            store.put_story(story)
        for n in range(size):
            store.put_subscriber(
                Subscriber(
                    id=f"sub-{n:07d}",
                    email=f"warga{n:07d}@pemilih{n % 97}.example",
                    regions=regions[n % len(regions)],
                )
            )


def setup_alerts(path: Path, size: int) -> None:
    with SetupStore(path).bulk() as store:
        store.put_story(stories()[1])
        for n in range(size):
            store.put_official(
                Official(
                    id=f"petugas-{n:06d}",
                    name=f"Petugas {n}",
                    role="Staf",
                    region=PROVINCES[n % len(PROVINCES)],
                    email=f"petugas{n:06d}@kpu.example",
                    phone=f"+628110{n:07d}",
                )
            )


# -- what the messages go to ---------------------------------------------------------------


@dataclass
class CountingMailer:
    """A mailer that only counts: every real one at least has the bytes in hand."""

    messages: int = 0
    bytes: int = 0

    def send(self, message: EmailMessage) -> str:
        return self.send_raw(str(message["To"]), message.as_bytes(policy=WIRE_POLICY))

    def send_raw(self, recipient: str, data: bytes) -> str:
        self.messages += 1
        self.bytes += len(data)
        return "counted"


@dataclass
class CountingNotifier:
    messages: int = 0

    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        self.messages += 1
        return "counted"


# -- the runs (each in a child process) ----------------------------------------------------


def one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def measured(run: Any) -> dict[str, Any]:
    one_core()
    started_cpu, started = time.process_time(), time.perf_counter()
    result: dict[str, Any] = run()
    result["cpu"] = time.process_time() - started_cpu
    result["wall"] = time.perf_counter() - started
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def services(
    path: Path, mailer: CountingMailer, batch: int
) -> tuple[SqliteStore, Digest, Delivery]:
    """The digest sender as wiring builds it, over the counting mailer."""
    store = SqliteStore(path)
    delivery = Delivery(store=store, clock=SystemClock(), mailer=mailer, letterhead=LETTERHEAD)
    digest = Digest(
        store=store,
        delivery=delivery,
        renderer=JinjaRenderer(),
        corrections=Corrections(store=store),
        batch_size=batch,
    )
    return store, digest, delivery


def run_digest(path: Path, per_batch: int) -> dict[str, Any]:
    mailer = CountingMailer()
    _, digest, _ = services(path, mailer, per_batch)
    sent = recipients = 0
    for batch in digest.plan(DAY, "bench"):
        report = digest.send_batch(batch)
        sent += report.sent
        recipients += report.recipients
    return {
        "sent": sent,
        "recipients": recipients,
        "messages": mailer.messages,
        "bytes": mailer.bytes,
    }


def run_baseline(path: Path, per_batch: int) -> dict[str, Any]:
    """The sender before: a render per segment of each batch, an EmailMessage and a claim
    and a completion per recipient."""
    mailer = CountingMailer()
    store, digest, delivery = services(path, mailer, per_batch)
    sent = 0
    for batch in digest.plan(DAY, "bench"):
        sent += sum(o is Outcome.SENT for o in baseline_batch(store, digest, delivery, batch))
    return {"sent": sent, "recipients": sent, "messages": mailer.messages, "bytes": mailer.bytes}


def baseline_batch(
    store: SqliteStore, digest: Digest, delivery: Delivery, batch: DigestBatch
) -> Iterator[Outcome]:
    day_stories = store.stories_of_day(batch.day)
    segments: dict[tuple[str, ...], list[Subscriber]] = defaultdict(list)
    found = store.get_subscribers(batch.subscriber_ids)
    for subscriber_id in batch.subscriber_ids:
        subscriber = found.get(subscriber_id)
        if subscriber and subscriber.status is SubscriberStatus.ACTIVE and subscriber.digest:
            segments[tuple(sorted(subscriber.regions))].append(subscriber)
    key = batch.day.isoformat()
    for regions, subscribers in segments.items():
        chosen = order_stories([s for s in day_stories if wanted(s.region, regions)])
        edition = digest.render(batch.day, chosen)
        sent = []
        for subscriber in subscribers:
            link = delivery.unsubscribe_url(RecipientKind.SUBSCRIBER, subscriber.id)
            mid = message_id(KIND, key, subscriber.id, LETTERHEAD.domain)

            def send(
                subscriber: Subscriber = subscriber,
                link: str = link,
                mid: str = mid,
                edition: Edition = edition,
            ) -> str:
                message = build_message(
                    edition.personal(link),
                    sender=LETTERHEAD.sender,
                    to=subscriber.email,
                    unsubscribe=link,
                    domain=LETTERHEAD.domain,
                    kind=KIND,
                    now=delivery.clock.now(),
                    message_id=mid,
                )
                return delivery.mailer.send(message)

            outcome = send_once(
                store,
                delivery.clock,
                kind=KIND,
                key=key,
                recipient_id=subscriber.id,
                send=send,
                lease=delivery.lease,
            )
            if outcome is Outcome.SENT:
                sent.append(subscriber.id)
            yield outcome
        # As the digest did then: who received which stories, a line of its own each.
        if digest.corrections is not None:
            digest.corrections.record_received(
                batch.day, [s.id for s in chosen], sent, now=delivery.clock.now()
            )


def run_alerts(path: Path, per_batch: int) -> dict[str, Any]:
    mailer, notifier = CountingMailer(), CountingNotifier()
    store = SqliteStore(path)
    delivery = Delivery(
        store=store, clock=SystemClock(), mailer=mailer, notifier=notifier, letterhead=LETTERHEAD
    )
    alerts = Alerts(store=store, delivery=delivery, renderer=JinjaRenderer())
    story = store.get_story(stories()[1].id)
    if story is None:
        raise SystemExit("the alert's story is missing")
    officials = 0
    for batch in alerts.plan(story, "bench", size=per_batch):
        officials += alerts.send_batch(batch).officials
    return {"officials": officials, "emails": mailer.messages, "sms": notifier.messages}


RUNS = {"digest": run_digest, "baseline": run_baseline, "alerts": run_alerts}


def child(run: str, path: Path, batch: int) -> None:
    print(json.dumps(measured(lambda: RUNS[run](path, batch))))


def in_child(run: str, path: Path, batch: int) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - this script, with arguments it made itself
        [sys.executable, __file__, "--child", run, "--db", str(path), "--batch", str(batch)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{run} run failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the report ----------------------------------------------------------------------------


def check(ok: bool, result: dict[str, Any]) -> None:
    if not ok:
        raise SystemExit(f"a run did not send what it should: {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--officials", type=int, default=10_000)
    parser.add_argument(
        "--batch", type=int, default=BATCH, help="recipients per batch (WARTA_BATCH_SIZE's default)"
    )
    parser.add_argument("--child", choices=sorted(RUNS))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.batch)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    # How fast this machine runs plain Python, to compare runs on different machines.
    reference = min(timeit.repeat("sum(range(1000))", number=10_000, repeat=5)) / 10_000
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, "
        f"sum(range(1000)) in {reference * 1e6:.1f} µs"
    )
    with tempfile.TemporaryDirectory(prefix="warta-bench-") as folder:
        root = Path(folder)
        results: dict[str, dict[str, Any]] = {}
        for name, size, setup, run in [
            ("baseline", args.sample, setup_digest, "baseline"),
            *((f"digest-{n}", n, setup_digest, "digest") for n in sizes),
            ("alerts", args.officials, setup_alerts, "alerts"),
        ]:
            path = root / f"{name}.db"
            started = time.perf_counter()
            setup(path, size)
            print(f"{name}: {size} written in {time.perf_counter() - started:.1f} s", flush=True)
            results[name] = result = in_child(run, path, args.batch)
            result["size"] = size
            print(f"{name}: {json.dumps(result)}", flush=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print()
    baseline = results["baseline"]
    check(baseline["sent"] == args.sample, baseline)
    per_baseline = baseline["cpu"] / baseline["size"]
    print(
        f"baseline {args.sample} subscribers: {baseline['cpu']:.1f} s cpu "
        f"({per_baseline * 1e6:.0f} µs each), {baseline['peak_mb']:.0f} MB peak, "
        "EmailMessage per recipient"
    )
    for size in sizes:
        result = results[f"digest-{size}"]
        check(result["sent"] == result["messages"] == size, result)
        per = result["cpu"] / size
        print(
            f"digest {size} subscribers: {result['cpu']:.1f} s cpu ({per * 1e6:.1f} µs each, "
            f"{result['wall']:.1f} s wall), {result['peak_mb']:.0f} MB peak, "
            f"{per_baseline / per:.0f}x faster than EmailMessage per recipient"
        )
    alerts = results["alerts"]
    check(alerts["officials"] == alerts["emails"] == alerts["sms"] == args.officials, alerts)
    print(
        f"alerts {args.officials} officials: {alerts['cpu']:.1f} s cpu "
        f"({alerts['cpu'] / args.officials * 1e6:.0f} µs each, an email and an SMS), "
        f"{alerts['peak_mb']:.0f} MB peak"
    )


if __name__ == "__main__":
    main()
