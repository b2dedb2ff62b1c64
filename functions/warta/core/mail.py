"""How messages go on the wire, shared by every Mailer."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP, default
from email.utils import getaddresses

WIRE_POLICY = SMTP.clone(max_line_length=998)
"""How every mailer serializes: CRLF, and headers folded only past RFC 5322's hard limit.

At the usual 78 columns an unsubscribe link, one unbreakable token, would be
pushed onto a continuation line of its own, and some receivers then read the
header's value with a leading space and fail to parse the link.
"""


def read_headers(data: bytes) -> EmailMessage:
    """The header block of a message as it goes on the wire, parsed; the body is not read.

    For the mailers that take finished bytes and need a header or two of them
    (the Message-ID, the sender): the standard library's parser, never a search.
    """
    head, _, _ = data.partition(b"\r\n\r\n")
    return BytesHeaderParser(policy=default).parsebytes(head + b"\r\n\r\n")


def recipients(headers: EmailMessage) -> list[str]:
    """The addresses of the To, Cc and Bcc headers, as smtplib.send_message reads them."""
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in headers.get_all(name, [])]
    return [address for _, address in getaddresses(fields) if address]
