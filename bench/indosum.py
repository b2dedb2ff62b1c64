"""IndoSum articles as the summarizer receives them, with LEAD-3 and the reference.

IndoSum (Kurniawan & Louvan, IALP 2018; CC BY-SA 4.0) is read from outside the
repository: `<repo>/../shared/data/indosum`, or `$WARTA_SHARED_DATA/indosum`.
Its articles are never copied into the repository.

The protocol (shared by bench/eval_summarizer.py and bench/train_summarizer.py):
- title: the words after the first hyphen of the article id slug, hyphens as spaces;
- text: paragraphs separated by a blank line, sentences within a paragraph by a
  space, tokens by a space -- what `warta summarize` would receive;
- LEAD-3: the first three gold sentences, tokens joined by a space;
- reference: the gold summary sentences joined by a space (tokens by a space).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

FOLDS = ("dev.01", "dev.03")
_REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    text: str
    paragraphs: tuple[tuple[str, ...], ...]
    """Gold sentences, tokens joined by a space, grouped by paragraph."""
    labels: tuple[tuple[bool, ...], ...]
    """The extractive oracle's choice, shaped like `paragraphs`."""
    lead3: str
    reference: str


def data_dir() -> Path:
    root = os.environ.get("WARTA_SHARED_DATA")
    base = Path(root) if root else _REPO.parent / "shared" / "data"
    return base / "indosum"


def load_fold(fold: str) -> list[Article]:
    """The articles of `fold` ("dev.01" or "dev.03"); exits with a message when missing."""
    path = data_dir() / f"{fold}.jsonl"
    if not path.is_file():
        sys.exit(
            f"IndoSum fold not found: {path}\n"
            "Put dev.01.jsonl and dev.03.jsonl under <repo>/../shared/data/indosum "
            "or set WARTA_SHARED_DATA to the folder that holds indosum/."
        )
    with path.open(encoding="utf-8") as lines:
        return [_article(json.loads(line)) for line in lines if line.strip()]


def _article(row: dict[str, object]) -> Article:
    raw_paragraphs: list[list[list[str]]] = row["paragraphs"]  # type: ignore[assignment]
    paragraphs = tuple(tuple(" ".join(s) for s in p) for p in raw_paragraphs)
    flat = [s for p in paragraphs for s in p]
    raw_labels: list[list[bool]] = row["gold_labels"]  # type: ignore[assignment]
    summary: list[list[str]] = row["summary"]  # type: ignore[assignment]
    slug = str(row["id"])
    return Article(
        id=slug,
        title=slug.split("-", 1)[1].replace("-", " ") if "-" in slug else "",
        text="\n\n".join(" ".join(p) for p in paragraphs),
        paragraphs=paragraphs,
        labels=tuple(tuple(bool(x) for x in p) for p in raw_labels),
        lead3=" ".join(flat[:3]),
        reference=" ".join(" ".join(s) for s in summary),
    )


def held_out(report: list[Article], tuned_on: list[Article]) -> list[Article]:
    """`report` without the articles it shares (by id) with the fold tuned on."""
    seen = {a.id for a in tuned_on}
    return [a for a in report if a.id not in seen]
