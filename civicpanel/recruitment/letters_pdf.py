"""The letters as PDF (WeasyPrint): one A4 page per letter, the address where the envelope's
window is, the personal code and a QR code to the sign-up page; and the digital-post package.

The window positions (Danish and Norwegian envelopes) are common.envelopes.WINDOWS.

A part of the batch (PART_SIZE letters) is rendered as one document (one layout pass for all
its pages); the digital-post package splits it page by page, so a letter reads the same on
paper and in the mailbox.
"""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from civicpanel.common.envelopes import WINDOWS
from civicpanel.common.pdf import document_pdf, render_document
from civicpanel.common.security import spreadsheet_safe
from civicpanel.recruitment import codes
from civicpanel.recruitment.models import Letter, LetterBatch

LAYOUTS = {
    LetterBatch.Layout.DK: WINDOWS["dk"],
    LetterBatch.Layout.NO: WINDOWS["no"],
}


# The task worker lays the letters out this many at a time (letter_files.py): one layout pass
# per part keeps memory flat however large the batch, and the page's progress moves per part.
PART_SIZE = 100


def qr_png_data_uri(url: str) -> str:
    """The QR code as a PNG (WeasyPrint draws a bitmap several times faster than an SVG path).
    One fixed mask pattern instead of trying all eight: any mask reads as well, and the code
    is made eight times faster."""
    import qrcode

    maker = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2, mask_pattern=0)
    maker.add_data(url)
    maker.make(fit=True)
    buffer = io.BytesIO()
    maker.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class LetterPage:
    letter: Letter
    name: str
    address_lines: list[str]
    code: str
    url: str
    qr: str
    reference: str


def printable_letters(batch: LetterBatch):
    return Letter.objects.filter(batch=batch, addressee__isnull=False).order_by("id")


def letter_pages(*, batch: LetterBatch, base_url: str, part: int = 1) -> list[LetterPage]:
    """The letters of one part (1, 2, ...) of the batch whose addressee is still known, with
    their codes rebuilt."""
    pages = []
    start = (part - 1) * PART_SIZE
    letters = printable_letters(batch).select_related("addressee")[start:start + PART_SIZE]
    for letter in letters:
        addressee = letter.addressee
        code = codes.letter_code(letter.pk, letter.salt)
        url = f"{base_url.rstrip('/')}/join/letter/{code}/"
        lines = [line for line in addressee.address.splitlines() if line.strip()]
        lines.append(f"{addressee.postal_code} {addressee.town}".strip())
        pages.append(LetterPage(letter=letter, name=addressee.name, address_lines=lines, code=codes.shown(code),
                                url=url, qr=qr_png_data_uri(url), reference=addressee.reference))
    return pages


def letters_html(*, batch: LetterBatch, pages: list[LetterPage], return_address: str, delete_on,
                 signup_url: str) -> str:
    with translation.override(batch.language):
        return render_to_string("recruitment/letter_pdf.html", {
            "batch": batch, "council": batch.council, "pages": pages, "window": LAYOUTS[batch.layout],
            "return_address": return_address, "delete_on": delete_on, "signup_url": signup_url,
        })


def letters_document(html: str):
    """The laid-out pages (common.pdf, which loads nothing from the network): written whole for
    print (`document_pdf(document)`), or page by page for digital post."""
    return render_document(html)


class Manifest:
    """manifest.csv of the digital-post package: one line per letter naming its file and its
    addressee (UTF-8 with a byte-order mark, semicolons). civicpanel holds no CPR or national
    identity number, so this is not a sender's bulk format: the council's sender (or the
    council's own staff) matches each file to a mailbox by the register's reference, or by name
    and address, in its own system (docs/recruitment.md)."""

    HEADER = ["file", "letter", "reference", "name", "address", "postal_code_and_town"]

    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=";")
        self.writer.writerow(self.HEADER)

    def add(self, filename: str, page: LetterPage) -> None:
        self.writer.writerow([spreadsheet_safe(v) for v in (
            filename, page.letter.pk, page.reference, page.name, ", ".join(page.address_lines[:-1]),
            page.address_lines[-1])])

    def write(self, archive: zipfile.ZipFile) -> None:
        archive.writestr("manifest.csv", "\ufeff" + self.buffer.getvalue())


def digital_post_add(archive: zipfile.ZipFile, manifest: Manifest, *, document, pages: list[LetterPage]) -> None:
    """One part's letters into the package: one PDF per addressee (the part's pages written one
    by one from the same layout, so a letter reads the same on paper and in the mailbox)."""
    for laid_out, page in zip(document.pages, pages, strict=True):
        filename = f"letter-{page.letter.pk}.pdf"
        archive.writestr(filename, document_pdf(document, pages=[laid_out]))
        manifest.add(filename, page)
