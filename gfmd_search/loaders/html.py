"""HTML: the page's main text without navigation; headings become their own paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from ..records import Page
from .base import Extracted, LoadError, decode_utf8

_DROP = ["script", "style", "nav", "aside", "form", "noscript", "template", "svg", "iframe", "button"]
_DROP_ROLES = ["navigation", "banner", "contentinfo", "search"]
_PAGE_EDGES = ["header", "footer"]  # dropped unless inside the main content
_BLOCKS = [
    *("address", "article", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption", "figure"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul"),
]
_SEPARATORS = {**dict.fromkeys(_BLOCKS, "\n\n"), "td": " ", "th": " ", "br": "\n"}
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


def load_html(data: bytes, path: Path) -> Extracted:
    """One page of the main text; the title from <title>, else the first <h1>."""
    soup = BeautifulSoup(_decode(data, path), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP) + soup.find_all(attrs={"role": _DROP_ROLES}):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(_PAGE_EDGES):
        if not tag.decomposed and not tag.find_parent(["main", "article"]):
            tag.decompose()
    roots = _main_content(soup)
    if not title:
        h1 = next((found for root in roots if (found := root.find("h1"))), None)
        title = h1.get_text(" ", strip=True) if h1 else ""
    text = "".join(_text(root) for root in roots)
    found = [p for p in (_SPACES.sub(" ", part).strip() for part in _PARAGRAPH_BREAK.split(text)) if p]
    if not found:
        raise LoadError(path, "no text in the page's main content")
    return Extracted(pages=[Page(number=1, text="\n\n".join(found))], title=_SPACES.sub(" ", title) or None)


def _decode(data: bytes, path: Path) -> str:
    """UTF-8, or the charset the page declares."""
    declared = _CHARSET.search(data[:4096])
    charset = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if charset in ("utf-8", "utf8"):
        return decode_utf8(data, path)
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot decode as its declared charset {charset!r}: {exc}") from None


def _main_content(soup: BeautifulSoup) -> list[Tag]:
    """<main>, else the outermost <article>s, else the body."""
    main = soup.find("main")
    if main:
        return [main]
    articles = [a for a in soup.find_all("article") if not a.find_parent("article")]
    return articles or [soup.body or soup]


def _text(root: Tag) -> str:
    """The text under `root`, blocks separated by blank lines (iterative: no recursion limit)."""
    out: list[str] = []
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            separator = _SEPARATORS.get(node.name, "")
            out.append(separator)
            stack.append(separator)
            stack.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData, str):
            out.append(str(node))
    return "".join(out)
