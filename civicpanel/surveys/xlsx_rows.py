"""A big sheet of plain values written straight as SpreadsheetML, for the Excel export.

openpyxl makes a cell object per value and writes each through lxml: for 50,000 responses (close
to a million cells) that was most of the export's time. The rows here are only numbers and text,
so each row is formatted as the XML openpyxl would write for it (the same cell types and number
format) and streamed into the workbook's file for that sheet; openpyxl still writes everything
else (the other sheets, styles, the workbook's parts).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from civicpanel.common.security import xlsx_safe

SHEET_DATA = "<sheetData></sheetData>"


def _cell_rest(value: object) -> str:
    """One cell as openpyxl writes it, after its reference: numbers as numbers ("%.16g"), text
    inline; "" for an empty value (openpyxl leaves out an empty cell too)."""
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        return f' t="n"><v>{value:.16g}</v></c>'
    text = xlsx_safe(str(value))
    if text == "":
        return ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def sheet_rows_xml(rows: Iterable[Iterable[object]], *, start: int = 1) -> Iterable[str]:
    """The <row> elements of these rows (numbered from `start`), one string per row. A value
    that repeats (codes, weights) is formatted once."""
    letters: list[str] = []
    known: dict[tuple[type, object], str] = {}
    for number, row in enumerate(rows, start=start):
        values = list(row)
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = []
        for letter, value in zip(letters, values, strict=False):
            if value is None:
                continue
            key = (value.__class__, value)
            rest = known.get(key)
            if rest is None:
                rest = _cell_rest(value)
                if len(known) < 100_000:
                    known[key] = rest
            if rest:
                cells.append(f'<c r="{letter}{number}"{rest}')
        yield f'<row r="{number}">{"".join(cells)}</row>'


def fill_sheet(workbook_file, sheet_part: str, rows: Iterable[str],
               progress: Callable[[int], None] | None = None) -> bytes:
    """The workbook saved by openpyxl in `workbook_file` (a path or an open file), with the empty sheet `sheet_part`
    (e.g. "xl/worksheets/sheet1.xml") given these <row> elements; returns the file's bytes."""
    with tempfile.TemporaryFile() as out:
        with zipfile.ZipFile(workbook_file) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename != sheet_part:
                    with source.open(info) as part, target.open(info.filename, "w") as copy:
                        shutil.copyfileobj(part, copy)
                    continue
                before, after = source.read(info).decode("utf-8").split(SHEET_DATA)
                with target.open(info.filename, "w", force_zip64=True) as sheet:
                    sheet.write(before.encode("utf-8") + b"<sheetData>")
                    chunk: list[str] = []
                    for index, row in enumerate(rows, start=1):
                        chunk.append(row)
                        if len(chunk) == 1000:
                            sheet.write("".join(chunk).encode("utf-8"))
                            chunk = []
                            if progress is not None and index % 5000 == 0:
                                progress(index)
                    sheet.write("".join(chunk).encode("utf-8"))
                    sheet.write(b"</sheetData>" + after.encode("utf-8"))
        out.seek(0)
        return out.read()
