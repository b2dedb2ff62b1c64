"""Claim, verdict and fact of a clarification, and who states the fact.

A clarification rebuts something that circulates. A message about it must lead
with what is true, not repeat the false claim as a headline, so the three are
read apart: the claim as it circulated (a fact-checker's labelled title, or the
sentence of the text that reports it: "Beredar kabar bahwa ..."), the verdict
normalized to six kinds (Verdict), and the fact: the sentence in which the body
or the checker states what is true. Rules over data/claims.txt, which documents
each step and the verdict mapping; the title handling reuses the clarification
rules (labels, numbering, column names) of classify.py.

Extraction is pure and deterministic: the same story always reads the same, so
messages, archive pages and feeds rendered at different times agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from warta.core.model import Authority, Story, StorySource
from warta.core.text._data import data_sections
from warta.core.text.classify import (
    _BRACKETED,
    _clarification_rules,
    _normalize_title,
    _squash,
    _strip_prefixes,
)
from warta.core.text.split import split_sentences


class Verdict(StrEnum):
    """The verdicts clarifications give, normalized (data/claims.txt maps the words)."""

    HOAKS = "HOAKS"
    SALAH = "SALAH"
    MENYESATKAN = "MENYESATKAN"
    MANIPULASI = "MANIPULASI"
    KONTEKS_KELIRU = "KONTEKS_KELIRU"
    PENIPUAN = "PENIPUAN"

    @property
    def label(self) -> str:
        """The verdict as a reader sees it: 'HOAKS', 'KONTEKS KELIRU'."""
        return self.value.replace("_", " ")

    @property
    def phrase(self) -> str:
        """What the claim is, in a sentence: 'informasi itu {phrase}'."""
        return _PHRASES[self]

    @property
    def rating(self) -> int:
        """ClaimReview ratingValue on a scale of 1 (false) to 5 (true)."""
        return 2 if self in (Verdict.MENYESATKAN, Verdict.KONTEKS_KELIRU) else 1


_PHRASES = {
    Verdict.HOAKS: "hoaks",
    Verdict.SALAH: "tidak benar",
    Verdict.MENYESATKAN: "menyesatkan",
    Verdict.MANIPULASI: "hasil manipulasi",
    Verdict.KONTEKS_KELIRU: "keliru konteksnya",
    Verdict.PENIPUAN: "penipuan",
}

DEFAULT_VERDICT = Verdict.SALAH
"""A rebuttal that names no verdict ("KPU Bantah Isu ...") says the claim is not true."""

MAX_CLAIM = 240
"""Characters of a claim shown; a longer one is cut on a word."""

_LEAD_SENTENCES = 8
"""Sentences of the text read: a clarification states claim and fact up front."""


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """What a clarification says: each part None when the text does not give it."""

    verdict: Verdict
    claim: str | None
    fact: str | None


# -- the rules ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rules:
    order: tuple[Verdict, ...]
    labels: dict[str, Verdict]
    cues: dict[Verdict, tuple[re.Pattern[str], ...]]
    leading_label: re.Pattern[str]
    title_states_fact: tuple[re.Pattern[str], ...]
    title_tail: tuple[re.Pattern[str], ...]
    circulates: tuple[re.Pattern[str], ...]
    claim_marker: tuple[re.Pattern[str], ...]
    say: re.Pattern[str]
    claim_lead: tuple[re.Pattern[str], ...]
    claim_end: tuple[re.Pattern[str], ...]
    title_claim: tuple[re.Pattern[str], ...]
    fact_marker: tuple[re.Pattern[str], ...]
    verdict_only: tuple[re.Pattern[str], ...]
    states: tuple[re.Pattern[str], ...]
    not_fact: tuple[re.Pattern[str], ...]


_PLACEHOLDER = re.compile(r"\{(claim|body|say)\}")


def _verdict_of(section: str) -> Verdict:
    return Verdict(section.split("-", 1)[1].upper().replace("-", "_"))


@cache
def _rules() -> _Rules:
    sections = data_sections("claims.txt")
    shared = data_sections("clarification.txt")
    vocabularies = {
        "claim": "(?:" + "|".join(shared.get("claim", ())) + ")",
        "body": "(?:" + "|".join(shared.get("body", ())) + ")",
        "say": "(?:" + "|".join(sections.get("say", ())) + ")",
    }

    def compiled(name: str) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile(_PLACEHOLDER.sub(lambda m: vocabularies[m.group(1)], p), re.IGNORECASE)
            for p in sections.get(name, ())
        )

    labels: dict[str, Verdict] = {}
    words: list[str] = []
    for name, lines in sections.items():
        if name.startswith("label-"):
            for line in lines:
                labels[_squash(line)] = _verdict_of(name)
                words.append(r"\s+".join(map(re.escape, line.split())))
    # A label opening the title, followed by ! , or : ("Keliru, ...", "Hoaks! ...").
    leading = re.compile(
        r"^\W*(" + "|".join(sorted(words, key=len, reverse=True)) + r")\s*[!,:]", re.IGNORECASE
    )
    order = tuple(Verdict(line.upper().replace("-", "_")) for line in sections.get("order", ()))
    cues = {
        verdict: compiled("cue-" + verdict.value.lower().replace("_", "-")) for verdict in order
    }
    return _Rules(
        order=order,
        labels=labels,
        cues=cues,
        leading_label=leading,
        title_states_fact=compiled("title-states-fact"),
        title_tail=compiled("title-tail"),
        circulates=compiled("circulates"),
        claim_marker=compiled("claim-marker"),
        say=re.compile(r"\b" + vocabularies["say"] + r"\s*$", re.IGNORECASE),
        claim_lead=compiled("claim-lead"),
        claim_end=compiled("claim-end"),
        title_claim=compiled("title-claim"),
        fact_marker=compiled("fact-marker"),
        verdict_only=compiled("verdict-only"),
        states=(re.compile(r"\b" + vocabularies["say"] + r"\b", re.IGNORECASE),),
        not_fact=compiled("not-fact"),
    )


def _any(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


# -- the title ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Title:
    rest: str
    """The title without numbering, column name and verdict labels."""
    labelled: bool
    """A fact-checker's title: a label or a fact-check column."""
    verdict: Verdict | None
    """The verdict its label gives."""
    states_fact: bool
    """The rest states the correction ("[KLARIFIKASI] ... Bukan ..."), not the claim."""


