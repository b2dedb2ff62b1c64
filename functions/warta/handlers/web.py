"""Lambda Function URL: the unsubscribe pages (warta.web.app.WebApp) on AWS."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from warta.handlers import _app
from warta.handlers._observe import logger
from warta.handlers._wsgi import respond


# No event logging and no path keys beyond the path: the query string carries
# the signed token and the recipient's id.
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return respond(_app.web_app(), event)
