"""SesSuppressionList: the SES account's suppression list, and its refusals as Warta's errors.

moto (5.2) has no PutSuppressedDestination: against its server the call is refused,
which is also what an account that does not let the function add addresses looks
like; botocore's Stubber checks the request SES would get.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from tests.doubles import MotoAccount

from warta.adapters.ses_suppression import SesSuppressionList
from warta.core.errors import SendError

ADDRESS = "tidak.ada@warga.example"


def stubbed() -> tuple[SesSuppressionList, Stubber]:
    client = boto3.client(
        "sesv2",
        region_name="ap-southeast-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - never sent: the stubber answers
    )
    return SesSuppressionList(client), Stubber(client)


@pytest.mark.parametrize(("complaint", "reason"), [(False, "BOUNCE"), (True, "COMPLAINT")])
def test_an_address_goes_on_the_list_with_its_reason(complaint: bool, reason: str) -> None:
    suppression, stub = stubbed()
    stub.add_response("put_suppressed_destination", {}, {"EmailAddress": ADDRESS, "Reason": reason})

    with stub:
        suppression.suppress(ADDRESS, complaint=complaint)

    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status", "temporary"),
    [
        ("TooManyRequestsException", 429, True),
        ("BadRequestException", 400, False),
        ("AccessDeniedException", 403, False),
    ],
)
def test_a_refusal_names_its_code_never_the_address(
    code: str, status: int, temporary: bool
) -> None:
    suppression, stub = stubbed()
    stub.add_client_error(
        "put_suppressed_destination",
        service_error_code=code,
        service_message=f"{ADDRESS} cannot be added",
        http_status_code=status,
    )

    with stub, pytest.raises(SendError) as raised:
        suppression.suppress(ADDRESS, complaint=False)

    assert code in str(raised.value) and ADDRESS not in str(raised.value)
    assert raised.value.temporary is temporary
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_ses_without_the_call_refuses_it_as_an_error_of_warta(
    moto_account: MotoAccount,
) -> None:
    suppression = SesSuppressionList(moto_account.client("sesv2"))

    with pytest.raises(SendError, match="suppression list") as raised:
        suppression.suppress(ADDRESS, complaint=True)

    assert ADDRESS not in str(raised.value)
