"""How messages go on the wire, shared by every Mailer."""

from __future__ import annotations

from email.policy import SMTP

WIRE_POLICY = SMTP.clone(max_line_length=998)
"""How every mailer serializes: CRLF, and headers folded only past RFC 5322's hard limit.

At the usual 78 columns an unsubscribe link, one unbreakable token, would be
pushed onto a continuation line of its own, and some receivers then read the
header's value with a leading space and fail to parse the link.
"""
