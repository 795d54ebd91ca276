"""Read the people and features sheets in the Sortition Foundation's CSV layout.

features: `feature,value,min,max` (older sheets: `category,name,min,max`), optionally
`min_flex,max_flex` (how far a suggested relaxation may go) and `population` (the
value's population share or count, for stratified samples).
people: an id column (default `id`) and one column per feature; other columns are kept.

Comma, semicolon and tab separated files are accepted (the separator is read from the
header line), with or without a byte-order mark. Every problem is reported with the
file and the line, all at once; nothing is selected from a file with problems.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem
from .data import Features, Pool, Quota
from .errors import InputFileError

FEATURE_ALIASES = {"feature": ("feature", "category"), "value": ("value", "name", "category value",
                                                                   "category_value", "category-value")}


@dataclass(frozen=True)
class Table:
    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # line number of each row in the file


def read_table(path: str | Path) -> Table:
    """All rows of a CSV file; empty lines and ragged rows are reported with their line."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError([Problem(f"{name}: file not found", code="selection.file_not_found", file=name)]) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError([Problem(f"{name}: not UTF-8 text (save the sheet as CSV UTF-8)",
                                      code="selection.not_utf8", file=name)]) from exc
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    problems: list[str] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            problems.append(Problem(f"{name}, line {line}: empty line", code="selection.empty_line", file=name,
                                    line=line))
            continue
        if header is None:
            header = cells
            continue
        if len(cells) != len(header):
            problems.append(Problem(f"{name}, line {line}: {len(cells)} cells, but the header has {len(header)}",
                                    code="selection.cells", file=name, line=line, found=len(cells),
                                    expected=len(header)))
            continue
        rows.append(cells)
        lines.append(line)
    if header is None:
        problems.insert(0, Problem(f"{name}: the file is empty", code="selection.file_empty", file=name))
    if problems:
        raise InputFileError(problems)
    assert header is not None
    return Table(name, header, rows, lines)


def _column(table: Table, names: tuple[str, ...], problems: list[str], required: bool = True) -> int | None:
    lowered = [h.casefold() for h in table.header]
    found = [i for i, h in enumerate(lowered) if h in names]
    if len(found) > 1:
        problems.append(Problem(f"{table.path}, line 1: more than one column named {names[0]!r}",
                                code="selection.column_twice", file=table.path, column=names[0]))
    elif not found and required:
        problems.append(Problem(
            f"{table.path}, line 1: no column {names[0]!r} (the header is: {', '.join(table.header)})",
            code="selection.no_column", file=table.path, column=names[0], header=", ".join(table.header)))
    return found[0] if found else None


