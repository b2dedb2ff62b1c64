"""CAP 1.2 messages of clarifications, validated against the OASIS schema (tests/fixtures/cap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from tests.builders import story, story_source

from warta.core.cap import (
    CAP_NAMESPACE,
    HEADLINE_LIMIT,
    MsgType,
    Reference,
    Status,
    cap_alert,
    cap_identifier,
)
from warta.core.model import Authority, Story

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "cap" / "CAP-v1.2-schema.xsd"
SENT = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)
SENDER = "warta@warta.example"
WEB = "https://warta.example/cerita/st-1/"
NS = {"cap": CAP_NAMESPACE}

CLARIFICATION = story(
    "st-1",
    region="35.71",
    urgent=True,
    title="[HOAKS] Video Kotak Suara Dibakar di Gudang KPU",
    summary=(
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
        "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
    ),
    sources=(
        story_source(),
        story_source("cekfakta", "Cek Fakta", authority=Authority.FACTCHECK, item_id="c1"),
    ),
)
FACT = "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def parsed(xml: bytes, schema: etree.XMLSchema) -> etree._Element:
    document = etree.fromstring(xml)
    schema.assertValid(document)
    return document


def text(document: etree._Element, path: str) -> str:
    found = document.findtext(path, namespaces=NS)
    assert found is not None, path
    return found


def test_a_clarification_is_a_valid_cap_alert_headed_by_its_fact(
    schema: etree.XMLSchema,
) -> None:
    document = parsed(
        cap_alert(CLARIFICATION, identifier="warta-st-1", sender=SENDER, sent=SENT, web=WEB),
        schema,
    )

    assert text(document, "cap:identifier") == "warta-st-1"
    assert text(document, "cap:sent") == "2024-02-14T10:00:00+07:00"
    assert (text(document, "cap:status"), text(document, "cap:msgType")) == ("Actual", "Alert")
    assert text(document, "cap:scope") == "Public"
    assert document.find("cap:references", NS) is None
    info = "cap:info/cap:"
    assert text(document, info + "language") == "id-ID"
    assert text(document, info + "category") == "Other"
    assert "Unknown" not in {
        text(document, info + name) for name in ("urgency", "severity", "certainty")
    }
    assert text(document, info + "expires") == "2024-02-17T10:00:00+07:00"  # 72 hours on
    assert text(document, info + "headline") == FACT
    description = text(document, info + "description")
    assert description.index(FACT) < description.index("Klaim yang beredar (HOAKS):")
    assert "Menurut sumber resmi: KPU RI." in description
    assert text(document, info + "web") == WEB
    assert text(document, info + "area/cap:areaDesc") == "Kota Kediri"
    assert text(document, info + "area/cap:geocode/cap:valueName") == "KEMENDAGRI"
    assert text(document, info + "area/cap:geocode/cap:value") == "35.71"


def test_an_update_references_the_messages_it_follows(schema: etree.XMLSchema) -> None:
    first = Reference(SENDER, "warta-st-1", SENT)
    second = Reference(SENDER, "warta-st-1-2", SENT + timedelta(hours=2))

    document = parsed(
        cap_alert(
            CLARIFICATION,
            identifier="warta-st-1-3",
            sender=SENDER,
            sent=SENT + timedelta(hours=3),
            web=WEB,
            msg_type=MsgType.UPDATE,
            references=(first, second),
            status=Status.TEST,
        ),
        schema,
    )

    assert text(document, "cap:msgType") == "Update"
    assert text(document, "cap:status") == "Test"
    assert text(document, "cap:references") == (
        "warta@warta.example,warta-st-1,2024-02-14T10:00:00+07:00 "
        "warta@warta.example,warta-st-1-2,2024-02-14T12:00:00+07:00"
    )


def test_an_update_or_cancel_without_references_is_refused() -> None:
    for kind in (MsgType.UPDATE, MsgType.CANCEL):
        with pytest.raises(ValueError, match="references"):
            cap_alert(
                CLARIFICATION, identifier="x", sender=SENDER, sent=SENT, web=WEB, msg_type=kind
            )


def test_a_national_clarification_covers_indonesia_without_a_geocode(
    schema: etree.XMLSchema,
) -> None:
    national = story("st-2", urgent=True, title="[SALAH] Pemilu Diundur", summary=FACT)

    document = parsed(
        cap_alert(national, identifier="warta-st-2", sender=SENDER, sent=SENT, web=WEB), schema
    )

    assert text(document, "cap:info/cap:area/cap:areaDesc") == "Indonesia"
    assert document.find("cap:info/cap:area/cap:geocode", NS) is None


def test_hostile_feed_text_stays_text_and_the_message_stays_valid(
    schema: etree.XMLSchema,
) -> None:
    hostile: Story = story(
        "st-3",
        urgent=True,
        title="[HOAKS] <script>alert(1)</script> ]]> &amp; \x00\x1b\ufffe",
        summary="KPU menegaskan </info><info> itu \x07tidak benar & palsu." + " kata" * 80,
    )

    xml = cap_alert(hostile, identifier="a b,c<d&e", sender="w a,r<t&a", sent=SENT, web=WEB)
    document = parsed(xml, schema)

    assert len(document.findall("cap:info", NS)) == 1
    assert text(document, "cap:identifier") == "a-b-c-d-e"
    assert text(document, "cap:sender") == "w-a-r-t-a"
    description = text(document, "cap:info/cap:description")
    assert "<script>alert(1)</script> ]]> &amp;" in description
    assert "\x00" not in description and "\x07" not in description
    headline = text(document, "cap:info/cap:headline")
    assert len(headline) < HEADLINE_LIMIT and headline.endswith("…")


def test_the_schema_refuses_what_cap_forbids(schema: etree.XMLSchema) -> None:
    # The check earns trust by failing: an alert without scope, and one whose urgency
    # is outside the list, are refused by the same schema.
    xml = cap_alert(CLARIFICATION, identifier="warta-st-1", sender=SENDER, sent=SENT, web=WEB)
    without_scope = etree.fromstring(xml)
    scope = without_scope.find("cap:scope", NS)
    assert scope is not None
    without_scope.remove(scope)
    bad_urgency = etree.fromstring(xml.replace(b">Immediate<", b">Segera<"))
    utc_sent = etree.fromstring(xml.replace(b"+07:00</sent>", b"Z</sent>"))

    for document in (without_scope, bad_urgency, utc_sent):
        assert not schema.validate(document)


def test_an_identifier_needs_something_left() -> None:
    with pytest.raises(ValueError, match="empty"):
        cap_identifier(" ,<& ")
