"""The letters as PDF: one A4 page per letter, the address inside the envelope's window (read
back from the PDF), the text in the batch's language, and the digital-post package."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from pypdf import PdfReader

from civicpanel.audit.models import AuditEvent
from civicpanel.common.pdf import pdf_available
from civicpanel.recruitment import codes
from civicpanel.recruitment.letters_pdf import LAYOUTS
from civicpanel.recruitment.models import Letter, LetterBatch
from tests.recruitment.helpers import batch, extract, residents

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not pdf_available(), reason="WeasyPrint cannot load Pango here")]

PT_TO_MM = 25.4 / 72


def _positions(page) -> list[tuple[str, float, float]]:
    """(text, mm from the left edge, mm from the top edge) of every piece of text on the page."""
    height_mm = float(page.mediabox.height) * PT_TO_MM
    found = []

    def visit(text, cm, tm, _font, _size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append((text.strip(), x * PT_TO_MM, height_mm - y * PT_TO_MM))

    page.extract_text(visitor_text=visit)
    return found


def _pdf(client, made) -> PdfReader:
    response = client.get(f"/staff/recruitment/letters/{made.pk}/letters.pdf?part=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


@pytest.mark.parametrize("layout", [LetterBatch.Layout.DK, LetterBatch.Layout.NO])
def test_one_a4_page_per_letter_with_the_address_in_the_window(council, staff_client, layout):
    made = batch(council, extract(council, residents(3, age=20)), layout=layout)
    reader = _pdf(staff_client("manager"), made)
    assert len(reader.pages) == 3
    window = LAYOUTS[layout]
    for index, page in enumerate(reader.pages):
        assert round(float(page.mediabox.width) * PT_TO_MM) == 210
        assert round(float(page.mediabox.height) * PT_TO_MM) == 297
        positions = _positions(page)
        name = [(x, y) for text, x, y in positions if text.startswith(f"Beboer {index}")]
        street = [(x, y) for text, x, y in positions if text.startswith(f"Testvej {index}")]
        assert name and street, positions[:10]
        for x, y in (name[0], street[0]):
            assert window.left - 0.5 <= x <= window.left + 2
            assert window.top < y < window.top + window.height  # the baseline lies inside the window
        assert name[0][1] < street[0][1]  # name above the street


@pytest.mark.parametrize(("language", "words"), [
    ("da", ["Bliv medlem af borgerpanelet", "personlige kode"]),
    ("nb", ["Bli med i innbyggerpanelet", "personlige kode"]),
    ("en", ["Join the citizen panel", "personal code"]),
])
def test_the_letter_is_in_the_batchs_language_with_its_code(council, staff_client, language, words):
    made = batch(council, extract(council, residents(2, age=20)), language=language)
    reader = _pdf(staff_client("manager"), made)
    for page, letter in zip(reader.pages, Letter.objects.filter(batch=made).order_by("id"), strict=True):
        text = " ".join(page.extract_text().split())
        for word in words:
            assert word in text
        assert codes.shown(codes.letter_code(letter.pk, letter.salt)) in text
    assert AuditEvent.objects.filter(action="recruitment.letters_pdf", object_id=str(made.pk)).count() == 1


def test_digital_post_package_has_one_pdf_per_addressee_and_a_manifest(council, staff_client):
    made = batch(council, extract(council, residents(3, age=20)))
    response = staff_client("manager").get(f"/staff/recruitment/letters/{made.pk}/digital-post.zip?part=1")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    letters = list(Letter.objects.filter(batch=made).select_related("addressee").order_by("id"))
    assert sorted(archive.namelist()) == sorted([f"letter-{letter.pk}.pdf" for letter in letters] + ["manifest.csv"])
    rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["file", "letter", "reference", "name", "address", "postal_code_and_town"]
    for row, letter in zip(rows[1:], letters, strict=True):
        assert row[0] == f"letter-{letter.pk}.pdf"
        assert row[2] == letter.addressee.reference and row[3] == letter.addressee.name
        single = PdfReader(io.BytesIO(archive.read(row[0])))
        assert len(single.pages) == 1 and letter.addressee.name in single.pages[0].extract_text()


def test_analysts_cannot_download_letters(council, staff_client):
    made = batch(council, extract(council, residents(1, age=20)))
    assert staff_client("analyst").get(f"/staff/recruitment/letters/{made.pk}/letters.pdf?part=1").status_code == 403


def test_a_large_batch_comes_in_parts(council, staff_client, monkeypatch):
    monkeypatch.setattr("civicpanel.recruitment.letters_pdf.PART_SIZE", 2)
    made = batch(council, extract(council, residents(3, age=20)))
    client = staff_client("manager")
    page = client.get(f"/staff/recruitment/letters/{made.pk}/").content.decode()
    assert "letters.pdf?part=1" in page and "letters.pdf?part=2" in page and "part=3" not in page
    second = client.get(f"/staff/recruitment/letters/{made.pk}/letters.pdf?part=2")
    assert len(PdfReader(io.BytesIO(second.content)).pages) == 1
    assert "Beboer 2" in PdfReader(io.BytesIO(second.content)).pages[0].extract_text()
    for part in ("3", "0", "x", "99999999999"):
        assert client.get(f"/staff/recruitment/letters/{made.pk}/letters.pdf?part={part}").status_code == 404
