"""The letters as PDF: one A4 page per letter, the address inside the envelope's window (read
back from the PDF), the text in the batch's language, and the digital-post package."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.test import TestCase
from pypdf import PdfReader

from civicpanel.audit.models import AuditEvent
from civicpanel.common.pdf import pdf_available
from civicpanel.recruitment import codes, letter_files
from civicpanel.recruitment.letters_pdf import LAYOUTS
from civicpanel.recruitment.models import Letter, LetterBatch, LetterFile
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


# The task worker (the immediate backend in tests) runs each queued file after the commit.
_capture = TestCase.captureOnCommitCallbacks


def _made(client, made, kind: str = "print"):
    """Ask for the batch's letters as staff do, let the worker make them, and download the file."""
    with _capture(execute=True):
        response = client.post(f"/staff/recruitment/letters/{made.pk}/files/", {"kind": kind})
    assert response.status_code == 302
    letter_file = LetterFile.objects.filter(batch=made).first()
    assert letter_file.status == LetterFile.Status.READY, letter_file.error
    return client.get(f"/staff/recruitment/letters/{made.pk}/files/{letter_file.pk}/download/")


def _pdf(client, made) -> PdfReader:
    response = _made(client, made)
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
    response = _made(staff_client("manager"), made, "digital")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
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


def test_analysts_cannot_make_or_download_letters(council, staff_client):
    made = batch(council, extract(council, residents(1, age=20)))
    _made(staff_client("manager"), made)
    letter_file = LetterFile.objects.get(batch=made)
    analyst = staff_client("analyst")
    assert analyst.post(f"/staff/recruitment/letters/{made.pk}/files/", {"kind": "print"}).status_code == 403
    assert analyst.get(f"/staff/recruitment/letters/{made.pk}/files/{letter_file.pk}/download/").status_code == 403


def test_the_worker_lays_out_part_by_part_and_the_page_follows_it(council, staff_client, monkeypatch):
    """Five letters in parts of two: the worker reports 2, 4, 5 letters done; while it works the
    page shows a progress bar and the status as JSON; when it is done, a download in one PDF."""
    monkeypatch.setattr("civicpanel.recruitment.letters_pdf.PART_SIZE", 2)
    made = batch(council, extract(council, residents(5, age=20)))
    client = staff_client("manager")
    seen = []
    real_add = letter_files._Progress.add

    def spy(self, count):
        real_add(self, count)
        seen.append(LetterFile.objects.get(pk=self.file_id).done)

    monkeypatch.setattr(letter_files._Progress, "add", spy)
    with _capture(execute=False) as queued:
        client.post(f"/staff/recruitment/letters/{made.pk}/files/", {"kind": "print"})
        client.post(f"/staff/recruitment/letters/{made.pk}/files/", {"kind": "print"})  # a second click
    letter_file = LetterFile.objects.get(batch=made)  # one file, followed by both clicks
    page = client.get(f"/staff/recruitment/letters/{made.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<progress" in page and "0 of 5 letters laid out" in page and "report-progress.js" in page
    status = client.get(f"/staff/recruitment/letters/{made.pk}/files/{letter_file.pk}/status/").json()
    assert status["working"] is True and status["status"] == "queued"
    for callback in queued:
        callback()
    assert seen == [2, 4, 5]
    status = client.get(f"/staff/recruitment/letters/{made.pk}/files/{letter_file.pk}/status/",
                        HTTP_ACCEPT_LANGUAGE="en").json()
    assert status == {"status": "ready", "progress": 100, "step": "5 of 5 letters laid out", "working": False}
    page = client.get(f"/staff/recruitment/letters/{made.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<progress" not in page and f"files/{letter_file.pk}/download/" in page
    reader = PdfReader(io.BytesIO(client.get(f"/staff/recruitment/letters/{made.pk}/files/{letter_file.pk}/download/")
                                  .content))
    assert len(reader.pages) == 5
    assert [f"Beboer {i}" in reader.pages[i].extract_text() for i in range(5)] == [True] * 5
    assert AuditEvent.objects.filter(action="recruitment.letters_request", object_id=str(made.pk)).count() == 1


def test_a_batch_over_the_volume_size_comes_as_volumes(council, staff_client, monkeypatch):
    monkeypatch.setattr("civicpanel.recruitment.letters_pdf.PART_SIZE", 2)
    monkeypatch.setattr("civicpanel.recruitment.letter_files.VOLUME_SIZE", 4)
    made = batch(council, extract(council, residents(5, age=20)))
    response = _made(staff_client("manager"), made)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [f"letters-{made.pk}-00001-00004.pdf", f"letters-{made.pk}-00005-00005.pdf"]
    assert [len(PdfReader(io.BytesIO(archive.read(name))).pages) for name in archive.namelist()] == [4, 1]


def test_the_file_is_encrypted_at_rest_and_deleted_with_the_addresses(council, staff_client):
    from django.db import connection

    from civicpanel.recruitment import services

    the_extract = extract(council, residents(2, age=20))
    made = batch(council, the_extract)
    _made(staff_client("manager"), made)
    letter_file = LetterFile.objects.get(batch=made)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM recruitment_letterfile WHERE id = %s", [letter_file.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("ev1:") and "JVBER" not in stored[:40]  # not the PDF's base64 in clear
    services.extract_purge(extract=the_extract, actor=None)
    assert not LetterFile.objects.filter(batch=made).exists()
    page = staff_client("manager").get(f"/staff/recruitment/letters/{made.pk}/").content.decode()
    assert "Make the PDF" not in page


def test_old_files_are_deleted_by_the_daily_purge(council, staff_client):
    import datetime

    from django.utils import timezone

    from civicpanel.recruitment.services import extracts_purge_due

    made = batch(council, extract(council, residents(1, age=20)))
    _made(staff_client("manager"), made)
    extracts_purge_due(now=timezone.now() + datetime.timedelta(days=letter_files.FILE_KEEP_DAYS - 1))
    assert LetterFile.objects.filter(batch=made).exists()
    extracts_purge_due(now=timezone.now() + datetime.timedelta(days=letter_files.FILE_KEEP_DAYS, hours=1))
    assert not LetterFile.objects.filter(batch=made).exists()


def test_a_failed_file_says_so(council, staff_client, monkeypatch):
    made = batch(council, extract(council, residents(1, age=20)))

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr("civicpanel.recruitment.letters_pdf.letters_document", broken)
    client = staff_client("manager")
    with _capture(execute=True):
        client.post(f"/staff/recruitment/letters/{made.pk}/files/", {"kind": "digital"})
    assert LetterFile.objects.get(batch=made).status == LetterFile.Status.FAILED
    page = client.get(f"/staff/recruitment/letters/{made.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Failed. Try again" in page
