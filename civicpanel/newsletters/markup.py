"""The small formatting staff may use in a newsletter, read into blocks and written out as
HTML and as plain text from the same blocks, so both parts of an e-mail say the same.

    ## Heading            ### Subheading
    A paragraph; a single line break stays a line break. A blank line starts a new paragraph.
    - an item             1. a numbered item
    [link text](https://example.dk)   a bare https://example.dk   **strong words**

Nothing staff type becomes markup except through these rules: every character is escaped, so
HTML typed into a newsletter is shown as text (and refused by `markup_problems`), and a link is
only made for http, https and mailto addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.translation import gettext as _

LINK_RE = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s()<>]+)\)")
ANY_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^)\n]*)\)")
URL_RE = re.compile(r"https?://[^\s<>()\[\]\"']+")
STRONG_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
HEADING_RE = re.compile(r"^(#{1,3})\s+(.*\S)\s*$")
BULLET_RE = re.compile(r"^[-*•]\s+(.*)$")
NUMBER_RE = re.compile(r"^\d{1,3}[.)]\s+(.*)$")
TRAILING_PUNCTUATION = ".,;:!?"


@dataclass(frozen=True)
class Span:
    """A piece of running text: plain, strong, or a link (href set)."""

    text: str
    strong: bool = False
    href: str = ""


@dataclass
class Block:
    kind: str  # "heading", "subheading", "paragraph", "bullets", "numbers"
    lines: list[list[Span]] = field(default_factory=list)  # paragraph lines, or list items


def _strong_spans(text: str, href: str = "") -> list[Span]:
    spans, position = [], 0
    for match in STRONG_RE.finditer(text):
        if match.start() > position:
            spans.append(Span(text[position:match.start()], href=href))
        spans.append(Span(match.group(1), strong=True, href=href))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:], href=href))
    return spans


def _bare_links(text: str) -> list[Span]:
    spans, position = [], 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        end = match.start() + len(url)
        if match.start() > position:
            spans += _strong_spans(text[position:match.start()])
        spans.append(Span(url, href=url))
        position = end
    if position < len(text):
        spans += _strong_spans(text[position:])
    return spans


def inline(text: str) -> list[Span]:
    """Running text as spans: [text](url) links first, then bare addresses, then **strong**."""
    spans, position = [], 0
    for match in LINK_RE.finditer(text):
        if match.start() > position:
            spans += _bare_links(text[position:match.start()])
        spans += _strong_spans(match.group(1), href=match.group(2))
        position = match.end()
    if position < len(text):
        spans += _bare_links(text[position:])
    return [span for span in spans if span.text]


def parse(source: str) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    for raw in (source or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            current = None
            continue
        if heading := HEADING_RE.match(line):
            blocks.append(Block("subheading" if len(heading.group(1)) == 3 else "heading", [inline(heading.group(2))]))
            current = None
            continue
        bullet, number = BULLET_RE.match(line), NUMBER_RE.match(line)
        if bullet or number:
            kind = "bullets" if bullet else "numbers"
            if current is None or current.kind != kind:
                current = Block(kind)
                blocks.append(current)
            current.lines.append(inline((bullet or number).group(1)))
            continue
        if current is None or current.kind != "paragraph":
            current = Block("paragraph")
            blocks.append(current)
        current.lines.append(inline(line))
    return blocks


def _spans_html(spans: list[Span]) -> str:
    out = []
    for span in spans:
        text = escape(span.text)
        if span.strong:
            text = f"<strong>{text}</strong>"
        if span.href:
            text = f'<a href="{escape(span.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def to_html(blocks: list[Block], *, heading_level: int = 2) -> str:
    """HTML with semantic elements only (h2/h3 by default, p, ul, ol, li, a, strong, br).
    `heading_level` is the level of a ## heading, so a preview can sit under a page's own headings."""
    parts = []
    for block in blocks:
        if block.kind in ("heading", "subheading"):
            level = min(heading_level + (block.kind == "subheading"), 6)
            parts.append(f"<h{level}>{_spans_html(block.lines[0])}</h{level}>")
        elif block.kind == "paragraph":
            parts.append("<p>" + "<br>\n".join(_spans_html(line) for line in block.lines) + "</p>")
        else:
            tag = "ul" if block.kind == "bullets" else "ol"
            items = "".join(f"<li>{_spans_html(line)}</li>" for line in block.lines)
            parts.append(f"<{tag}>{items}</{tag}>")
    return "\n".join(parts)


def _spans_text(spans: list[Span]) -> str:
    out = []
    for span in spans:
        href = span.href.removeprefix("mailto:") if span.href.startswith("mailto:") else span.href
        if span.href and span.text not in (span.href, href):
            out.append(f"{span.text} ({href})")
        else:
            out.append(span.text)
    return "".join(out)


def to_text(blocks: list[Block]) -> str:
    """Plain text: headings on their own line, list items with "-" or their number, links as
    "text (address)". No decoration that a screen reader would read out character by character."""
    parts = []
    for block in blocks:
        if block.kind in ("heading", "subheading"):
            parts.append(_spans_text(block.lines[0]))
        elif block.kind == "paragraph":
            parts.append("\n".join(_spans_text(line) for line in block.lines))
        elif block.kind == "bullets":
            parts.append("\n".join(f"- {_spans_text(line)}" for line in block.lines))
        else:
            parts.append("\n".join(f"{n}. {_spans_text(line)}" for n, line in enumerate(block.lines, 1)))
    return "\n\n".join(parts)


def links(blocks: list[Block]) -> list[str]:
    """Every address the text links to, in order (what a reader can follow)."""
    return [span.href for block in blocks for line in block.lines for span in line if span.href]


def markup_problems(source: str) -> list[str]:
    """What staff must change before the text can be sent, as sentences they can act on."""
    problems = []
    if TAG_RE.search(source or ""):
        problems.append(_("HTML is not used in a newsletter; it would be shown as typed. Use ## for a heading, "
                          "- for a list and [text](https://…) for a link."))
    for match in ANY_LINK_RE.finditer(source or ""):
        if not LINK_RE.fullmatch(match.group(0)):
            problems.append(_("The link “%(text)s” needs a whole address starting with https://, http:// or "
                              "mailto:.") % {"text": match.group(1)})
    return problems
