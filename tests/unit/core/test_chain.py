"""The alert chain's pure parts: what counts as an update, and its kept form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.builders import story, story_source
from tests.doubles import NOW

from warta.core.chain import (
    Chain,
    ChainMessage,
    Reason,
    Step,
    correction_notice,
    dropped_within_window,
    from_json,
    message_key,
    revised,
    to_json,
    widened,
)
from warta.core.model import Authority

CLARIFICATION = story(
    "st-1",
    region="35.71",
    urgent=True,
    title="KPU Kota Kediri Bantah Isu Kotak Suara Dibakar",
    summary=(
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
        "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
    ),
)


@pytest.mark.parametrize(
    ("before", "after", "wider"),
    [
        ("35.71", "national", True),
        ("35.71", "35", True),
        ("35.71.01", "35.71", True),
        ("35.71", "35.71", False),
        ("35", "35.71", False),  # narrower
        ("35.71", "35.06", False),  # elsewhere, not wider
        ("35.7", "35.71", False),  # a prefix of the code is not its parent
        ("national", "national", False),
        ("national", "35", False),
    ],
)
def test_a_region_widens_only_to_one_that_holds_it(before: str, after: str, wider: bool) -> None:
    assert widened(before, after) is wider


@pytest.mark.parametrize(
    ("title", "notice"),
    [
        ("[RALAT] KPU Kota Kediri Bantah Isu Kotak Suara Dibakar", True),
        ("Ralat: Jadwal Rekapitulasi Suara", True),
        ("Koreksi atas Siaran Pers Nomor 12", True),
        ("Pencabutan Siaran Pers tentang Kotak Suara", True),
        ("KPU Kota Kediri [Dikoreksi] ...", False),
        ("Cek Fakta: Video Kotak Suara Dibakar", False),
        ("KPU Koreksi Data Pemilih Ganda di 12 Kecamatan", False),  # news about correcting data
        ("[HOAKS] Video Kotak Suara Dibakar", False),
    ],
)
def test_a_correction_notice_is_told_by_its_title(title: str, notice: bool) -> None:
    assert correction_notice(title) is notice


def test_a_typo_fixed_at_the_source_is_no_update() -> None:
    typo = CLARIFICATION.summary.replace("dijaga aparat", "dijaga aparat.")
    assert not revised(CLARIFICATION, CLARIFICATION.title, typo)


def test_a_new_fact_is_an_update() -> None:
    summary = (
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
        "Polisi memastikan video itu direkam di Filipina pada 2019, bukan di Kediri."
    )
    assert revised(CLARIFICATION, CLARIFICATION.title, summary)


def test_a_new_verdict_is_an_update() -> None:
    assert revised(
        CLARIFICATION,
        "[MENYESATKAN] Video Kotak Suara Dibakar",
        CLARIFICATION.summary,
    )


def test_an_item_gone_while_older_ones_are_listed_left_before_its_time() -> None:
    listed = [NOW - timedelta(hours=h) for h in (1, 5, 30)]
    assert dropped_within_window(NOW - timedelta(hours=2), listed)
    # Older than everything the feed lists now: it scrolled off the end.
    assert not dropped_within_window(NOW - timedelta(hours=40), listed)
    assert not dropped_within_window(NOW, [])


def test_a_message_reads_back_as_it_was_kept() -> None:
    confirmed = story(
        "st-1",
        region="national",
        urgent=True,
        title='Judul <b>& "kutipan"</b> 🗳',
        sources=(story_source(), story_source("cek", "Cek Fakta", authority=Authority.FACTCHECK)),
        text="Teks pertama.",
    )
    message = ChainMessage(
        3, Step.UPDATE, NOW, confirmed, (Reason.CONFIRMED, Reason.WIDENED), "join:b", "Cek Fakta"
    )

    assert from_json(3, to_json(message)) == message


@pytest.mark.parametrize("text", ["{}", "[]", '{"step": "alert"}', '{"step": "nope", "at": 1}'])
def test_a_line_that_is_no_message_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"chain message|not a valid"):
        from_json(0, text)


def test_a_chain_is_open_until_it_expires_or_is_cancelled() -> None:
    alert = ChainMessage(0, Step.ALERT, NOW, CLARIFICATION, cause="alert")
    cancel = ChainMessage(1, Step.CANCEL, NOW, CLARIFICATION, (Reason.WITHDRAWN,), "gone:a")
    chain = Chain("st-1", (alert,))

    assert chain.open(NOW + timedelta(hours=71, minutes=59))
    assert not chain.open(NOW + timedelta(hours=72))
    assert chain.open(NOW + timedelta(hours=80), lifetime=timedelta(hours=96))
    assert not Chain("st-1", (alert, cancel)).open(NOW)
    assert not Chain("st-1").open(NOW)


def test_the_alert_keeps_its_ledger_key_and_each_later_message_has_its_own() -> None:
    assert message_key("st-1", 0) == "st-1"
    assert message_key("st-1", 2) == "st-1:2"
