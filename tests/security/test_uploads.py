"""Uploaded logos are served from the council's own domain: the stored file name must say what
the file is (its real image format), never what the uploader chose (.pdf, .eps, ...), so that
the web server never serves an image under a type a browser would run or render otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.panel.test_settings_pages import _general

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["logo.pdf", "logo.eps", "../../evil.ps", "logo.PNG"])
def test_logo_is_stored_under_its_real_format(council, staff_client, name):
    upload = SimpleUploadedFile(name, _png(), content_type="application/pdf")
    response = staff_client("admin").post(reverse("staff:settings_general"), {**_general(council), "logo": upload})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.logo.name.startswith("logos/")
    assert council.logo.name.endswith(".png")
    assert ".." not in council.logo.name


def test_a_file_with_an_html_name_is_refused(council, staff_client):
    upload = SimpleUploadedFile("logo.html", _png(), content_type="text/html")
    response = staff_client("admin").post(reverse("staff:settings_general"), {**_general(council), "logo": upload})
    assert response.status_code == 200
    council.refresh_from_db()
    assert not council.logo
