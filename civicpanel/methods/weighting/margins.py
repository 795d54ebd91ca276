"""Population margins: the dataclass, checks, reading a margins file, encoding respondents."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import MarginsError, RespondentsError

__all__ = ["Margin", "check_margins", "encode_feature", "read_margins_csv"]

SHARE_TOLERANCE = 1e-3
"""Shares of one feature may add up to 1 within this (published rounded figures); they are
then rescaled to add up to exactly 1."""

COUNT_TOLERANCE = 1e-3
"""Counts of different features may differ in total by this fraction (registers taken on
different dates); each is then rescaled to the first feature's total."""

Kind = Literal["share", "count"]


@dataclass(frozen=True)
class Margin:
    """The population figure of each category of one feature.

    `targets` are shares (adding up to 1) or counts, as `kind` says. `lines` are the
    margins file's line numbers of the categories, when read from a file.
    """

    feature: str
    categories: tuple[str, ...]
    targets: tuple[float, ...]
    kind: Kind = "share"
    lines: tuple[int, ...] | None = None
    source: str | None = None

    def where(self, index: int) -> str:
        """'margins.csv line 7' for the category at `index`, or '' without a file."""
        if self.lines is None or self.source is None:
            return ""
        return f" ({self.source} line {self.lines[index]})"


def check_margins(margins: Sequence[Margin]) -> tuple[Kind, list[np.ndarray]]:
    """Check the margins and return their kind and their targets, made consistent.

    Shares come back adding up to exactly 1; counts come back with every feature at the
    first feature's total. Raises `MarginsError` naming the feature and category.
    """
    if not margins:
        raise MarginsError("no population margins given: name at least one feature with its figures",
                           code="weighting.no_margins")
    seen: set[str] = set()
    kinds = {m.kind for m in margins}
    if len(kinds) != 1:
        raise MarginsError("margins mix shares and counts: give every feature as shares, or every "
                           "feature as counts", code="weighting.mixed_kinds")
    kind = margins[0].kind
    out: list[np.ndarray] = []
    for m in margins:
        if m.feature in seen:
            raise MarginsError(f"feature '{m.feature}' appears twice among the margins",
                               code="weighting.feature_twice", feature=m.feature)
        seen.add(m.feature)
        if len(m.categories) != len(m.targets):
            raise MarginsError(f"feature '{m.feature}': {len(m.categories)} categories but "
                               f"{len(m.targets)} figures", code="weighting.figure_count",
                               feature=m.feature, categories=len(m.categories), figures=len(m.targets))
        if not m.categories:
            raise MarginsError(f"feature '{m.feature}' has no categories", code="weighting.no_categories",
                               feature=m.feature)
        dupes = {c for c in m.categories if m.categories.count(c) > 1}
        if dupes:
            raise MarginsError(f"feature '{m.feature}': category '{sorted(dupes)[0]}' is listed "
                               "twice; give each category once", code="weighting.category_twice",
                               feature=m.feature, category=sorted(dupes)[0])
        t = np.asarray(m.targets, dtype=float)
        for i, v in enumerate(t):
            if not math.isfinite(v) or v < 0:
                raise MarginsError(f"feature '{m.feature}', category '{m.categories[i]}'"
                                   f"{m.where(i)}: the {kind} {m.targets[i]!r} is not a number "
                                   "of zero or more", code="weighting.bad_figure", feature=m.feature,
                                   category=m.categories[i], value=str(m.targets[i]))
        total = float(t.sum())
        if total <= 0:
            raise MarginsError(f"feature '{m.feature}': all figures are zero", code="weighting.all_zero",
                               feature=m.feature)
        if kind == "share":
            if abs(total - 1.0) > SHARE_TOLERANCE:
                raise MarginsError(
                    f"feature '{m.feature}': the shares add up to {total:.4f}, not 1 "
                    f"(tolerance {SHARE_TOLERANCE:g}). A category may be missing or a share "
                    "mistyped; shares in per cent must be divided by 100", code="weighting.shares_sum",
                    feature=m.feature, total=total)
            t = t / total
        out.append(t)
    if kind == "count":
        first = float(out[0].sum())
        for m, t in zip(margins[1:], out[1:], strict=True):
            total = float(t.sum())
            if abs(total - first) > COUNT_TOLERANCE * first:
                raise MarginsError(
                    f"the counts of feature '{m.feature}' add up to {total:,.0f} but those of "
                    f"'{margins[0].feature}' to {first:,.0f}: every feature must describe the "
                    "same population. Take the figures from the same date, or give shares",
                    code="weighting.counts_differ", feature=m.feature, total=total,
                    first_feature=margins[0].feature, first_total=first)
        out = [out[0]] + [t * (first / t.sum()) for t in out[1:]]
    return kind, out


