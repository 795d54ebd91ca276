"""CSV writing and reading that is safe to open in any spreadsheet, and says where input is wrong."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.common.security import spreadsheet_safe


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """A CSV download (UTF-8 with BOM so Excel reads æøå) with formula injection neutralised."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe("" if v is None else v) for v in row])
    return response


def write_csv(path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """The same CSV as `csv_response`, written to a file (exports that leave the install)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(h) for h in header])
        for row in rows:
            writer.writerow([spreadsheet_safe("" if v is None else v) for v in row])


class CsvInputError(ValueError):
    """A CSV file that cannot be read at all (encoding, header)."""


def read_csv_upload(data: bytes, *, required: Sequence[str], filename: str = "file") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Decode an uploaded CSV (UTF-8 with or without BOM, or Windows-1252 as Excel writes it),
    sniff ; or , as separator, check the header, and return (header, [(line_number, row), ...]).
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise CsvInputError(_("%(file)s: cannot read the file as text (save it as CSV UTF-8).")
                            % {"file": filename})
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line:
        raise CsvInputError(_("%(file)s: the file is empty.") % {"file": filename})
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [column for column in required if column not in header]
    if missing:
        raise CsvInputError(ngettext(
            "%(file)s, line 1: the column %(missing)s is missing; the columns found are %(found)s.",
            "%(file)s, line 1: the columns %(missing)s are missing; the columns found are %(found)s.", len(missing))
            % {"file": filename, "missing": ", ".join(missing), "found": ", ".join(header)})
    rows = []
    for line_number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            rows.append((line_number, {}))
            continue
        rows.append((line_number, {header[i]: v.strip() for i, v in enumerate(values) if i < len(header)}))
    return header, rows
