"""Each Lambda handler imports what its step needs and no more: a cold start pays for every
module loaded at import, and `bench/bench_coldstart.py` holds each handler to 1.5x
`import boto3`. These tests fail when a heavy library creeps back into a handler's imports.

Each import runs in a fresh interpreter with the environment a Lambda has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PARSERS = ("feedparser", "lxml", "cssselect", "warta.ingest")
"""The feed and HTML parsers, and the fetcher: only the ingest step runs them."""
TEMPLATES = ("jinja2", "babel", "markupsafe", "warta.render")
"""Rendering: loaded on the first message or page, never at import."""
LOCAL = ("sqlite3", "smtplib", "warta.adapters.sqlite_store", "warta.demo", "warta.cli")
"""What only a one-machine install uses."""
SERVICES = (
    "ingest", "alerts", "digest", "health", "fanout", "cycle", "delivery", "sms", "feedback",
)  # fmt: skip
TEXT = ("warta.core.text", "stopwordsiso", "gsm0338", *(f"warta.services.{s}" for s in SERVICES))
"""The text pipeline and the services (all but the queue messages a handler reads):
built by the App on first use."""
BATCH = (
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "asyncio",
)
"""Powertools' batch utility, which loads asyncio and every event data class: the SQS
functions answer with handlers._observe.process_sqs_batch instead."""

NOT_AT_IMPORT = dict.fromkeys(
    ("schedule", "ingest", "alerts", "digest_plan", "digest_send", "web", "bounces"),
    PARSERS + TEMPLATES + LOCAL + TEXT + BATCH,
)

LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_LAMBDA_FUNCTION_NAME": "warta-test",
    "AWS_EC2_METADATA_DISABLED": "true",
    "WARTA_TABLE": "warta",
    "WARTA_INGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/ingest",
    "WARTA_ALERT_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/alerts",
    "WARTA_DIGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/123456789012/digest",
    "WARTA_SECRET_PARAMETER": "/warta/secret",
    "WARTA_PUBLIC_URL": "https://warta.example.id",
    "WARTA_SENDER": "Warta Pemilu <warta@example.id>",
}


def run(code: str, tmp_path: Path) -> str:
    """What `code` prints, run in a fresh interpreter with a Lambda's environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO / "functions"),
        "HOME": str(tmp_path),
        **LAMBDA_ENV,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    """The names in sys.modules after running `code` in a fresh interpreter."""
    out = run(code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n", tmp_path)
    return set(json.loads(out.splitlines()[-1]))


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("handler", sorted(NOT_AT_IMPORT))
def test_a_handler_loads_no_heavy_module_its_step_does_not_need(
    handler: str, tmp_path: Path
) -> None:
    modules = loaded_after(f"import warta.handlers.{handler}", tmp_path)

    assert f"warta.handlers.{handler}" in modules
    assert not sorted(m for m in modules if within(m, NOT_AT_IMPORT[handler]))


def test_the_batch_utility_left_out_would_load_what_batch_names(tmp_path: Path) -> None:
    # The other side of BATCH above: the list names modules that utility really loads.
    modules = loaded_after("import aws_lambda_powertools.utilities.batch", tmp_path)

    assert set(BATCH) <= modules


def test_the_services_of_each_step_load_only_what_that_step_runs(tmp_path: Path) -> None:
    # The App as a handler builds it on its first invocation, with each service
    # asked for by name: beyond the import, the first call must stay light too.
    code = (
        "import json, os, sys\n"
        "from warta.config.aws_settings import load_aws_settings\n"
        "from warta.config.settings import load_settings\n"
        "from warta.wiring import build_aws\n"
        "app = build_aws(load_settings(os.environ, secret=b's' * 48), load_aws_settings())\n"
        "steps = {}\n"
        "app.feedback\n"
        "steps['feedback'] = sorted(sys.modules)\n"
        "from warta.web.app import WebApp\n"
        "WebApp(app.subscriptions)\n"
        "steps['web'] = sorted(sys.modules)\n"
        "app.digest, app.alerts, app.health, app.fanout\n"
        "steps['send'] = sorted(sys.modules)\n"
        "app.ingest\n"
        "steps['ingest'] = sorted(sys.modules)\n"
        "print(json.dumps(steps))\n"
    )
    steps = {name: set(names) for name, names in json.loads(run(code, tmp_path)).items()}

    # Bounces: the store and SES's suppression list; nothing that renders, parses or sends.
    assert not sorted(
        m
        for m in steps["feedback"]
        if within(m, (*PARSERS, *TEMPLATES, "warta.core.text", "warta.services.delivery"))
    )
    # The web function: its pages need Jinja2, but no parser and no text pipeline.
    assert "jinja2" in steps["web"]
    assert not sorted(m for m in steps["web"] if within(m, (*PARSERS, "warta.core.text")))
    # Alerts, digests and health: rendering is made on the first message, no parser.
    assert not sorted(m for m in steps["send"] if within(m, PARSERS))
    # Ingest: the fetcher and the text pipeline, but each parser waits for its first source.
    assert "warta.ingest.http" in steps["ingest"]
    assert not sorted(m for m in steps["ingest"] if within(m, ("feedparser", "lxml")))