def _read_title(title: str) -> _Title:
    rules = _rules()
    clean = _normalize_title(title)
    verdict: Verdict | None = None
    labelled = False
    clarification_label = False
    for match in _BRACKETED.finditer(clean):
        key = _squash(match.group(1))
        if key in rules.labels or key == "KLARIFIKASI":
            labelled = True
            clarification_label = clarification_label or key == "KLARIFIKASI"
            verdict = verdict or rules.labels.get(key)
    clean = _BRACKETED.sub(
        lambda m: (
            " "
            if _squash(m.group(1)) in rules.labels or _squash(m.group(1)) == "KLARIFIKASI"
            else m.group(0)
        ),
        clean,
    )
    rest, column = _strip_prefixes(" ".join(clean.split()), _clarification_rules())
    labelled = labelled or column
    leading = rules.leading_label.match(rest)
    if leading:
        labelled = True
        verdict = verdict or rules.labels.get(_squash(leading.group(1)))
        rest = rest[leading.end() :]
    elif column:
        # "Cek Fakta: Tidak Benar Link ..." puts its verdict first without punctuation.
        for candidate in rules.order:
            for cue in rules.cues[candidate]:
                opening = re.match(r"^\W*(?:" + cue.pattern + r")\s+", rest, re.IGNORECASE)
                if opening:
                    verdict = verdict or candidate
                    rest = rest[opening.end() :]
                    break
    rest = rest.strip(" -–—:|,")
    states_fact = clarification_label or _any(rules.title_states_fact, rest)
    return _Title(rest, labelled, verdict, states_fact)


def _cut_tail(claim: str) -> str:
    for tail in _rules().title_tail:
        claim = tail.sub("", claim)
    return claim


