"""`make bench`'s digest benchmark runs to its end on a small case and reports each figure.

The figures themselves are the benchmark's to measure (bench/bench_digest.py);
this only checks that a small run of it sends every message and ends with one
line per figure in its stable form, so that the script keeps working between
the times someone runs `make bench`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_digest.py"


def test_a_small_run_of_the_digest_benchmark_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "1000", "--sample", "200", "--officials", "200"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()[-3:]
    number = r"\d+(\.\d+)?"
    assert re.fullmatch(
        rf"baseline 200 subscribers: {number} s cpu \({number} µs each\), {number} MB peak, "
        "EmailMessage per recipient",
        lines[0],
    ), lines[0]
    assert re.fullmatch(
        rf"digest 1000 subscribers: {number} s cpu \({number} µs each, {number} s wall\), "
        rf"{number} MB peak, {number}x faster than EmailMessage per recipient",
        lines[1],
    ), lines[1]
    assert re.fullmatch(
        rf"alerts 200 officials: {number} s cpu \({number} µs each, an email and an SMS\), "
        rf"{number} MB peak",
        lines[2],
    ), lines[2]
