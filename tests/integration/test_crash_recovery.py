"""kill -9 at any moment loses no message and sends none twice.

The one-machine cycle runs with a few hundred recipients on the sample
sources; an uninterrupted run gives the messages every recipient must get.
Then, in fresh state each time, the same run is killed with SIGKILL at a
random moment and run again once the dead run's claims have expired: the
outbox must hold every message of the uninterrupted run exactly once.

The seed of the kill points is printed; WARTA_KILL_SEED replays a run and
WARTA_KILL_TRIALS sets how many points are tried (10 by default).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.config.files import events_dir
from warta.core.identity import normalize_email, subscriber_id
from warta.core.model import Official, Subscriber
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration

SUBSCRIBERS = 300
OFFICIALS = 30
LEASE_SECONDS = 1
REGIONS = ("national", "35", "35.71", "31", "35.06", "32.73")


def seed(home: Path) -> None:
    home.mkdir(parents=True)
    now = datetime.now(UTC)
    with SqliteStore(home / "warta.db") as store:
        for n in range(SUBSCRIBERS):
            address = f"warga{n:03d}@contoh.example"
            store.put_subscriber(
                Subscriber(
                    id=subscriber_id(address),
                    email=normalize_email(address),
                    regions=(REGIONS[n % len(REGIONS)],),
                    created_at=now,
                )
            )
        for n in range(OFFICIALS):
            store.put_official(
                Official(
                    id=f"petugas-{n:02d}",
                    name=f"Petugas {n}",
                    role="Staf",
                    region=REGIONS[n % len(REGIONS)],
                    email=f"petugas{n:02d}@kpu.example",
                    phone=f"+62811000{n:04d}",
                )
            )


def command(root: Path) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "WARTA_HOME": str(root / "state"),
        "WARTA_OUTBOX": str(root / "outbox"),
        "WARTA_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    args = [
        sys.executable, "-m", "warta", "run", "--all", "--digest", "today",
        "--sources", str(root.parent / "sources.toml"),
    ]  # fmt: skip
    return args, env


def delivered(outbox: Path) -> Counter[tuple[str, ...]]:
    """Every message in the outbox, named by what makes it that message."""
    found: Counter[tuple[str, ...]] = Counter()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found[(str(message["X-Warta-Kind"]), str(message["To"]), str(message["Subject"]))] += 1
    for path in (outbox / "sms").glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        found[("sms", record["to"], record["text"])] += 1
    return found


RESUMED = re.compile(r"(\d+) resumed from a run that died")


def run_to_the_end(root: Path) -> tuple[float, int]:
    """How long the run took, and how many messages it sent again in a dead run's place."""
    args, env = command(root)
    started = time.monotonic()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return time.monotonic() - started, sum(int(n) for n in RESUMED.findall(done.stdout))


def test_a_killed_cycle_resumes_without_losing_or_doubling_a_message(tmp_path: Path) -> None:
    trials = int(os.environ.get("WARTA_KILL_TRIALS", "10"))
    seed_value = int(os.environ.get("WARTA_KILL_SEED", str(random.SystemRandom().randrange(10**6))))
    print(f"kill points from seed {seed_value} (WARTA_KILL_SEED replays them)")
    rng = random.Random(seed_value)
    with SampleServer(events_dir()) as server:
        text = (events_dir() / "demo" / "sources.toml").read_text(encoding="utf-8")
        (tmp_path / "sources.toml").write_text(text.replace("{demo}", server.base_url))

        control = tmp_path / "control"
        seed(control / "state")
        duration, none_resumed = run_to_the_end(control)
        assert none_resumed == 0
        expected = delivered(control / "outbox")
        kinds = Counter(key[0] for key in expected)
        assert kinds["digest"] >= SUBSCRIBERS // 2 and kinds["alert"] and kinds["sms"], kinds
        assert set(expected.values()) == {1}

        report = []
        total_resumed = 0
        for trial in range(trials):
            root = tmp_path / f"trial-{trial:02d}"
            seed(root / "state")
            args, env = command(root)
            # Spread over the whole run: the first points fall in ingest, the
            # last ones in the digest.
            kill_at = duration * (trial + rng.random()) / trials
            process = subprocess.Popen(
                args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                process.wait(timeout=kill_at)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
            before = sum(delivered(root / "outbox").values())
            time.sleep(LEASE_SECONDS + 0.2)  # the dead run's claims expire
            _, resumed = run_to_the_end(root)
            after = delivered(root / "outbox")
            total_resumed += resumed
            report.append(
                f"{kill_at:5.2f}s: {before} written before the kill, {resumed} resumed after it"
            )
            missing = expected - after
            doubled = {key: n for key, n in after.items() if n > 1}
            extra = after - expected
            assert not missing, (report[-1], sorted(missing)[:5])
            assert not doubled, (report[-1], sorted(doubled)[:5])
            assert not extra, (report[-1], sorted(extra)[:5])
    # A resumed message is one a provider may have accepted before the kill:
    # the only window where a real mail server could see it twice.
    print(
        f"control run: {duration:.2f}s, {sum(expected.values())} messages; "
        f"{trials} kills, {total_resumed} messages resumed in all; " + "; ".join(report)
    )