# -- the claim ---------------------------------------------------------------------------


def _claim_in(sentence: str) -> str | None:
    """The claim a sentence reports as circulating, or None if it reports none.

    The sentence says that something circulates ("beredar", "viral"), or names a
    claim and what it says ("Pesan berantai menyebut ...", "KPU membantah kabar
    yang menyebut ..."); the claim starts after that marker, else after the words
    that open the sentence.
    """
    rules = _rules()
    spreads, nouns = rules.circulates[0], rules.circulates[1:]
    start: int | None = None
    for marker in rules.claim_marker:
        for found in marker.finditer(sentence):
            before = sentence[: found.start()]
            if rules.say.search(before):
                continue  # "DKPP meluruskan bahwa ...": the fact follows, not the claim
            if spreads.search(before) or _any(nouns, before):
                if start is None or found.end() < start:
                    start = found.end()
                break
    if start is None and not spreads.search(sentence):
        return None
    claim = sentence[start or 0 :].strip()
    if start is None:
        for lead in rules.claim_lead:
            claim = lead.sub("", claim, count=1).strip()
    if start is not None or not re.match(
        r"^\W*(?:di\s+\S+\s+\S+\s+)?(?:beredar|viral)\b", sentence, re.IGNORECASE
    ):
        for end in rules.claim_end:
            claim = end.sub("", claim).strip()
    claim = claim.rstrip(" .!,;:")
    return claim or None


def _states(sentence: str) -> bool:
    """Whether a sentence states the fact: a fact marker, or a body saying something."""
    rules = _rules()
    return _any(rules.fact_marker, sentence) or _any(rules.states, sentence)


def _text_claim(sentences: list[str]) -> tuple[str | None, int | None]:
    for n, sentence in enumerate(sentences[:4]):
        if _any(_rules().fact_marker, sentence):
            continue
        claim = _claim_in(sentence)
        if claim and len(claim.split()) >= 3:
            return claim, n
    return None, None


def _title_claim(rest: str) -> str | None:
    for pattern in _rules().title_claim:
        found = pattern.search(rest)
        if found:
            claim = found.group("claim").strip(" ,.:!?")
            if len(claim.split()) >= 2:
                return claim
    return None


def _short(text: str, limit: int = MAX_CLAIM) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


# -- the verdict -------------------------------------------------------------------------


def _cue_verdict(text: str) -> Verdict | None:
    rules = _rules()
    for verdict in rules.order:
        if _any(rules.cues[verdict], text):
            return verdict
    return None


# -- the fact ----------------------------------------------------------------------------


def _fact(sentences: list[str], claim_at: int | None) -> str | None:
    rules = _rules()
    candidates = [
        s
        for n, s in enumerate(sentences)
        if n != claim_at and not _any(rules.not_fact, s) and len(s.split()) >= 3
    ]
    if claim_at is not None:
        # What comes before the claim is the story's setting, rarely its correction.
        after = [s for s in sentences[claim_at + 1 :] if s in candidates]
        candidates = after + [s for s in candidates if s not in after]
    for sentence in candidates:
        if _any(rules.fact_marker, sentence) and not _any(rules.verdict_only, sentence):
            return sentence
    plain = [s for s in candidates if not _any(rules.verdict_only, s) and _claim_in(s) is None]
    if claim_at is None:
        # No sentence was found to report the claim, so the first one may well do so in
        # words the rules miss: a sentence in which someone states something comes first,
        # for a message never to lead with the claim as if it were the fact.
        plain = [s for s in plain if _states(s)] + [s for s in plain if not _states(s)]
    if plain:
        return plain[0]
    return candidates[0] if candidates else None


# -- reading a clarification -------------------------------------------------------------


