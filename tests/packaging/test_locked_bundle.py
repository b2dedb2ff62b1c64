"""The Lambda bundle installs exactly functions/requirements.lock, builds twice alike, and
builds without the network once its wheel cache is filled.

The wheel cache is filled once per test run from the package index (`make wheels`); every
bundle build after that runs with the network blocked: pip's index and every proxy
variable point at a loopback port that refuses connections, so any download fails the
build. The same blocked environment with an empty cache is shown to fail, so the block
is known to work.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
MAKEFILE = REPO / "functions" / "Makefile"
LOCK = REPO / "functions" / "requirements.lock"
MAX_BUNDLE_MB = 25
PROVIDED_BY_RUNTIME = {"boto3", "botocore", "s3transfer"}
LAMBDA_MARKERS = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "extra": "",
}
"""The environment markers of the functions' runtime (python3.11, arm64), no extra asked for."""


def locked_versions(text: str) -> dict[str, str]:
    """Each package the lock pins, by canonical name, with its version."""
    pins = {}
    for line in text.splitlines():
        if pin := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
            pins[str(canonicalize_name(pin[1]))] = pin[2]
        elif line.strip() and not line.strip().startswith(("#", "--hash=sha256:")):
            raise AssertionError(f"neither a pin, a hash nor a comment: {line!r}")
    return pins


def hashed_names(text: str) -> set[str]:
    """The packages that have at least one hash in the lock."""
    names, current = set(), ""
    for line in text.splitlines():
        if pin := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", line):
            current = str(canonicalize_name(pin[1]))
        elif line.strip().startswith("--hash=sha256:") and current:
            names.add(current)
    return names


def bundle_requirements(pyproject: dict[str, object]) -> list[Requirement]:
    """What the bundle must carry, from pyproject.toml alone: the run-time dependencies and
    the `aws` extra but boto3, which the Lambda runtime provides."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    listed = [*project["dependencies"], *project["optional-dependencies"]["aws"]]
    return [r for r in map(Requirement, listed) if canonicalize_name(r.name) != "boto3"]


def disagreements(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    """Each way the lock fails the project's requirements: a name missing, a version outside
    the project's range, or a package the runtime provides locked anyway."""
    found = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            found.append(f"{name} is not in the lock")
        elif not requirement.specifier.contains(Version(pins[name]), prereleases=True):
            found.append(f"{name}=={pins[name]} is outside {requirement.specifier}")
    found += [f"{name} is locked" for name in sorted(PROVIDED_BY_RUNTIME & pins.keys())]
    return found


def test_lock_pins_every_package_with_its_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = locked_versions(text)
    assert len(pins) >= 10
    assert hashed_names(text) == pins.keys()
    assert "make lock" in text.splitlines()[1]  # the command that regenerates it


def test_lock_agrees_with_pyproject() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = locked_versions(LOCK.read_text(encoding="utf-8"))
    assert disagreements(bundle_requirements(pyproject), pins) == []


def test_lock_check_fails_on_a_dependency_the_lock_lacks_or_pins_outside_its_range() -> None:
    pins = locked_versions(LOCK.read_text(encoding="utf-8"))
    found = disagreements(
        [Requirement("left-out>=1"), Requirement(f"lxml>{pins['lxml']}")],
        {**pins, "botocore": "1.0"},
    )
    assert found == [
        "left-out is not in the lock",
        f"lxml=={pins['lxml']} is outside >{pins['lxml']}",
        "botocore is locked",
    ]


# The bundle, built from the wheel cache with the network blocked.


@dataclass
class Build:
    folder: Path
    output: str


def runtime_python() -> str | None:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    return shutil.which("python3.11")


def make(target: str, env: dict[str, str], **variables: Path) -> subprocess.CompletedProcess[str]:
    runtime = runtime_python()
    settings = {"PYTHON": sys.executable, **({"RUNTIME_PYTHON": runtime} if runtime else {})}
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), target,
         *(f"{k}={v}" for k, v in {**settings, **variables}.items())],
        env=env, capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip


@pytest.fixture(scope="module")
def offline_env() -> Iterator[dict[str, str]]:
    """The environment with every way out through a loopback port that refuses connections
    (bound, never listening, so nothing else can take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
        proxies = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
        yield {
            **os.environ,
            **dict.fromkeys(proxies, dead),
            "NO_PROXY": "",
            "no_proxy": "",
            "PIP_INDEX_URL": f"{dead}/simple",
            "PIP_RETRIES": "0",
        }


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel cache, filled once from the package index."""
    folder = tmp_path_factory.mktemp("wheels")
    done = make("wheels", dict(os.environ), WHEELHOUSE=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="module")
def bundles(
    wheelhouse: Path, offline_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Build, Build]:
    """Two bundles, each built in its own folder from the filled cache, offline."""
    built = []
    for _ in range(2):
        folder = tmp_path_factory.mktemp("bundle")
        done = make("bundle", offline_env, ARTIFACTS_DIR=folder, WHEELHOUSE=wheelhouse)
        assert done.returncode == 0, done.stdout + done.stderr
        built.append(Build(folder, done.stdout))
    return built[0], built[1]


def manifest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def installed(folder: Path) -> dict[str, tuple[str, list[str]]]:
    """Each distribution in the bundle: its version and its Requires-Dist."""
    found = {}
    for metadata in folder.glob("*.dist-info/METADATA"):
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8"))
        name = str(canonicalize_name(headers["Name"]))
        found[name] = (headers["Version"], headers.get_all("Requires-Dist") or [])
    return found


def test_offline_build_fails_without_the_wheel_cache(
    offline_env: dict[str, str], tmp_path: Path
) -> None:
    # Proof that the environment the bundles are built in blocks the network: the
    # build's fetch step, with nothing cached, cannot reach the package index (the same
    # step with the same cache folder succeeds in the ordinary environment: `wheelhouse`).
    done = make("wheels", offline_env, WHEELHOUSE=tmp_path)
    assert done.returncode != 0, done.stdout
    assert " download " in done.stdout  # it tried the index, and failed
    assert list(tmp_path.iterdir()) == []


def test_two_offline_builds_are_identical_file_for_file(bundles: tuple[Build, Build]) -> None:
    # Nothing is left out of the comparison: the bytecode names its source as
    # /var/task/..., not the build folder, and is hash-based, so no timestamp or path
    # of the build reaches a file's bytes. Only the files' modification times differ,
    # and they are not part of what is compared.
    first, second = bundles
    files = manifest(first.folder)
    assert len(files) > 1000
    assert any(name.startswith("lxml/") and name.endswith(".so") for name in files)
    assert manifest(second.folder) == files
    for build in bundles:
        assert "every locked wheel is in" in build.output


def test_bundle_installs_exactly_the_locked_versions(bundles: tuple[Build, Build]) -> None:
    pins = locked_versions(LOCK.read_text(encoding="utf-8"))
    dists = installed(bundles[0].folder)
    assert {name: version for name, (version, _) in dists.items()} == pins


def test_lock_holds_the_projects_requirements_and_what_they_need_on_lambda(
    bundles: tuple[Build, Build],
) -> None:
    # The build installs with --no-deps: the lock must list every dependency itself.
    # Walked from pyproject.toml through each installed package's Requires-Dist, as the
    # Lambda runtime's markers select them, the packages reached are the bundle's.
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    dists = installed(bundles[0].folder)
    reached: set[str] = set()
    pending = bundle_requirements(pyproject)
    while pending:
        requirement = pending.pop()
        name = str(canonicalize_name(requirement.name))
        if requirement.marker and not requirement.marker.evaluate(LAMBDA_MARKERS):
            continue
        if name in reached:
            continue
        assert name in dists, f"{name} is needed but not locked"
        reached.add(name)
        pending += [Requirement(r) for r in dists[name][1]]
    assert reached == dists.keys()
    assert not PROVIDED_BY_RUNTIME & reached


def test_bundle_size_is_printed_and_under_the_limit(bundles: tuple[Build, Build]) -> None:
    build = bundles[0]
    size = sum(path.stat().st_size for path in build.folder.rglob("*") if path.is_file())
    (printed,) = re.findall(r"bundle: ([\d.]+) MB unzipped", build.output)
    assert abs(float(printed) - size / 1e6) <= 0.051
    assert size < MAX_BUNDLE_MB * 1e6
