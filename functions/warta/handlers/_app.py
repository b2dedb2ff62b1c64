"""The App of this Lambda container: built on the first invocation, kept for the next ones.

Nothing here connects at import time. The signing secret is read once per
container from its SSM SecureString; it goes into the settings object (kept
out of repr) and nowhere else.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from warta.config.aws_settings import load_aws_settings
from warta.config.secret import check_secret
from warta.config.settings import load_settings
from warta.core.errors import ConfigError
from warta.wiring import App, build_aws

if TYPE_CHECKING:
    from warta.core.model import Source
    from warta.web.app import WebApp

SECRET_MAX_AGE_S = 24 * 3600
"""A container lives hours at most; the App is cached for its life anyway."""


def read_secret(name: str) -> bytes:
    try:
        value = parameters.get_parameter(name, decrypt=True, max_age=SECRET_MAX_AGE_S)
    except GetParameterError:
        # Its text may quote SSM's answer; the name alone says what to check.
        raise ConfigError(
            f"cannot read the SSM parameter {name} (WARTA_SECRET_PARAMETER)"
        ) from None
    return check_secret(value, f"the SSM parameter {name}")


@cache
def current(*, makes_links: bool = True) -> App:
    aws = load_aws_settings(os.environ, makes_links=makes_links)
    settings = load_settings(os.environ, secret=read_secret(aws.secret_parameter))
    return build_aws(settings, aws)


@cache
def sources() -> dict[str, Source]:
    """The sources file bundled with the function (or WARTA_SOURCES), by id."""
    from warta.config.sources import load_sources  # only the steps that read sources

    return {s.id: s for s in load_sources(current().settings.sources_file)}


@cache
def web_app() -> WebApp:
    from warta.web.app import WebApp

    return WebApp(current(makes_links=False).subscriptions)


def reset() -> None:
    """Forget the App and the sources, as a new container would (tests change the environment)."""
    current.cache_clear()
    sources.cache_clear()
    web_app.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
