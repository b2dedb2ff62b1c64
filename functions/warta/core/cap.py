"""A clarification as a CAP 1.2 alert message (OASIS Common Alerting Protocol).

Aggregators and public-alert systems read CAP; a clarification is written as
one alert whose headline is the fact, not the claim. The message is built with
the standard library's ElementTree, which escapes every text it is given, so
text from a feed stays text; characters XML 1.0 cannot carry at all (control
characters, lone surrogates) are dropped first.

A pure function: the same story, times and links give the same bytes. Message
types Update and Cancel, which name the messages they follow in `references`,
are written the same way; choosing when to send them is the alert lifecycle's.

Values fixed for every clarification, never "Unknown":
- category Other: CAP has no category for information integrity;
- urgency Immediate: the correction is to be passed on now, while the claim spreads;
- severity Minor: a false claim harms trust, not life or property;
- certainty Observed: an official body or a fact-checker has stated the fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from xml.etree import ElementTree

from warta.core.days import JAKARTA
from warta.core.model import NATIONAL, Story
from warta.core.regions import region_name
from warta.core.text.claims import check_story

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
LANGUAGE = "id-ID"
EVENT = "Klarifikasi hoaks pemilu"
GEOCODE_NAME = "KEMENDAGRI"
"""valueName of the area's geocode: the region's Kemendagri code (core/data/regions.tsv)."""
DEFAULT_LIFETIME = timedelta(hours=72)
"""How long a clarification alert stands unless told otherwise (its `expires`)."""
HEADLINE_LIMIT = 160
"""CAP 1.2 asks for headlines of fewer than 160 characters (3.2.2, headline)."""

# XML 1.0 Char: tab, newline, carriage return and U+0020 upwards, less surrogates and
# U+FFFE/U+FFFF. Anything else makes a document no parser accepts.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# CAP 1.2 3.2.1: identifier and sender must not include spaces, commas or < and &.
_NOT_IDENTIFIER = re.compile(r"[\s,<&]+")


class Status(StrEnum):
    ACTUAL = "Actual"
    TEST = "Test"
    """For the demo and tests: receivers process it but take no action."""


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


@dataclass(frozen=True, slots=True)
class Reference:
    """An earlier message of the same chain, as `references` names it."""

    sender: str
    identifier: str
    sent: datetime


def cap_time(moment: datetime) -> str:
    """'2024-02-14T10:00:00+07:00': CAP's dateTime, with an offset and no 'Z' (3.3.2)."""
    if moment.tzinfo is None:
        raise ValueError("CAP times need a time zone")
    return moment.astimezone(JAKARTA).replace(microsecond=0).isoformat()


def cap_identifier(text: str) -> str:
    """`text` made fit for an identifier or sender: no spaces, commas, < or &."""
    cleaned = _NOT_IDENTIFIER.sub("-", _xml_text(text)).strip("-")
    if not cleaned:
        raise ValueError("an empty CAP identifier")
    return cleaned


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _headline(fact: str) -> str:
    if len(fact) < HEADLINE_LIMIT:
        return fact
    cut = fact[: HEADLINE_LIMIT - 2].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def cap_alert(
    story: Story,
    *,
    identifier: str,
    sender: str,
    sent: datetime,
    web: str,
    status: Status = Status.ACTUAL,
    msg_type: MsgType = MsgType.ALERT,
    references: Sequence[Reference] = (),
    expires: datetime | None = None,
    sender_name: str = "Warta Pemilu",
    note: str | None = None,
    instruction: str | None = None,
) -> bytes:
    """The CAP 1.2 <alert> of a clarification story, as UTF-8 XML with its declaration.

    `web` is where the clarification is explained (its archive page, else its
    source); `references` name the earlier messages an Update or Cancel follows;
    `note`, what an Update or Cancel changes, opens the description; `instruction`
    replaces the one that asks to pass the fact on (a Cancel asks the opposite).
    """
    if msg_type is not MsgType.ALERT and not references:
        raise ValueError(f"a CAP {msg_type.value} references the messages it follows")
    checked = check_story(story)
    fact = _xml_text(checked.fact)
    sources = "; ".join(f"{s.name}: {s.url}" for s in story.sources)
    description = [f"{checked.verdict.label}. Fakta: {fact}"]
    if note:
        description.insert(0, _xml_text(note))
    if checked.claim:
        description.append(f"Klaim yang beredar ({checked.verdict.label}): {checked.claim}")
    description.append(f"Menurut {checked.speaker_label.lower()}: {checked.speaker_names}.")
    if sources:
        description.append(f"Sumber: {sources}")

    ElementTree.register_namespace("", CAP_NAMESPACE)
    alert = ElementTree.Element(f"{{{CAP_NAMESPACE}}}alert")

    def add(parent: ElementTree.Element, name: str, text: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{CAP_NAMESPACE}}}{name}")
        element.text = _xml_text(text)
        return element

    add(alert, "identifier", cap_identifier(identifier))
    add(alert, "sender", cap_identifier(sender))
    add(alert, "sent", cap_time(sent))
    add(alert, "status", status.value)
    add(alert, "msgType", msg_type.value)
    add(alert, "scope", "Public")
    if references:
        add(
            alert,
            "references",
            " ".join(
                f"{cap_identifier(r.sender)},{cap_identifier(r.identifier)},{cap_time(r.sent)}"
                for r in references
            ),
        )
    info = ElementTree.SubElement(alert, f"{{{CAP_NAMESPACE}}}info")
    add(info, "language", LANGUAGE)
    add(info, "category", "Other")
    add(info, "event", EVENT)
    add(info, "urgency", "Immediate")
    add(info, "severity", "Minor")
    add(info, "certainty", "Observed")
    add(info, "expires", cap_time(expires or sent + DEFAULT_LIFETIME))
    add(info, "senderName", sender_name)
    add(info, "headline", _headline(fact))
    add(info, "description", "\n".join(description))
    add(
        info,
        "instruction",
        instruction
        or "Bagikan faktanya bersama tautan sumber resminya. Jangan meneruskan klaim yang "
        f"beredar tanpa keterangan bahwa klaim itu {checked.verdict.phrase}.",
    )
    add(info, "web", web)
    area = ElementTree.SubElement(info, f"{{{CAP_NAMESPACE}}}area")
    add(area, "areaDesc", "Indonesia" if story.region == NATIONAL else region_name(story.region))
    if story.region != NATIONAL:
        geocode = ElementTree.SubElement(area, f"{{{CAP_NAMESPACE}}}geocode")
        add(geocode, "valueName", GEOCODE_NAME)
        add(geocode, "value", story.region)
    return bytes(ElementTree.tostring(alert, encoding="utf-8", xml_declaration=True))
