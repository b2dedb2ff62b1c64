"""Is an item election news? Is it a clarification (an official rebuttal of a false claim)?

Both decisions are rules over lexicons in ./data (election.txt and
clarification.txt) that an administrator can edit without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from warta.core.model import Authority
from warta.core.text._data import data_lines, data_sections

# Indonesian attaches prefixes and suffixes to the word ("berkampanye",
# "dikampanyekan", "pencoblosan", "kampanyenya"); reduplication ("caleg-caleg")
# and hashtags with a year ("#Pemilu2024") ride along.
_PREFIXES = "(?:ber|be|ter|di|ke|se|me|mem|men|meng|meny|pe|per|pem|pen|peng|peny)?"
_SUFFIXES = r"(?:kan|an|i|nya|lah|pun)?(?:nya)?(?:-[^\W\d_]+)?\d*"
_ACRONYM_SUFFIXES = r"(?:-?nya)?\d*"
_WEIGHT = re.compile(r"\s=\s*(\d*\.?\d+)$")
_CASE_SENSITIVE = "(?-i:"


@dataclass(frozen=True, slots=True)
class _Patterns:
    """A pattern as written, and its twin for text that has no capitals at all."""

    cased: re.Pattern[str]
    lowercase: re.Pattern[str]

    def pick(self, text: str) -> re.Pattern[str]:
        # A title typed in lower case ("kpu tetapkan dpt") still names KPU.
        return self.cased if any(c.isupper() for c in text) else self.lowercase


def _patterns(source: str) -> _Patterns:
    return _Patterns(
        re.compile(source, re.IGNORECASE),
        re.compile(source.replace(_CASE_SENSITIVE, "(?:"), re.IGNORECASE),
    )


@dataclass(frozen=True, slots=True)
class _Term:
    patterns: _Patterns
    weight: float
    anchors: tuple[str, ...]
    """Lower-case strings one of which every match contains: a cheap `in` test
    skips most terms, which keeps a long article near a millisecond. Empty for
    a regex written without anchors: it runs on every item."""

    def search(self, content: str, lowered: str) -> bool:
        if self.anchors and not any(anchor in lowered for anchor in self.anchors):
            return False
        return self.patterns.pick(content).search(content) is not None


@dataclass(frozen=True, slots=True)
class _ElectionLexicon:
    traps: tuple[_Term, ...]
    strong: tuple[_Term, ...]
    weak: tuple[_Term, ...]


def _is_acronym(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) or (len(word) > 1 and word.isupper())


# "re[apk|android]:<regex>": a regex that only runs when one of the anchors occurs.
_REGEX_TERM = re.compile(r"re(?:\[([^\]]*)\])?:")


def _term(line: str, weight: float) -> _Term:
    regex = _REGEX_TERM.match(line)
    if regex:
        anchors = tuple(a.strip().lower() for a in (regex.group(1) or "").split("|") if a.strip())
        return _Term(_patterns(line[regex.end() :].strip()), weight, anchors)
    words = line.split()
    parts: list[str] = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        if _is_acronym(word):
            suffix = _ACRONYM_SUFFIXES if last else ""
            parts.append(_CASE_SENSITIVE + re.escape(word) + ")" + suffix)
            continue
        prefix = _PREFIXES if len(words) == 1 else ""
        parts.append(prefix + re.escape(word) + (_SUFFIXES if last else ""))
    source = r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"
    return _Term(_patterns(source), weight, (max(words, key=len).lower(),))


@cache
def _election_lexicon() -> _ElectionLexicon:
    traps: list[_Term] = []
    strong: list[_Term] = []
    weak: list[_Term] = []
    for line in data_lines("election.txt"):
        if line.startswith("!"):
            traps.append(_term(line[1:].strip(), 0.0))
            continue
        weight = 1.0
        found = _WEIGHT.search(line)
        if found:
            weight = float(found.group(1))
            line = line[: found.start()].strip()
        (strong if weight >= 1.0 else weak).append(_term(line, weight))
    return _ElectionLexicon(tuple(traps), tuple(strong), tuple(weak))


def is_election(title: str, text: str, authority: Authority) -> bool:
    """Whether the item is election news: by its source, or by the terms it uses."""
    if authority.is_election_body:
        return True
    lexicon = _election_lexicon()
    content = f"{title}\n{text}"
    lowered = content.lower()
    for trap in lexicon.traps:
        if trap.search(content, lowered):
            content = trap.patterns.pick(content).sub(" ", content)
            lowered = content.lower()
    if any(term.search(content, lowered) for term in lexicon.strong):
        return True
    # Weak terms ("PPK", "koalisi", "TPS") each have a second meaning; only
    # several of them together make the item election news.
    total = 0.0
    for term in lexicon.weak:
        if term.search(content, lowered):
            total += term.weight
            if total >= 1.0 - 1e-9:
                return True
    return False


@dataclass(frozen=True, slots=True)
class _ClarificationRules:
    labels: frozenset[str]
    not_labels: frozenset[str]
    leading_label: re.Pattern[str]
    leading_not_label: re.Pattern[str]
    prefixes: tuple[re.Pattern[str], ...]
    columns: tuple[re.Pattern[str], ...]
    about: tuple[re.Pattern[str], ...]
    rebuttal: tuple[re.Pattern[str], ...]
    rebuttal_official: tuple[re.Pattern[str], ...]
    denial_by_others: tuple[re.Pattern[str], ...]
    cue: tuple[re.Pattern[str], ...]
    rebuttal_text: tuple[re.Pattern[str], ...]
    rebuttal_text_strong: tuple[re.Pattern[str], ...]
    interested_party: tuple[re.Pattern[str], ...]
    explanation: tuple[re.Pattern[str], ...]
    explanation_text: tuple[re.Pattern[str], ...]


# Vocabularies that rules name as {claim}, {verdict}, {body}, {denial}.
_VOCABULARIES = ("claim", "verdict", "body", "denial")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(_VOCABULARIES) + r")\}")


def _squash(label: str) -> str:
    return re.sub(r"[^A-Z]", "", label.upper())


def _leading(labels: tuple[str, ...]) -> re.Pattern[str]:
    """A label opening the title and followed by ! , or : ("Keliru, ...")."""
    words = sorted((r"\s+".join(map(re.escape, label.split())) for label in labels), key=len)
    return re.compile(r"^\W*(?:" + "|".join(reversed(words)) + r")\s*[!,:]", re.IGNORECASE)


@cache
def _clarification_rules() -> _ClarificationRules:
    sections = data_sections("clarification.txt")
    vocabularies = {name: "(?:" + "|".join(sections.get(name, ())) + ")" for name in _VOCABULARIES}

    def compiled(name: str) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile(_PLACEHOLDER.sub(lambda m: vocabularies[m.group(1)], p), re.IGNORECASE)
            for p in sections.get(name, ())
        )

    labels = sections.get("label", ())
    not_labels = sections.get("not-label", ())
    return _ClarificationRules(
        labels=frozenset(map(_squash, labels)),
        not_labels=frozenset(map(_squash, not_labels)),
        leading_label=_leading(labels),
        leading_not_label=_leading(not_labels),
        prefixes=compiled("prefix"),
        columns=compiled("column"),
        about=compiled("about"),
        rebuttal=compiled("rebuttal"),
        rebuttal_official=compiled("rebuttal-official"),
        denial_by_others=compiled("denial-by-others"),
        cue=compiled("cue"),
        rebuttal_text=compiled("rebuttal-text"),
        rebuttal_text_strong=compiled("rebuttal-text-strong"),
        interested_party=compiled("interested-party"),
        explanation=compiled("explanation"),
        explanation_text=compiled("explanation-text"),
    )


# Feeds mangle encodings: U+FFFD and zero-width characters land around or
# inside labels ("\ufffd\ufffd[HOAKS]", "[HOAKS]\ufffd").
_NOISE = re.compile("[\ufffd\u200b\u200c\u200d\u2060\ufeff]")
_BRACKETS = str.maketrans({"【": "[", "】": "]", "［": "[", "］": "]"})
_BRACKETED = re.compile(r"\[([^\[\]]{1,40})\]")


def _normalize_title(title: str) -> str:
    return " ".join(_NOISE.sub(" ", title).translate(_BRACKETS).split())


def _bracket_verdict(title: str, rules: _ClarificationRules) -> bool | None:
    """True for a rebuttal label in brackets, False for a confirming one, None without."""
    for match in _BRACKETED.finditer(title):
        key = _squash(match.group(1))
        if key in rules.labels:
            return True
        if key in rules.not_labels:
            return False
    return None


def _strip_prefixes(title: str, rules: _ClarificationRules) -> tuple[str, bool]:
    """The title without numbering and column names, and whether a fact-check column was named."""
    column = False
    for _ in range(3):  # "#1 Cek Fakta: Hoaks! ..." stacks prefixes
        before = title
        for prefix in rules.prefixes:
            title = prefix.sub("", title, count=1)
        for name in rules.columns:
            title, cut = name.subn("", title, count=1)
            column = column or cut > 0
        if title == before:
            break
    return title, column


# A rebuttal states its verdict up front, in the summary or the first
# paragraphs; reading only that much also bounds the time on a long article.
_LEAD = 1500


def is_clarification(title: str, text: str, authority: Authority) -> bool:
    """Whether the item rebuts a false claim (as opposed to talking about hoaxes).

    A verdict label in the title decides. Without one, an item of a fact-check
    column is a rebuttal, and so is a title that reads as one ("KPU Bantah Isu
    ...", "Informasi ... Tidak Benar"), unless the title is merely about hoaxes
    (a webinar, an arrest). A denial counts when an official body makes it,
    never when a candidate or a party does. A title that speaks of a claim
    (isu, kabar, video ...) is a rebuttal when the lead of the text rebuts it,
    or, for an official source's explanation ("..., Ini Penjelasan KPU"), when
    the lead says the claim is untrue; an official source's text may also
    decide alone when it says outright that the information is false. A
    campaign team explaining itself is never one.
    """
    rules = _clarification_rules()
    clean = _normalize_title(title)
    verdict = _bracket_verdict(clean, rules)
    if verdict is not None:
        return verdict
    stripped, column = _strip_prefixes(clean, rules)
    if rules.leading_label.match(stripped):
        return True
    if rules.leading_not_label.match(stripped):
        return False
    if any(p.search(stripped) for p in rules.about):
        return False
    if any(p.search(stripped) for p in rules.interested_party):
        return False
    if column or any(p.search(stripped) for p in rules.rebuttal):
        return True
    if authority.is_official:
        if any(p.search(stripped) for p in rules.rebuttal_official):
            return True
    elif any(p.search(stripped) for p in rules.denial_by_others):
        return False
    if not text:
        return False
    text = text[:_LEAD]
    if any(p.search(stripped) for p in rules.cue):
        patterns = rules.rebuttal_text + rules.rebuttal_text_strong
        if any(p.search(text) for p in patterns):
            return True
        # "Beredar Kabar Pemilu Ditunda, Ini Penjelasan KPU": an official body
        # explaining a claim it names, whose lead says the claim is untrue.
        return (
            authority.is_official
            and any(p.search(stripped) for p in rules.explanation)
            and any(p.search(text) for p in rules.explanation_text)
        )
    return authority.is_official and any(p.search(text) for p in rules.rebuttal_text_strong)


def classify(title: str, text: str, authority: Authority) -> tuple[bool, bool]:
    """(election, clarification) of one item."""
    return is_election(title, text, authority), is_clarification(title, text, authority)
