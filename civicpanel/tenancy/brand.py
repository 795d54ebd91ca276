"""The council's brand: its primary colour (checked against WCAG AA), the colours derived from it
for the pages and the charts, and the check of an uploaded SVG logo.

A colour is accepted only if white text on it has a contrast of at least 4.5:1 (WCAG 2.1 AA for
normal text), because the header, the primary buttons and the chart's first series put white
text or white space on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree

DEFAULT_COLOUR = "#0b5394"
MIN_CONTRAST = 4.5
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SVG_MAX_BYTES = 200 * 1024
LOGO_MAX_SIDE = 2000


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    r, g, b = (_channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG 2.1 contrast ratio of two #rrggbb colours (1.0 to 21.0)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def contrast_with_white(colour: str) -> float:
    return contrast(colour, "#ffffff")


def _hex(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(v))):02x}" for v in (r, g, b))


def mix(colour: str, other: str, amount: float) -> str:
    """`amount` (0..1) of `other` mixed into `colour`."""
    return _hex(*((1 - amount) * a + amount * b for a, b in zip(rgb(colour), rgb(other), strict=True)))


@dataclass(frozen=True)
class Palette:
    """The colours of one council: primary (white text on it passes AA), dark (hover, pressed),
    light (a tinted background for dark text), and chart series colours, light to dark told apart
    by pattern as well."""

    primary: str
    dark: str
    light: str
    series: tuple[str, ...]


def palette(colour: str | None) -> Palette:
    primary = colour if colour and HEX_COLOUR.match(colour) else DEFAULT_COLOUR
    primary = primary.lower()
    return Palette(
        primary=primary,
        dark=mix(primary, "#000000", 0.25),
        light=mix(primary, "#ffffff", 0.9),
        # The first series is the council's colour; the second a light tint of it (with hatching in
        # the charts), the third a dark shade: their lightness differs, so they differ in greyscale too.
        series=(primary, mix(primary, "#ffffff", 0.65), mix(primary, "#000000", 0.45)),
    )


# --- SVG logos ---------------------------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code, embed other documents or load from elsewhere.
FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "image",
                      "animate", "animatemotion", "animatetransform", "set", "handler", "listener"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


class UnsafeSvg(ValueError):
    """The SVG was refused; `reason` is a code the web layer turns into a sentence."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def check_svg(data: bytes) -> None:
    """Raise UnsafeSvg unless `data` is a plain SVG drawing: no scripts, no event handlers, no
    references to anything outside the file, no DTD (entities), not too large."""
    if len(data) > SVG_MAX_BYTES:
        raise UnsafeSvg("too_large")
    text = data.decode("utf-8", errors="replace")
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise UnsafeSvg("doctype")
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DTD allowed above, so no entity expansion
    except ElementTree.ParseError as error:
        raise UnsafeSvg("not_svg") from error
    if root.tag != f"{SVG_NS}svg":
        raise UnsafeSvg("not_svg")
    for element in root.iter():
        name = _local(element.tag) if isinstance(element.tag, str) else ""
        if name in FORBIDDEN_ELEMENTS:
            raise UnsafeSvg("script" if name == "script" else "external")
        if name == "style" and (EXTERNAL_URL.search(element.text or "") or "@import" in (element.text or "")):
            raise UnsafeSvg("external")
        for attribute, value in element.attrib.items():
            attr = _local(attribute)
            if attr.startswith("on"):
                raise UnsafeSvg("event_handler")
            if (attribute == XLINK_HREF or attr == "href") and not value.strip().startswith("#"):
                raise UnsafeSvg("external")
            if EXTERNAL_URL.search(value) or "javascript:" in value.lower():
                raise UnsafeSvg("external")
