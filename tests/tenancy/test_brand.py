"""The council's brand: a colour that white text cannot be read on is refused with the reason in the
admin's language; an SVG logo with a script, an event handler or a reference to another file is
refused and nothing changes; the accepted logo and colours are served from the council's own site
under versioned addresses."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.tenancy.brand import UnsafeSvg, check_svg, contrast, contrast_with_white, palette
from tests.panel.test_settings_pages import _general

pytestmark = pytest.mark.django_db

CLEAN_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
             b'<defs><linearGradient id="g"><stop offset="0" stop-color="#0b5394"/></linearGradient></defs>'
             b'<rect width="40" height="40" fill="url(#g)"/><use href="#g"/></svg>')


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def test_contrast_follows_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey
    assert contrast_with_white("#777777") < 4.5


def test_palette_keeps_white_text_readable_on_the_primary_and_dark_colours():
    colours = palette("#0b5394")
    assert contrast_with_white(colours.primary) >= 4.5 and contrast_with_white(colours.dark) >= 4.5
    # The chart series differ in lightness, so they stay apart in greyscale too.
    lightness = sorted(contrast_with_white(c) for c in colours.series)
    assert lightness[1] - lightness[0] > 1 and lightness[2] - lightness[1] > 1


@pytest.mark.parametrize("svg,reason", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)" width="1" height="1"/></svg>', "event_handler"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<a xlink:href="https://evil.example/"><rect width="1" height="1"/></a></svg>', "external"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/x.png"/></svg>', "external"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/a)"/></svg>', "external"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>',
     "external"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>', "external"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>', "doctype"),
    (b"<html><body>no</body></html>", "not_svg"),
])
def test_unsafe_svg_is_refused(svg, reason):
    with pytest.raises(UnsafeSvg) as refused:
        check_svg(svg)
    assert refused.value.reason == reason


def test_a_plain_svg_passes():
    check_svg(CLEAN_SVG)


def test_logo_upload_refuses_a_script_inside_an_svg(council, staff_client):
    admin = staff_client("admin")
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)'
                                         b"</script><rect width='4' height='4'/></svg>", content_type="image/svg+xml")
    page = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": svg}).content.decode()
    assert "The SVG logo contains a script" in page
    council.refresh_from_db()
    assert not council.logo and council.brand_version == 1
    assert not AuditEvent.objects.filter(action="council.settings_update").exists()


def test_logo_upload_refuses_an_event_handler_in_danish(council, staff_client):
    admin = staff_client("admin")
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
                             content_type="image/svg+xml")
    with translation.override("da"):
        page = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": svg},
                          HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "hændelseshåndtering" in page
    council.refresh_from_db()
    assert not council.logo


def test_a_clean_svg_logo_is_stored_and_served_with_a_strict_policy(council, staff_client):
    admin = staff_client("admin")
    svg = SimpleUploadedFile("my logo.svg", CLEAN_SVG, content_type="image/svg+xml")
    response = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": svg})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.logo.name.endswith(".svg") and council.brand_version == 2
    public = Client(HTTP_HOST=f"{council.slug}.localhost")
    logo = public.get(reverse("council_logo", args=[council.brand_version]))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in logo["Content-Security-Policy"] and logo["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in logo["Cache-Control"]
    home = public.get("/").content.decode()
    assert reverse("council_logo", args=[2]) in home and reverse("council_brand_css", args=[2]) in home


def test_a_colour_too_light_for_white_text_is_refused_with_its_contrast(council, staff_client):
    admin = staff_client("admin")
    page = admin.post(reverse("staff:settings_general"), {**_general(council), "brand_colour": "#7fb2e5"}).content.decode()
    assert "White text on #7fb2e5 has a contrast of only 2.2:1; WCAG AA needs at least 4.5:1" in page
    council.refresh_from_db()
    assert council.brand_colour == "#0b5394" and council.brand_version == 1


def test_a_readable_colour_is_saved_and_reaches_the_brand_stylesheet(council, staff_client):
    admin = staff_client("admin")
    response = admin.post(reverse("staff:settings_general"), {**_general(council), "brand_colour": "#8A1538"})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.brand_colour == "#8a1538" and council.brand_version == 2
    event = AuditEvent.objects.get(action="council.settings_update")
    assert event.detail["brand_colour"] == {"from": "#0b5394", "to": "#8a1538"}
    css = Client(HTTP_HOST=f"{council.slug}.localhost").get(reverse("council_brand_css", args=[2]))
    assert css["Content-Type"].startswith("text/css") and "--brand:#8a1538" in css.content.decode()