def read_features(path: str | Path) -> Features:
    table = read_table(path)
    problems: list[str] = []
    col_f = _column(table, FEATURE_ALIASES["feature"], problems)
    col_v = _column(table, FEATURE_ALIASES["value"], problems)
    col_min = _column(table, ("min",), problems, required=False)
    col_max = _column(table, ("max",), problems, required=False)
    col_pop = _column(table, ("population", "share"), problems, required=False)
    if (col_min is None) != (col_max is None):
        problems.append(Problem(f"{table.path}, line 1: 'min' and 'max' columns come together",
                                code="selection.min_max_together", file=table.path))
    if col_min is None and col_pop is None:
        problems.append(Problem(f"{table.path}, line 1: need 'min' and 'max' columns (or 'population' for a "
                                f"stratified sample); the header is: {', '.join(table.header)}",
                                code="selection.no_bounds", file=table.path, header=", ".join(table.header)))
    col_min_flex = _column(table, ("min_flex",), problems, required=False)
    col_max_flex = _column(table, ("max_flex",), problems, required=False)
    if problems:
        raise InputFileError(problems)
    assert col_f is not None and col_v is not None
    quotas: list[Quota] = []
    seen: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        where = f"{table.path}, line {line}"
        feature, value = row[col_f], row[col_v]
        if not feature or not value:
            problems.append(Problem(f"{where}: the feature and the value must both be filled in",
                                    code="selection.feature_value_empty", file=table.path, line=line))
            continue
        key = (feature.casefold(), value.casefold())
        if key in seen:
            problems.append(Problem(f"{where}: {feature} {value} is already on line {seen[key]}",
                                    code="selection.quota_twice", file=table.path, line=line, feature=feature,
                                    value=value, other_line=seen[key]))
            continue
        seen[key] = line

        def number(col: int | None, label: str, default: int | None, where: str = where,
                   row: list[str] = row, line: int = line) -> int | None:
            if col is None or row[col] == "":
                if default is None and col is not None and label in ("min", "max"):
                    problems.append(Problem(f"{where}: no {label} given", code="selection.bound_missing",
                                            file=table.path, line=line, bound=label))
                return default
            try:
                return int(row[col])
            except ValueError:
                problems.append(Problem(f"{where}: {label} {row[col]!r} is not a whole number",
                                        code="selection.not_whole", file=table.path, line=line, bound=label,
                                        value=row[col]))
                return default

        lo = number(col_min, "min", 0 if col_min is None else None)
        hi = number(col_max, "max", 10**9 if col_max is None else None)
        min_flex = number(col_min_flex, "min_flex", None)
        max_flex = number(col_max_flex, "max_flex", None)
        population = None
        if col_pop is not None and row[col_pop] != "":
            try:
                population = float(row[col_pop].replace(",", ".").rstrip("%"))
                if population < 0:
                    raise ValueError
            except ValueError:
                problems.append(Problem(f"{where}: population {row[col_pop]!r} is not a number >= 0",
                                        code="selection.bad_population", file=table.path, line=line,
                                        value=row[col_pop]))
        if lo is None or hi is None:
            continue
        if lo < 0:
            problems.append(Problem(f"{where}: min {lo} is negative", code="selection.min_negative",
                                    file=table.path, line=line, value=lo))
        if lo > hi:
            problems.append(Problem(f"{where}: min {lo} is greater than max {hi}", code="selection.min_above_max",
                                    file=table.path, line=line, min=lo, max=hi))
        if min_flex is not None and min_flex > lo:
            problems.append(Problem(f"{where}: min_flex {min_flex} is greater than min {lo}",
                                    code="selection.min_flex", file=table.path, line=line, flex=min_flex, min=lo))
        if max_flex is not None and max_flex < hi:
            problems.append(Problem(f"{where}: max_flex {max_flex} is less than max {hi}",
                                    code="selection.max_flex", file=table.path, line=line, flex=max_flex, max=hi))
        quotas.append(Quota(feature, value, lo, hi, min_flex, max_flex, population))
    if not quotas and not problems:
        problems.append(Problem(f"{table.path}: no features listed", code="selection.no_features",
                                file=table.path))
    if problems:
        raise InputFileError(problems)
    return Features(tuple(quotas))


def read_people(path: str | Path, features: Features, id_column: str = "id",
                response_rate_column: str | None = None) -> tuple[Pool, Table]:
    """The pool, and the table itself (to write the selected people's full rows)."""
    table = read_table(path)
    problems: list[str] = []
    col_id = _column(table, (id_column.casefold(),), problems)
    cols = {f: _column(table, (f.casefold(),), problems) for f in features.names}
    col_rate = (_column(table, (response_rate_column.casefold(),), problems)
                if response_rate_column else None)
    if problems:
        raise InputFileError(problems)
    assert col_id is not None
    canon = {f: {v.casefold(): v for v in features.values(f)} for f in features.names}
    ids: list[str] = []
    values: dict[str, list[str]] = {f: [] for f in features.names}
    rates: list[float] = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        where = f"{table.path}, line {line}"
        pid = row[col_id]
        if not pid:
            problems.append(Problem(f"{where}: no {id_column}", code="selection.no_id", file=table.path, line=line,
                                    column=id_column))
        elif pid in seen:
            problems.append(Problem(f"{where}: duplicate {id_column} {pid!r} (also on line {seen[pid]})",
                                    code="selection.id_twice", file=table.path, line=line, column=id_column,
                                    value=pid, other_line=seen[pid]))
        else:
            seen[pid] = line
        for f, col in cols.items():
            assert col is not None
            v = canon[f].get(row[col].casefold())
            if v is None:
                problems.append(Problem(
                    f"{where}: unknown {f} {row[col]!r} (the features file lists: {', '.join(canon[f].values())})",
                    code="selection.unknown_value", file=table.path, line=line, feature=f, value=row[col],
                    known=", ".join(canon[f].values())))
            values[f].append(v or "")
        if col_rate is not None:
            try:
                rate = float(row[col_rate].replace(",", ".").rstrip("%"))
                if row[col_rate].endswith("%"):
                    rate /= 100
                if not 0 <= rate <= 1:
                    raise ValueError
                rates.append(rate)
            except ValueError:
                problems.append(Problem(f"{where}: response rate {row[col_rate]!r} is not between 0 and 1",
                                        code="selection.bad_rate", file=table.path, line=line,
                                        value=row[col_rate]))
                rates.append(0.0)
        ids.append(pid)
    if problems:
        raise InputFileError(problems)
    pool = Pool.build(ids, values, features, rates if col_rate is not None else None)
    return pool, table
