"""The text pipeline as JSON-lines filters: summarize, classify, cluster.

Each filter reads one JSON object a line and writes one JSON line per input
line, in order: the input's fields plus its answer.

- summarize: {"title", "text"} (paragraphs separated by blank lines) gains
  "summary".
- classify: {"title", "summary", "source"}, source being an authority (kpu
  bawaslu dkpp kemendagri komdigi pemda factcheck media), gains "election",
  "clarification" and "region": the code of the most specific region the title
  and lead name (core.text.places), or null when they name none. An optional
  "source_region" (a Kemendagri code or "national", the default) is the
  source's region: a region outside it is not read, as in ingest.
- cluster: {"id", "title", "text", "source"} for a whole batch gains "story":
  the id of the first item of its story. Nothing is stored; the decision is
  the ingest service's, against each story's first item (its title, the
  start of its text and its signature), with the band index in memory. Every
  item is clustered: the filter does not ask whether it is election news.

A bad line (not JSON, not an object, a missing or mistyped field, an unknown
authority, a repeated id) still gets its line on stdout, so that output line N
always answers input line N: {"error": "...", "line": N}. The same error goes
to stderr as "line N: ...", the filter goes on, and the exit status is 1 when
any line was bad, else 0.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from warta.core.model import NATIONAL, STORY_TEXT_LIMIT, Authority
from warta.core.regions import is_known
from warta.core.text.classify import classify
from warta.core.text.cluster import band_keys, signature, story_to_join
from warta.core.text.places import region_named
from warta.core.text.summarize import summarize

Record = dict[str, Any]


class BadLine(ValueError):
    """An input line the filter cannot answer; the message says why."""


def _string(record: Record, name: str) -> str:
    if name not in record:
        raise BadLine(f"missing field {name!r}")
    value = record[name]
    if not isinstance(value, str):
        raise BadLine(f"field {name!r} must be a string")
    return value


def _run(inp: TextIO, out: TextIO, err: TextIO | None, answer: Callable[[Record], Record]) -> int:
    err = err if err is not None else sys.stderr
    status = 0
    for number, raw in enumerate(inp, start=1):
        try:
            try:
                record = json.loads(raw)
            except ValueError as exc:
                raise BadLine(f"not JSON ({exc.args[0] if exc.args else exc})") from None
            if not isinstance(record, dict):
                raise BadLine("not a JSON object")
            result: Record = {**record, **answer(record)}
        except BadLine as exc:
            status = 1
            result = {"error": str(exc), "line": number}
            print(f"line {number}: {exc}", file=err)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return status


def summarize_lines(inp: TextIO, out: TextIO, *, err: TextIO | None = None) -> int:
    """Adds "summary" to each {"title", "text"} line."""

    def answer(record: Record) -> Record:
        return {"summary": summarize(_string(record, "title"), _string(record, "text"))}

    return _run(inp, out, err, answer)


def classify_lines(inp: TextIO, out: TextIO, *, err: TextIO | None = None) -> int:
    """Adds "election", "clarification" and "region" to each {"title", "summary", "source"} line."""

    def answer(record: Record) -> Record:
        title, summary = _string(record, "title"), _string(record, "summary")
        source = _string(record, "source")
        try:
            authority = Authority(source)
        except ValueError:
            known = " ".join(a.value for a in Authority)
            raise BadLine(f"unknown source {source!r} (one of: {known})") from None
        scope = _string(record, "source_region") if "source_region" in record else NATIONAL
        if not is_known(scope):
            raise BadLine(f"unknown source_region {scope!r} (a Kemendagri code or 'national')")
        election, clarification = classify(title, summary, authority)
        region = region_named(title, summary, scope)
        return {"election": election, "clarification": clarification, "region": region}

    return _run(inp, out, err, answer)


@dataclass(slots=True)
class _Story:
    id: object
    source: str
    title: str
    text: str
    """What a stored story keeps of its first item's text (services.ingest does the same)."""
    signature: tuple[int, ...]


@dataclass(slots=True)
class _Batch:
    """The stories of one batch and their LSH bands, in memory."""

    stories: list[_Story] = field(default_factory=list)
    bands: dict[str, list[int]] = field(default_factory=dict)
    ids: set[object] = field(default_factory=set)

    def story_of(self, item_id: object, source: str, title: str, text: str) -> object:
        sig = signature(title, text)
        keys = band_keys(sig)
        candidates = {index for key in keys for index in self.bands.get(key, ())}
        # A story's index is the order it began in: the oldest match wins.
        joined = story_to_join(
            sig,
            title,
            text,
            candidates,
            age=lambda index: index,
            first_item=self._first_item,
            same_source=lambda index: self.stories[index].source == source,
        )
        if joined is not None:
            return self.stories[joined].id
        index = len(self.stories)
        self.stories.append(_Story(item_id, source, title, text[:STORY_TEXT_LIMIT], sig))
        for key in keys:
            self.bands.setdefault(key, []).append(index)
        return item_id

    def _first_item(self, index: int) -> tuple[tuple[int, ...], str, str]:
        story = self.stories[index]
        return story.signature, story.title, story.text


def cluster_lines(inp: TextIO, out: TextIO, *, err: TextIO | None = None) -> int:
    """Adds "story" to each {"id", "title", "text", "source"} line of a batch."""
    batch = _Batch()

    def answer(record: Record) -> Record:
        if "id" not in record:
            raise BadLine("missing field 'id'")
        item_id = record["id"]
        if not isinstance(item_id, str | int) or isinstance(item_id, bool):
            raise BadLine("field 'id' must be a string or an integer")
        title, text = _string(record, "title"), _string(record, "text")
        source = _string(record, "source")
        if item_id in batch.ids:
            raise BadLine(f"repeated id {item_id!r}")
        batch.ids.add(item_id)
        return {"story": batch.story_of(item_id, source, title, text)}

    return _run(inp, out, err, answer)
