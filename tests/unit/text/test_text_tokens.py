from __future__ import annotations

import pytest
import stopwordsiso

from warta.core.text.tokens import content_words, stopwords, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("KPU Tetapkan DPT", ["kpu", "tetapkan", "dpt"], id="lower-cases"),
        pytest.param("ada 214.236 pemilih", ["ada", "214.236", "pemilih"], id="number-whole"),
        pytest.param(
            "1.252.601 dan 3,5 pukul 09.30.",
            ["1.252.601", "dan", "3,5", "pukul", "09.30"],
            id="separators-and-trailing-period",
        ),
        pytest.param("masing-masing Jum'at", ["masing-masing", "jum'at"], id="hyphen-apostrophe"),
        pytest.param(
            "Rp400 triliun, Covid-19!",
            ["rp", "400", "triliun", "covid", "19"],
            id="splits-letters-from-digits",
        ),
        pytest.param("\ufffd[HOAKS]\ufffd", ["hoaks"], id="drops-punctuation-and-mojibake"),
        pytest.param("", [], id="empty"),
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    "word", ["yang", "dan", "di", "ke", "dari", "bahwa", "ujarnya", "tersebut"]
)
def test_common_function_words_are_stopwords(word: str) -> None:
    assert word in stopwords()


@pytest.mark.parametrize("word", ["pemilu", "kpu", "bawaslu", "suara", "hoaks", "kampanye"])
def test_topic_words_are_not_stopwords(word: str) -> None:
    assert word not in stopwords()


def test_stopwords_are_the_iso_list_plus_words_of_news_prose() -> None:
    # The list moved from a hand-written file to the stopwords-iso package plus
    # Warta's additions, so its size is the package's (758) and more.
    assert frozenset(stopwordsiso.stopwords("id")) <= stopwords()
    assert {"senin", "imbuh", "ribu", "kemarin"} <= stopwords()


def test_content_words_drop_stopwords_and_single_letters_but_keep_numbers() -> None:
    text = "Ketua KPU mengatakan bahwa DPT sebanyak 214.236 pemilih, ujar A di sana."
    assert content_words(text) == ["ketua", "kpu", "dpt", "214.236", "pemilih"]
