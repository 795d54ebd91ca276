"""A batch's letters made by the task worker, while the page shows how far it has come.

Laying out a letter takes a few hundredths of a second, so a batch of thousands would keep a
web request far past the server's timeout; staff ask for the file instead, the worker lays the
letters out PART_SIZE at a time (one layout pass per part, which keeps memory flat) and the
page follows its progress until the download appears.

- For printing: one PDF with one letter per page, the parts joined with pypdf. A batch of more
  than VOLUME_SIZE letters becomes a ZIP of PDFs of VOLUME_SIZE letters each, which a print
  shop or an office printer takes in turn.
- For digital post: the package of `letters_pdf.digital_post_zip` (one PDF per letter and
  manifest.csv), built part by part into one ZIP.

Asking for a file and every download are audited: the file names and places every addressee.
"""

from __future__ import annotations

import base64
import datetime
import io
import logging
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.common.pdf import PdfUnavailable, document_pdf, pdf_available
from civicpanel.recruitment import letters_pdf, selectors
from civicpanel.recruitment.models import LetterBatch, LetterFile

logger = logging.getLogger(__name__)

VOLUME_SIZE = 1000
FILE_KEEP_DAYS = 7  # a file is made again in minutes; its addresses should not linger


def letters_file_request(*, council, actor, batch: LetterBatch, kind: str, base_url: str,
                         request=None) -> LetterFile:
    """Queue the making of the batch's letters as `kind` (print or digital); while one of that
    kind is still being made, that one is returned instead of a second."""
    if kind not in LetterFile.Kind.values:
        raise ValidationError(_("Choose the PDF for printing or the digital-post package."))
    if not pdf_available():
        raise ValidationError(_("Letters cannot be made as PDF on this server: the PDF library is not installed. "
                                "Ask the operator to install it."))
    total = letters_pdf.printable_letters(batch).count()
    if not total:
        raise ValidationError(_("The addresses of these letters have been deleted; they can no longer be printed."))
    from civicpanel.recruitment.tasks import letter_file_render

    with transaction.atomic():
        # A second click while the same file is still being made follows that one.
        LetterBatch.objects.select_for_update().filter(pk=batch.pk).first()
        waiting = LetterFile.objects.filter(LetterFile.working_q(), batch=batch, kind=kind).defer("content").first()
        if waiting is not None:
            return waiting
        made = LetterFile.objects.create(council=council, batch=batch, kind=kind, base_url=base_url.rstrip("/")[:200],
                                         total=total, requested_by=actor)
        audit_record(council=council, actor=actor, action="recruitment.letters_request", target=batch,
                     detail={"file": made.pk, "kind": kind, "letters": total}, request=request)
        transaction.on_commit(lambda: letter_file_render.enqueue(made.pk))
    return made


class _Progress:
    def __init__(self, file_id: int):
        self.file_id = file_id
        self.done = 0

    def add(self, count: int) -> None:
        self.done += count
        LetterFile.objects.filter(pk=self.file_id).update(done=self.done)


