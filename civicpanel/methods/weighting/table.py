"""Reading a respondents file: a CSV with a header, one respondent per record."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import RespondentsError

__all__ = ["Table", "parse_numbers", "read_table", "write_table"]


@dataclass
class Table:
    """A CSV file's columns as lists of stripped strings, with each record's line number."""

    name: str
    header: list[str]
    columns: dict[str, list[str]]
    lines: list[int]

    @property
    def n(self) -> int:
        return len(self.lines)

    def column(self, name: str, what: str) -> list[str]:
        if name not in self.columns:
            have = ", ".join(self.header)
            raise RespondentsError(f"{self.name} has no column '{name}' ({what}); its columns are: {have}",
                                   code="weighting.no_column", file=self.name, column=name, columns=have)
        return self.columns[name]


def read_table(path: str | Path) -> Table:
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise RespondentsError(f"cannot open {path.name}: {exc.strerror}", code="weighting.file_open",
                               file=path.name, reason=str(exc.strerror)) from exc
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise RespondentsError(f"{path.name} is empty: expected a header line with column names",
                                   code="weighting.respondents_file_empty", file=path.name)
        header = [h.strip() for h in header]
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise RespondentsError(f"{path.name} line 1: column '{dupes[0]}' appears twice",
                                   code="weighting.column_twice", file=path.name, column=dupes[0])
        cols: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        width = len(header)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                raise RespondentsError(f"{path.name} line {reader.line_num}: {len(row)} fields, "
                                       f"but the header has {width}", code="weighting.fields",
                                       file=path.name, line=reader.line_num, found=len(row), expected=width)
            for c, value in zip(cols, row, strict=True):
                c.append(value.strip())
            lines.append(reader.line_num)
    if not lines:
        raise RespondentsError(f"{path.name} has a header but no respondents",
                               code="weighting.respondents_no_rows", file=path.name)
    return Table(path.name, header, dict(zip(header, cols, strict=True)), lines)


def parse_numbers(table: Table, column: str, what: str, *, allow_empty: bool) -> np.ndarray:
    """A column as floats (NaN for empty when allowed); names the line of a bad value."""
    values = table.column(column, what)
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v == "":
            if not allow_empty:
                raise RespondentsError(f"{table.name} line {table.lines[i]}: the {what} "
                                       f"'{column}' is empty", code="weighting.number_empty",
                                       file=table.name, line=table.lines[i], column=column)
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            raise RespondentsError(f"{table.name} line {table.lines[i]}: the {what} '{column}' "
                                   f"is {v!r}, not a number", code="weighting.not_number",
                                   file=table.name, line=table.lines[i], column=column, value=v) from None
    return out


def write_table(table: Table, path: str | Path, extra: str, values: np.ndarray) -> None:
    """Write the table back with column `extra` (replaced if present) holding `values`."""
    header = [h for h in table.header if h != extra] + [extra]
    cols = [table.columns[h] for h in header[:-1]]
    formatted = [repr(float(v)) for v in values]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(zip(*cols, formatted, strict=True))