def check_claim(title: str, summary: str = "", text: str = "") -> ClaimCheck:
    """The claim, verdict and fact of a clarification with this title, summary and text.

    The text is read from its start (the lead); without a text, the summary.
    """
    sentences = split_sentences(text or summary)[:_LEAD_SENTENCES]
    head = _read_title(title)
    text_claim, claim_at = _text_claim(sentences)
    if claim_at is None and head.labelled and sentences and not _states(sentences[0]):
        # A fact-check opens with the claim it checks, even one it does not say circulates.
        claim_at = 0
    claim: str | None
    if head.labelled and not head.states_fact:
        claim = _cut_tail(head.rest) or text_claim
    else:
        claim = text_claim or _title_claim(head.rest)
    verdict = head.verdict or _cue_verdict(head.rest)
    if verdict is None:
        # The claim's own sentence may repeat a verdict word of the claim ("pesan palsu ...").
        judged = " ".join(s for n, s in enumerate(sentences) if n != claim_at)
        verdict = _cue_verdict(judged) or DEFAULT_VERDICT
    fact = _fact(sentences, claim_at)
    if claim:
        claim = _short(claim[0].upper() + claim[1:])
    return ClaimCheck(verdict, claim, fact)


# -- who says so -------------------------------------------------------------------------

OFFICIAL_BODIES = frozenset(
    {
        Authority.KPU,
        Authority.BAWASLU,
        Authority.DKPP,
        Authority.KEMENDAGRI,
        Authority.KOMDIGI,
        Authority.PEMDA,
    }
)
"""Election bodies and government: the only sources a message calls "Sumber resmi"."""

SPEAKER_LABELS = {
    "official": "Sumber resmi",
    "factcheck": "Pemeriksa fakta",
    "media": "Media",
}


def speaker_kind(authority: Authority) -> str:
    """'official' for election bodies and government, 'factcheck' or 'media' otherwise."""
    if authority in OFFICIAL_BODIES:
        return "official"
    return "factcheck" if authority is Authority.FACTCHECK else "media"


def speaker_label(authority: Authority) -> str:
    """How a message names this kind of source: 'Sumber resmi', 'Pemeriksa fakta', 'Media'."""
    return SPEAKER_LABELS[speaker_kind(authority)]


@dataclass(frozen=True, slots=True)
class StoryCheck:
    """A clarification story read for its readers: its claim check and who states the fact."""

    check: ClaimCheck
    speakers: tuple[StorySource, ...]
    """The sources that state the fact, the most authoritative kind first (one per source)."""

    @property
    def verdict(self) -> Verdict:
        return self.check.verdict

    @property
    def claim(self) -> str | None:
        return self.check.claim

    @property
    def speaker(self) -> StorySource | None:
        return self.speakers[0] if self.speakers else None

    @property
    def speaker_label(self) -> str:
        """'Sumber resmi' when an election body or the government states the fact."""
        return speaker_label(self.speaker.authority) if self.speaker else SPEAKER_LABELS["media"]

    @property
    def speaker_names(self) -> str:
        """'KPU RI dan Bawaslu RI': the sources of the first kind, as a reader names them."""
        if not self.speakers:
            return ""
        kind = speaker_kind(self.speakers[0].authority)
        names = [s.name for s in self.speakers if speaker_kind(s.authority) == kind]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " dan " + names[-1]

    @property
    def fact(self) -> str:
        """The fact to lead with; when the text states none, who judged the claim how."""
        if self.check.fact:
            # "Faktanya, ..." says what the message's own label says.
            fact = _FACT_OPENER.sub("", self.check.fact)
            return fact[:1].upper() + fact[1:]
        who = self.speaker_names or "Sumber"
        return f"{who} menyatakan informasi yang beredar {self.verdict.phrase}."


_FACT_OPENER = re.compile(r"^(?:faktanya|fakta\s+sebenarnya|kenyataannya)\s*[,:]?\s*", re.I)
_KIND_ORDER = {"official": 0, "factcheck": 1, "media": 2}


def check_story(story: Story) -> StoryCheck:
    """The claim check of a story, and the sources that state its fact."""
    seen: set[str] = set()
    speakers: list[StorySource] = []
    for source in sorted(story.sources, key=lambda s: _KIND_ORDER[speaker_kind(s.authority)]):
        if source.source_id not in seen:
            seen.add(source.source_id)
            speakers.append(source)
    return StoryCheck(check_claim(story.title, story.summary, story.text), tuple(speakers))
