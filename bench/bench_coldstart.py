"""Cold start of each Lambda handler, as a ratio against `import boto3` in the same run.

    .venv/bin/python bench/bench_coldstart.py [--runs N] [--deps pip|venv]

The handler modules come from a bundle built the way `sam build` builds it:
`make -f functions/Makefile code` copies and compiles Warta into a temporary
folder. The dependencies go into the same folder:

- `--deps pip` (the default): `pip install --target` of functions/requirements.txt
  plus boto3 (which the Lambda runtime provides), as wheels for this machine's
  platform and Python rather than the bundle's Linux arm64 ones, compiled the
  way pip compiles them. It needs the package index (pip's cache serves a
  second run).
- `--deps venv`: this virtualenv's site-packages, after the bundle on the path.
  Nothing is fetched; the versions are the virtualenv's.

Each timing is the wall time of a fresh `python -S -c "import warta.handlers.X"`
(interpreter start included, on both sides of the ratio), with only the bundle
(and, with `--deps venv`, the virtualenv's site-packages) on the path, no
bytecode written (a Lambda's code folder is read-only, so what the bundle does
not carry is compiled at every cold start) and the environment a Lambda has:
region, function name, the WARTA_* settings. Nothing connects at import.

Rounds alternate the baseline with each handler, in an order that rotates from
round to round; the median of each side decides PASS/FAIL against a target of
at most 1.5x. The number of modules is len(sys.modules) after the import. The
script exits 0 even on FAIL: it is a report.
"""

# Every command run here is built from this file, the interpreter running it and a
# temporary folder: no outside input reaches a subprocess.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HANDLERS = ("schedule", "ingest", "alerts", "digest_plan", "digest_send", "web", "bounces")
BASELINE = "boto3"
TARGET = 1.5

LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_LAMBDA_FUNCTION_NAME": "warta-bench",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "LAMBDA_TASK_ROOT": "/var/task",
    "TZ": ":UTC",
    "LANG": "en_US.UTF-8",
    "POWERTOOLS_SERVICE_NAME": "warta",
    "POWERTOOLS_METRICS_NAMESPACE": "Warta",
    "WARTA_TABLE": "warta",
    "WARTA_INGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/warta-ingest",
    "WARTA_ALERT_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/warta-alerts",
    "WARTA_DIGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/warta-digest",
    "WARTA_SECRET_PARAMETER": "/warta/secret",
    "WARTA_PUBLIC_URL": "https://warta.example.id",
    "WARTA_SENDER": "Warta Pemilu <warta@example.id>",
}
"""What a Lambda's environment holds; no credentials, since nothing may connect at import."""


def build_bundle(target: Path, deps: str) -> list[Path]:
    """The bundle's code in `target`, its dependencies; returns the path to import from."""
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(REPO / "functions" / "Makefile"), "code",
         f"ARTIFACTS_DIR={target}", f"PYTHON={sys.executable}",
         f"RUNTIME_PYTHON={sys.executable}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    if deps == "venv":
        import sysconfig

        return [target, Path(sysconfig.get_paths()["purelib"])]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(target), "--only-binary=:all:",
         "-r", str(REPO / "functions" / "requirements.txt"), "boto3"],
        check=True,
    )  # fmt: skip
    return [target]


def run_env(path: list[Path]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        **LAMBDA_ENV,
    }


def module_name(target: str) -> str:
    return target if target == BASELINE else f"warta.handlers.{target}"


def time_import(target: str, env: dict[str, str], cwd: Path) -> float:
    """Wall time in ms of a fresh interpreter importing the target, and nothing else."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-S", "-c", f"import {module_name(target)}"],
        env=env, cwd=cwd, check=True,
    )  # fmt: skip
    return (time.perf_counter() - start) * 1000


def module_count(target: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """len(sys.modules) after the import, and where warta (or boto3) came from."""
    probe = (
        f"import sys, {module_name(target)} as m\n"
        "print(len(sys.modules), m.__file__)\n"
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env=env, cwd=cwd, check=True, capture_output=True, text=True,
    )  # fmt: skip
    count, _, where = done.stdout.strip().partition(" ")
    return int(count), where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="rounds (at least 7)")
    parser.add_argument("--deps", choices=("pip", "venv"), default="pip")
    args = parser.parse_args()
    runs = max(args.runs, 7)

    work = Path(tempfile.mkdtemp(prefix="warta-coldstart-"))
    try:
        bundle = work / "bundle"
        path = build_bundle(bundle, args.deps)
        env = run_env(path)
        cwd = work  # not the repository: nothing may come from the work tree

        print(
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} cores; dependencies: {args.deps}; {runs} rounds"
        )
        counts = {t: module_count(t, env, cwd) for t in (BASELINE, *HANDLERS)}
        for target, (_, where) in counts.items():
            if target != BASELINE and not where.startswith(str(bundle)):
                sys.exit(f"{module_name(target)} came from {where}, not the bundle")

        # One round to warm the file cache, not counted.
        for target in (BASELINE, *HANDLERS):
            time_import(target, env, cwd)

        samples: dict[str, list[float]] = {t: [] for t in (BASELINE, *HANDLERS)}
        for n in range(runs):
            order = HANDLERS[n % len(HANDLERS) :] + HANDLERS[: n % len(HANDLERS)]
            for target in order:
                samples[BASELINE].append(time_import(BASELINE, env, cwd))
                samples[target].append(time_import(target, env, cwd))

        base = statistics.median(samples[BASELINE])
        print(f"\n{'import':<32} {'median ms':>10} {'best ms':>8} {'ratio':>6} {'modules':>8}")
        print(
            f"{BASELINE:<32} {base:>10.0f} {min(samples[BASELINE]):>8.0f} {1:>6.2f} "
            f"{counts[BASELINE][0]:>8}"
        )
        worst = 0.0
        for target in HANDLERS:
            median = statistics.median(samples[target])
            ratio = median / base
            worst = max(worst, ratio)
            print(
                f"{module_name(target):<32} {median:>10.0f} {min(samples[target]):>8.0f} "
                f"{ratio:>6.2f} {counts[target][0]:>8}"
            )
        verdict = "PASS" if worst <= TARGET else "FAIL  <<<<<<<<"
        print(f"\nworst handler {worst:.2f}x import boto3, target <= {TARGET:.1f}x: {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