def _parts(made: LetterFile, progress: _Progress):
    """(pages, laid-out document) for each part of the batch, telling the progress after each."""
    batch = made.batch
    keep = selectors.recruitment_settings(council=made.council)
    delete_on = selectors.extract_delete_on(batch.extract, keep_days=keep.extract_keep_days) if batch.extract else None
    for part in range(1, -(-made.total // letters_pdf.PART_SIZE) + 1):
        pages = letters_pdf.letter_pages(batch=batch, base_url=made.base_url, part=part)
        if not pages:
            break
        html = letters_pdf.letters_html(batch=batch, pages=pages, return_address=keep.return_address,
                                        delete_on=delete_on, signup_url=made.base_url + "/join/letter/")
        yield pages, letters_pdf.letters_document(html)
        progress.add(len(pages))


def _print_file(made: LetterFile, progress: _Progress) -> tuple[bytes, str, str]:
    from pypdf import PdfReader, PdfWriter

    volumes: list[tuple[int, int, bytes]] = []
    writer, first, count = PdfWriter(), 1, 0

    def close_volume():
        buffer = io.BytesIO()
        writer.write(buffer)
        volumes.append((first, first + count - 1, buffer.getvalue()))

    for pages, document in _parts(made, progress):
        if count and count + len(pages) > VOLUME_SIZE:
            close_volume()
            writer, first, count = PdfWriter(), first + count, 0
        writer.append(PdfReader(io.BytesIO(document_pdf(document))))
        count += len(pages)
    if count:
        close_volume()
    name = f"letters-{made.batch_id}"
    if len(volumes) == 1:
        return volumes[0][2], f"{name}.pdf", "application/pdf"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for start, end, content in volumes:
            archive.writestr(f"{name}-{start:05d}-{end:05d}.pdf", content)
    return out.getvalue(), f"{name}.zip", "application/zip"


def _digital_file(made: LetterFile, progress: _Progress) -> tuple[bytes, str, str]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = letters_pdf.Manifest()
        for pages, document in _parts(made, progress):
            letters_pdf.digital_post_add(archive, manifest, document=document, pages=pages)
        manifest.write(archive)
    return out.getvalue(), f"digital-post-{made.batch_id}.zip", "application/zip"


def letters_file_render(*, file_id: int) -> LetterFile | None:
    """Make the file (the task). A file already made, or deleted meanwhile, is left alone."""
    made = LetterFile.objects.select_related("council", "batch__council", "batch__extract").defer("content") \
        .filter(pk=file_id).first()
    if made is None or made.status == LetterFile.Status.READY:
        return made
    LetterFile.objects.filter(pk=made.pk).update(status=LetterFile.Status.RENDERING, done=0, error="")
    make = _print_file if made.kind == LetterFile.Kind.PRINT else _digital_file
    try:
        content, filename, content_type = make(made, _Progress(made.pk))
    except PdfUnavailable:
        error = "pdf_unavailable"
    except Exception:
        logger.exception("letter file %s failed", made.pk)
        error = "failed"
    else:
        LetterFile.objects.filter(pk=made.pk).update(
            status=LetterFile.Status.READY, done=made.total, content=base64.b64encode(content).decode("ascii"),
            filename=filename, content_type=content_type, size=len(content), finished_at=timezone.now())
        return LetterFile.objects.defer("content").filter(pk=made.pk).first()
    LetterFile.objects.filter(pk=made.pk).update(status=LetterFile.Status.FAILED, error=error,
                                                 finished_at=timezone.now())
    return LetterFile.objects.defer("content").filter(pk=made.pk).first()


def letters_file_download(*, council, actor, made: LetterFile, request=None) -> bytes:
    """The file's bytes, written to the audit log (who took which letters)."""
    if made.council_id != council.pk or made.status != LetterFile.Status.READY:
        raise ValidationError(_("These letters are not ready."))
    action = "recruitment.letters_pdf" if made.kind == LetterFile.Kind.PRINT else "recruitment.letters_zip"
    audit_record(council=council, actor=actor, action=action, target=made.batch,
                 detail={"file": made.pk, "letters": made.total}, request=request)
    return base64.b64decode(made.content)


def letter_files_purge(*, council, extract=None, now: datetime.datetime | None = None) -> int:
    """Delete the letter files of an extract whose addresses are deleted (`extract`), or every
    file of the council made more than FILE_KEEP_DAYS ago. Returns how many were deleted."""
    files = LetterFile.objects.filter(council=council)
    if extract is not None:
        files = files.filter(batch__extract=extract)
    else:
        files = files.filter(created_at__lt=(now or timezone.now()) - datetime.timedelta(days=FILE_KEEP_DAYS))
    deleted, _per_model = files.delete()
    return deleted
