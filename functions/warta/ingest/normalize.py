"""Normalizing what feeds give us: URLs, titles, HTML bodies, and item identity."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Collection
from urllib.parse import SplitResult, unquote_plus, urljoin, urlsplit, urlunsplit

import lxml.etree

# Only parameters whose sole purpose is tracking. Generic names such as "ref",
# "source" or "id" are kept: some CMSs route on them.
_TRACKING_EXACT = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What no link may hold inside it: white space, control characters, invisible
# formatting (bidi, zero-width, tags), noncharacters and lone surrogates.
# urlsplit silently drops tabs and line breaks, which would hide them.
_NOT_IN_LINK = re.compile(
    r"[\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    r"\U000e0000-\U000e007f]"
)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def _is_absolute(parts: SplitResult) -> bool:
    """Whether urljoin would give back these very parts, whatever the base.

    urljoin returns an http(s) URL with a host as it is, or rebuilt from its
    parts; the rebuilding only drops a ";" that ends the path, so such a path
    still goes through urljoin. Most feed links are absolute: skipping the
    join halves the cost of this function for them.
    """
    return parts.scheme in _DEFAULT_PORTS and bool(parts.netloc) and not parts.path.endswith(";")


def unfit_for_link(url: str) -> bool:
    """Whether `url` holds, between its ends, a character no link may hold (see _NOT_IN_LINK)."""
    return _NOT_IN_LINK.search(url.strip()) is not None


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment, default port or tracking parameters.

    Other query parameters keep their order and their original encoding, so
    the URL still opens the same page. A URL `unfit_for_link` is given back
    as written (its ends trimmed), never mended: it is no link at all.
    """
    url = url.strip()
    if _NOT_IN_LINK.search(url):
        return url
    try:
        parts = urlsplit(url)
        if base and not _is_absolute(parts):
            url = urljoin(base.strip(), url)
            parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: nothing to normalize
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    hostname = parts.hostname
    if hostname is not None:
        host = hostname.lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        try:
            port = parts.port
        except ValueError:
            port = None
        userinfo = netloc.rpartition("@")[0] if "@" in netloc else ""
        netloc = (f"{userinfo}@" if userinfo else "") + host
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            netloc += f":{port}"
    path = parts.path
    if not path and netloc and scheme in _DEFAULT_PORTS:
        path = "/"
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(unquote_plus(pair.partition("=")[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


_WS = re.compile(r"\s+")


def clean_title(raw: str) -> str:
    """A title as one line of plain text; labels such as "[HOAKS]" are kept."""
    if not raw:
        return ""
    if "<" in raw or "&" in raw:
        raw = html_to_text(raw)
    return _WS.sub(" ", raw).strip()


# Elements whose content is never text for a reader: scripts, styles and
# embeds would otherwise leak code into summaries and emails.
_DROP = (
    "script", "style", "noscript", "iframe", "template", "object", "embed",
    "svg", "math", "head", "title", "form", "button", "select", "textarea",
)  # fmt: skip
_PARAGRAPH = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl",
        "table", "section", "article", "header", "footer", "aside", "main", "nav",
        "figure", "figcaption", "pre", "address", "hr", "details", "summary", "center",
    }
)  # fmt: skip
_LINE = frozenset({"br", "li", "tr", "dt", "dd", "caption"})
_CELL = frozenset({"td", "th"})
# The walk marks breaks with NUL characters, which no parsed text can hold
# (NULs are removed before parsing and lxml reads "&#0;" as U+FFFD), so the
# text's own whitespace is collapsed line by line at the end instead of chunk
# by chunk during the walk: a regular expression per chunk was most of the cost.
_PARA_MARK = "\x00\x00"
_LINE_MARK = "\x00"


class _Break(enum.Enum):
    PARAGRAPH = enum.auto()
    LINE = enum.auto()
    CELL = enum.auto()


_BREAKS: dict[str, _Break] = {
    **dict.fromkeys(_PARAGRAPH, _Break.PARAGRAPH),
    **dict.fromkeys(_LINE, _Break.LINE),
    **dict.fromkeys(_CELL, _Break.CELL),
}
_START_MARKS = {_Break.PARAGRAPH: _PARA_MARK, _Break.LINE: _LINE_MARK, _Break.CELL: " "}
# Text with none of these needs no HTML parser: no tag, no entity, and no
# character that must be rewritten for it (a lone surrogate, which UTF-8
# cannot carry, becomes U+FFFD as it does everywhere else in Warta).
_NEEDS_PARSER = re.compile(r"[<&\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or document; paragraphs separated by a blank line."""
    if not html or not html.strip():
        return ""
    if _NEEDS_PARSER.search(html) is None:
        # What the parser would make of it: one paragraph of the same words.
        return " ".join(html.replace("\x00", "").split())
    # lxml.etree's parser rather than lxml.html's: the same tree, without the
    # Python-level element class lookup lxml.html runs for every element.
    parser = lxml.etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        # Bytes with an explicit encoding: lxml refuses str input that carries
        # an encoding declaration, and a stray NUL would end the document.
        root = lxml.etree.fromstring(
            _SURROGATE.sub("\ufffd", html.replace("\x00", "")).encode("utf-8"), parser=parser
        )
    except (lxml.etree.ParserError, ValueError):
        return ""
    if root is None:  # nothing but comments or a declaration
        return ""
    lxml.etree.strip_elements(root, lxml.etree.Comment, *_DROP, with_tail=False)

    chunks: list[str] = []
    add = chunks.append
    kind_of = _BREAKS.get
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        # A comment or PI has a function for a tag (none should be left); an
        # element's tag is lower case, as libxml2's HTML parser writes them.
        is_element = tag.__class__ is str
        kind = kind_of(tag) if is_element else None
        if event == "start":
            if kind is not None:
                add(_START_MARKS[kind])
            text = element.text
            if text and is_element:
                add(text)
        else:
            tail = element.tail
            # Line elements break only before themselves: two list items are
            # two lines, not two paragraphs.
            if kind is _Break.PARAGRAPH:
                add(_PARA_MARK)
            elif kind is _Break.LINE and tag != "br" and tail and tail.strip():
                add(_LINE_MARK)
            if tail and element is not root:
                add(tail)
    return _join_lines("".join(chunks).split(_LINE_MARK))


def _join_lines(lines: list[str]) -> str:
    """Each line with its whitespace collapsed; runs of empty lines become one blank line.

    A loop rather than a regular expression over the joined text: for bodies
    of a few kilobytes the loop is several times faster.
    """
    out: list[str] = []
    blank = False
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            blank = True
            continue
        if out:
            out.append("\n\n" if blank else "\n")
        out.append(line)
        blank = False
    return "".join(out)


def _tidy(text: str) -> str:
    return _join_lines(text.split("\n"))


def plain_to_text(text: str) -> str:
    """Plain text from a feed (Atom type="text"): whitespace tidied, blank lines kept."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return _tidy(re.sub(r"[ \t\f\v]+", " ", text))


_COUNTER = re.compile(r"[0-9]+")


def _digest(*parts: str) -> str:
    joined = "\x1f".join(parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def _fingerprint_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def item_id(
    source_id: str,
    guid: str | None,
    url: str | None,
    title: str,
    text: str,
    *,
    duplicate_guids: Collection[str] = (),
    duplicate_urls: Collection[str] = (),
) -> tuple[str, str]:
    """The stable id of an item, and what it was derived from ("guid", "url" or "hash").

    The identity is the first trustworthy of: the GUID, the canonical URL, a
    hash of title and text. A GUID made only of digits is a per-feed counter
    (feeds renumber and reuse them) and a GUID or URL that appears more than
    once in one fetch (`duplicate_guids`, `duplicate_urls`, as given) does not
    identify an item, so neither is trusted. The id is a digest of the source
    id and the key, so equal GUIDs in two sources give two different ids.
    """
    guid = (guid or "").strip()
    if guid and not _COUNTER.fullmatch(guid) and guid not in duplicate_guids:
        return _digest(source_id, "guid", guid), "guid"
    canonical = canonical_url(url) if url and url.strip() else ""
    if canonical and canonical not in duplicate_urls and url not in duplicate_urls:
        return _digest(source_id, "url", canonical), "url"
    return _digest(source_id, "hash", _fingerprint_text(title), _fingerprint_text(text)), "hash"
