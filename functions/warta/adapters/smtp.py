"""SMTP mailer: hands messages to a mail server, for self-hosted installs.

One connection per send() or send_raw(). The ledger sends one message at a time, and a
fresh connection keeps no state between calls: no connection gone stale while
a digest batch renders (relays drop idle clients after a few minutes), no
relay's per-connection message limit to count, no close() the Mailer port does
not have, and no reconnect-and-resend path that could send a subscriber the
same digest twice. It costs a TCP, TLS and AUTH handshake per message: a few
milliseconds on loopback, a few round trips over a network.

send() returns the message's own Message-ID. smtplib's sendmail() does not
hand back the server's final reply, and a "queued as X" id only means
something in that one server's logs, while the Message-ID is what bounces
and complaints quote back, whichever relay carried the message.

Errors become SendError with "permanent" (a 5xx answer, a refused TLS
certificate, a server without STARTTLS) or "temporary" (4xx, network,
timeouts) in the message. Server replies often echo the address they refuse,
so a SendError carries only the reply code and its enhanced status code,
never the reply's text, and is raised without the smtplib exception chained.
smtplib's debug output is never switched on: it prints the addresses and the
AUTH exchange.
"""

from __future__ import annotations

import copy
import logging
import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal

from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY, read_headers
from warta.core.mail import recipients as header_recipients

logger = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "tls", "none")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""The only hosts plain SMTP may talk to: credentials never cross a network in clear."""

_ENHANCED_STATUS = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


def _failure(text: str) -> SendError:
    """A SendError whose text starts with "temporary" or "permanent", flagged to match."""
    return SendError(text, temporary=text.startswith("temporary"))


def _reply(code: int, text: bytes | str) -> str:
    """The reply's code and enhanced status (RFC 3463): never its free text."""
    raw = text.encode("utf-8", "replace") if isinstance(text, str) else text
    found = _ENHANCED_STATUS.match(raw)
    return f"{code} {found.group(1).decode()}" if found else str(code)


_REFUSALS: tuple[tuple[type[smtplib.SMTPResponseException], str], ...] = (
    (smtplib.SMTPConnectError, "refused the connection"),
    (smtplib.SMTPHeloError, "refused the greeting"),
    (smtplib.SMTPAuthenticationError, "refused the login"),
    (smtplib.SMTPSenderRefused, "refused the sender"),
    (smtplib.SMTPDataError, "refused the message"),
)


def _refusal(exc: smtplib.SMTPResponseException) -> str:
    return next((what for kind, what in _REFUSALS if isinstance(exc, kind)), "answered")


def _lasting(code: int) -> str:
    return "permanent" if 500 <= code < 600 else "temporary"


