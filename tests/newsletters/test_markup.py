"""The newsletter formatting: headings, lists, links and bold, and nothing else staff type
becomes markup."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.newsletters import markup

ALLOWED = {"h2", "h3", "p", "ul", "ol", "li", "a", "strong", "br"}


def html(source: str) -> str:
    return markup.to_html(markup.parse(source))


def text(source: str) -> str:
    return markup.to_text(markup.parse(source))


SAMPLE = """## Ny legeplads
Vi bygger i **foråret**.
Se mere på [kommunens side](https://valby.example.dk/legeplads).

- gynger
- sandkasse

1. først
2. så

Skriv til mailto:x? Nej: https://example.dk/a."""


def test_headings_lists_links_and_bold_become_semantic_html():
    out = html(SAMPLE)
    assert "<h2>Ny legeplads</h2>" in out
    assert "<p>Vi bygger i <strong>foråret</strong>.<br>" in out
    assert '<a href="https://valby.example.dk/legeplads">kommunens side</a>' in out
    assert "<ul><li>gynger</li><li>sandkasse</li></ul>" in out
    assert "<ol><li>først</li><li>så</li></ol>" in out
    # A bare address is a link; the full stop after it is not part of it.
    assert '<a href="https://example.dk/a">https://example.dk/a</a>.' in out


def test_plain_text_says_the_same_without_decoration():
    out = text(SAMPLE)
    assert out.startswith("Ny legeplads\n\nVi bygger i foråret.\n")
    assert "kommunens side (https://valby.example.dk/legeplads)" in out
    assert "- gynger\n- sandkasse" in out and "1. først\n2. så" in out
    assert "**" not in out and "##" not in out


def test_html_and_scripts_are_shown_as_text_and_refused():
    source = '<script>alert(1)</script> <img src="https://tracker.example/p.gif"> [x](javascript:alert(1))'
    out = html(source)
    assert "<script" not in out and "<img" not in out and 'href="javascript' not in out
    assert "&lt;script&gt;" in out
    problems = markup.markup_problems(source)
    assert len(problems) == 2  # the HTML, and the link without a web address


def test_links_lists_only_what_staff_wrote():
    assert markup.links(markup.parse(SAMPLE)) == ["https://valby.example.dk/legeplads", "https://example.dk/a"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list("ab <>&\"'#-*[]()\n:/.1") + ["https://", "**", "## ", "- ", "mailto:"]),
                max_size=80).map("".join))
def test_any_input_gives_only_the_allowed_elements(source):
    out = html(source)
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out))
    assert tags <= ALLOWED
    # Every attribute is an href to a web or mail address.
    for attribute in re.findall(r"<a ([^>]*)>", out):
        assert re.fullmatch(r'href="(https?://|mailto:)[^"<>]*"', attribute)
