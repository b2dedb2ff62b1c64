"""Normalizing what feeds give us: URLs, titles, HTML bodies, and item identity."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

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


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment, default port or tracking parameters.

    Other query parameters keep their order and their original encoding, so
    the URL still opens the same page.
    """
    url = url.strip()
    try:
        if base:
            url = urljoin(base.strip(), url)
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: nothing to normalize
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if parts.hostname is not None:
        host = parts.hostname.lower()
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
_PARA_MARK = "\n\n"
_LINE_MARK = "\n"


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or document; paragraphs separated by a blank line."""
    if not html or not html.strip():
        return ""
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        # Bytes with an explicit encoding: lxml refuses str input that carries
        # an encoding declaration, and a stray NUL would end the document.
        root = lxml.html.document_fromstring(
            html.replace("\x00", "").encode("utf-8", "replace"), parser=parser
        )
    except (lxml.etree.ParserError, ValueError):
        return ""
    lxml.etree.strip_elements(root, lxml.etree.Comment, *_DROP, with_tail=False)

    chunks: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if tag in _PARAGRAPH:
                chunks.append(_PARA_MARK)
            elif tag in _LINE:
                chunks.append(_LINE_MARK)
            elif tag in _CELL:
                chunks.append(" ")
            if element.text and tag:
                chunks.append(_WS.sub(" ", element.text))
        else:
            # Line elements break only before themselves: two list items are
            # two lines, not two paragraphs.
            if tag in _PARAGRAPH:
                chunks.append(_PARA_MARK)
            elif tag in _LINE and tag != "br" and element.tail and element.tail.strip():
                chunks.append(_LINE_MARK)
            if element.tail and element is not root:
                chunks.append(_WS.sub(" ", element.tail))
    return _tidy("".join(chunks))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n ")


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