def read_margins_csv(path: str | Path) -> list[Margin]:
    """Read `feature,value,share` or `feature,value,count` rows, in file order."""
    path = Path(path)
    name = path.name
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise MarginsError(f"cannot open the margins file {name}: {exc.strerror}",
                           code="weighting.file_open", file=name, reason=str(exc.strerror)) from exc
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise MarginsError(f"{name} is empty: expected a header feature,value,share "
                               "or feature,value,count", code="weighting.margins_file_empty", file=name)
        cols = [h.strip().lower() for h in header]
        if len(cols) != 3 or cols[:2] != ["feature", "value"] or cols[2] not in {"share", "count"}:
            raise MarginsError(f"{name} line 1: the header is {','.join(header)!r}; expected "
                               "feature,value,share or feature,value,count", code="weighting.margins_header",
                               file=name, header=",".join(header))
        kind: Kind = "share" if cols[2] == "share" else "count"
        order: list[str] = []
        rows: dict[str, list[tuple[str, float, int]]] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 3:
                raise MarginsError(f"{name} line {line}: expected 3 fields (feature,value,{kind}), "
                                   f"found {len(row)}", code="weighting.margins_fields", file=name, line=line,
                                   found=len(row))
            feature, value, raw = (cell.strip() for cell in row)
            if not feature or not value:
                raise MarginsError(f"{name} line {line}: the feature and the value must not be empty",
                                   code="weighting.margins_empty_cell", file=name, line=line)
            try:
                number = float(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw \
                    else float(raw)
            except ValueError:
                raise MarginsError(f"{name} line {line}: the {kind} {raw!r} for '{feature}' = "
                                   f"'{value}' is not a number", code="weighting.margins_not_number",
                                   file=name, line=line, value=raw, feature=feature, category=value) from None
            if not math.isfinite(number) or number < 0:
                raise MarginsError(f"{name} line {line}: the {kind} {raw!r} for '{feature}' = "
                                   f"'{value}' must be a number of zero or more", code="weighting.margins_negative",
                                   file=name, line=line, value=raw, feature=feature, category=value)
            if feature not in rows:
                order.append(feature)
                rows[feature] = []
            if any(v == value for v, _, _ in rows[feature]):
                raise MarginsError(f"{name} line {line}: '{feature}' = '{value}' is listed twice",
                                   code="weighting.margins_twice", file=name, line=line, feature=feature,
                                   category=value)
            rows[feature].append((value, number, line))
    if not order:
        raise MarginsError(f"{name} has a header but no figures", code="weighting.margins_no_rows", file=name)
    return [Margin(feature=f, categories=tuple(v for v, _, _ in rows[f]),
                   targets=tuple(x for _, x, _ in rows[f]), kind=kind,
                   lines=tuple(ln for _, _, ln in rows[f]), source=name) for f in order]


def encode_feature(values: Sequence[str], margin: Margin, *, source: str | None = None,
                   lines: Sequence[int] | None = None) -> np.ndarray:
    """Category codes (indices into `margin.categories`) for one feature's values.

    An empty value or a value the margins lack raises `RespondentsError` naming the
    feature, the value, the lines (when `source` names a file) and what to do.
    """
    index = {c: i for i, c in enumerate(margin.categories)}
    codes = np.empty(len(values), dtype=np.int32)
    unknown: dict[str, list[int]] = {}
    for row, value in enumerate(values):
        code = index.get(value)
        if code is None:
            unknown.setdefault(value, []).append(row)
            code = -1
        codes[row] = code
    if unknown:
        value, rows = next(iter(unknown.items()))
        where = ""
        if source is not None:
            shown = ", ".join(str(lines[r] if lines is not None else r + 2) for r in rows[:5])
            more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            where = f" ({source} line{'s' if len(rows) > 1 else ''} {shown}{more})"
        known = ", ".join(f"'{c}'" for c in margin.categories)
        if value == "":
            raise RespondentsError(
                f"feature '{margin.feature}' is empty for {len(rows)} respondent(s){where}. Every "
                "respondent needs a value for each weighting feature: fill it in, or leave these "
                "respondents out of the weighting", code="weighting.empty_value", feature=margin.feature,
                n=len(rows))
        raise RespondentsError(
            f"feature '{margin.feature}': category '{value}' occurs among the respondents "
            f"{len(rows)} time(s){where} but not in the population margins (known: {known}). "
            "Add its population figure to the margins, or recode it into one of the known "
            "categories in the respondents file", code="weighting.unknown_category", feature=margin.feature,
            category=value, n=len(rows))
    return codes