class SmtpMailer:
    """Implements the Mailer port over SMTP with the standard library's smtplib."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        local_hostname: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        if security == "none" and host not in LOOPBACK_HOSTS:
            raise ValueError("security='none' is only allowed to a loopback host")
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self._local_hostname = local_hostname
        # Verifies the server's certificate and hostname against the system's CAs.
        self._tls_context = tls_context or ssl.create_default_context()

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"authenticated={self.username is not None})"
        )

    def send(self, message: EmailMessage) -> str:
        message_id = message["Message-ID"]
        if not message_id:
            raise _failure("permanent: message has no Message-ID")
        sender, recipients = _envelope(message)
        if "Bcc" in message:
            # Bcc names recipients the others must not see: it rides the envelope only.
            message = copy.copy(message)
            del message["Bcc"]
        return self._hand_over(sender, recipients, message.as_bytes(policy=WIRE_POLICY), message_id)

    def send_raw(self, recipient: str, data: bytes) -> str:
        """Send finished bytes to `recipient` alone (the envelope's only recipient)."""
        headers = read_headers(data)
        message_id = headers["Message-ID"]
        if not message_id:
            raise _failure("permanent: message has no Message-ID")
        if "Bcc" in headers:
            raise _failure("permanent: a message on the wire must not carry a Bcc header")
        return self._hand_over(_sender(headers), [recipient], data, message_id)

    def _hand_over(self, sender: str, recipients: list[str], data: bytes, message_id: str) -> str:
        try:
            refused = self._deliver(sender, recipients, data)
        except SendError:
            raise
        except UnicodeEncodeError:
            raise _failure(
                "permanent: an envelope address is not ASCII, which SMTP without SMTPUTF8 cannot carry"
            ) from None
        if refused:
            # The others have the message: raising would make a retry send it to them twice.
            logger.warning(
                "SMTP server refused some recipients",
                extra={"refused": len(refused), "recipients": len(recipients)},
            )
        return str(message_id)

    def _deliver(
        self, sender: str, recipients: list[str], data: bytes
    ) -> dict[str, tuple[int, bytes]]:
        smtp: smtplib.SMTP | None = None
        answering = True
        try:
            smtp = self._connect()
            return self._transfer(smtp, sender, recipients, data)
        except (smtplib.SMTPException, OSError) as exc:
            answering = not _gone_quiet(exc)
            failure, cause = self._translate(exc)
            raise failure from cause
        finally:
            if smtp is not None and answering:
                _quit_quietly(smtp)
            elif smtp is not None:
                # QUIT would wait out the timeout again on a server that stopped answering.
                smtp.close()

    def _transfer(
        self, smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
    ) -> dict[str, tuple[int, bytes]]:
        """Greet, secure, log in and hand the message over; the refused recipients."""
        smtp.ehlo()
        if self.security == "starttls":
            # No fallback to plain text: without STARTTLS nothing is sent.
            smtp.starttls(context=self._tls_context)
            smtp.ehlo()
        if self.username is not None and self._password is not None:
            smtp.login(self.username, self._password)
        options = []
        if any(byte > 0x7F for byte in data) and smtp.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        return smtp.sendmail(sender, recipients, data, options)

    def _translate(self, exc: OSError) -> tuple[SendError, OSError | None]:
        """The SendError for what smtplib, TLS or the network raised, and the exception
        to chain to it: none where its text may quote the server's reply."""
        where = f"SMTP server {self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPException):
            return _smtp_failure(exc, where), None
        if isinstance(exc, ssl.SSLCertVerificationError):
            return _failure(
                f"permanent: {where} has a TLS certificate we do not trust: {exc.verify_message}"
            ), None
        if isinstance(exc, ssl.SSLError):
            return _failure(f"temporary: TLS with {where} failed: {exc.reason}"), exc
        if isinstance(exc, TimeoutError):
            return _failure(f"temporary: {where} timed out after {self.timeout:g} s"), exc
        detail = exc.strerror or type(exc).__name__
        return _failure(f"temporary: cannot reach {where}: {detail}"), exc

    def _connect(self) -> smtplib.SMTP:
        """Connect and read the greeting; smtplib closes the socket itself if either fails."""
        if self._local_hostname is None:
            # smtplib would look the name up on every connection; it does not change.
            self._local_hostname = socket.getfqdn()
        # The host goes to the constructor: it is the name TLS checks the certificate against.
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._tls_context,
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )


def _envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """Envelope sender and recipients from the headers, as smtplib.send_message picks them."""
    sender, recipients = _sender(message), header_recipients(message)
    if not recipients:
        raise _failure("permanent: message has no recipient")
    return sender, recipients


def _sender(message: EmailMessage) -> str:
    """The envelope sender: the Sender header's address, else the From header's."""
    senders = getaddresses([str(message.get("Sender") or message.get("From") or "")])
    sender = senders[0][1] if senders else ""
    if not sender:
        raise _failure("permanent: message has no From address")
    return sender


def _smtp_failure(exc: smtplib.SMTPException, where: str) -> SendError:
    """The SendError for an SMTP-level failure: the reply's codes, never its text."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (550, b""))
        return _failure(f"{_lasting(code)}: {where} refused the recipient ({_reply(code, reply)})")
    if isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, exc.smtp_error
        return _failure(f"{_lasting(code)}: {where} {_refusal(exc)} ({_reply(code, text)})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # STARTTLS or AUTH not offered: a setting to fix, not a moment to wait out.
        return _failure(f"permanent: {where}: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib reports a read or write timeout after connecting as a disconnection.
        return _failure(f"temporary: {where} stopped answering ({exc})")
    return _failure(f"permanent: {where}: {type(exc).__name__}")


def _gone_quiet(exc: OSError) -> bool:
    """True when the server stopped answering, or TLS or the network failed under it."""
    return not isinstance(exc, smtplib.SMTPException) or isinstance(
        exc, smtplib.SMTPServerDisconnected
    )


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The message is accepted or the send already failed: QUIT's answer changes neither.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
