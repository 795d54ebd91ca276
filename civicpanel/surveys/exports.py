"""Pseudonymous exports of a survey's completed responses (CSV, XLSX and SPSS .sav) with a
codebook, ready for an analyst's own tools.

No name, no e-mail, no member id: each respondent is an id derived from a keyed hash of the
response, stable across exports of the same survey. Answers are numeric codes with labels
(the option codes 1, 2, 3 …; "other" 97; yes 1, no 0; scale points as they are), stored as
numbers; text stays text. The respondent's profile categories (age band, district, gender …)
come beside the answers where they cannot single anyone out: every combination of them is
shared by at least MIN_GROUP respondents, by merging age bands, leaving a question out, or,
last, blanking it for the few in a rare group (protect_profile; the codebook says what was
done). How the answers came in (web, paper, phone) counts as part of the profile, since the
staff who typed in paper and phone answers know whose they were: paper and phone may become
one group, and the column is never left out. Text that a spreadsheet would run as a formula is neutralised. Every export is written
to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.audit.services import audit_record
from civicpanel.common.csvio import csv_response
from civicpanel.common.models import translated
from civicpanel.common.security import xlsx_safe
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys.audience import profile_questions
from civicpanel.surveys.models import Question, Response, Survey
from civicpanel.surveys.questions import OTHER_CODE, option_codes, option_label, rows, scale_points
from civicpanel.surveys.respondent_rows import category_matrix, first_category, respondent_rows
from civicpanel.surveys.results import MIN_GROUP, completed_answers
from civicpanel.surveys.sampling import STRATIFY_KINDS
from civicpanel.surveys.selectors import survey_structure
from civicpanel.surveys.weighting import survey_weighting
from civicpanel.surveys.xlsx_rows import fill_sheet, sheet_rows_xml


def respondent_id(survey: Survey, response_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"respondent:{survey.pk}:{response_id}".encode(), hashlib.sha256)
    return "R" + digest.hexdigest()[:10]


# "Other, namely" in a single-choice question: a fixed numeric code, the same in every export.
OTHER_NUMBER = 97
YES, NO = 1, 0
# How a response came in (Response.Mode), as numbers: the web form, or typed in by staff.
MODE_NUMBERS = {Response.Mode.WEB: 1, Response.Mode.PAPER: 2, Response.Mode.PHONE: 3}


def mode_labels() -> dict[int, str]:
    """The meanings of MODE_NUMBERS, in the active language."""
    return {1: _("Online"), 2: _("Paper (typed in by staff)"), 3: _("Phone (typed in by staff)")}


@dataclass
class Variable:
    """One column of the export: its name, label, level of measurement and value labels.
    `measure` is "nominal", "ordinal" or "scale" for numbers, "text" for strings."""

    name: str
    label: str
    measure: str
    values: dict[int, str] = field(default_factory=dict)
    question: Question | None = None
    part: str | None = None
    read: str = "value"
    meaning: str = ""  # a note for the codebook

    @property
    def numeric(self) -> bool:
        return self.measure != "text"


def _code_number(question: Question, code: str) -> int:
    """The numeric code of an option: its own code when that is a number (1, 2, 3 …, as the
    builder gives them), "other" as 97, else its place in the list."""
    if code == OTHER_CODE:
        return OTHER_NUMBER
    if str(code).isdecimal():
        return int(code)
    return option_codes(question).index(code) + 1


def _option_values(question: Question) -> dict[int, str]:
    return {_code_number(question, code): option_label(question, code) for code in option_codes(question)}


def _scale_values(question: Question) -> dict[int, str]:
    return {p: _scale_meaning(question, p) for p in scale_points(question) if _scale_meaning(question, p)}


def _answer_variables(survey: Survey) -> list[Variable]:
    structure = survey_structure(survey)
    out: list[Variable] = []
    for question in structure.questions:
        if not question.answerable:
            continue
        base = f"Q{structure.number_of(question)}"
        text = translated(question.text)
        kind = question.kind
        if kind == Question.Kind.MULTI:
            out += [Variable(f"{base}_{_code_number(question, code)}", f"{text}: {option_label(question, code)}",
                             "nominal", {1: _("chosen"), 0: _("not chosen")}, question, code, "has")
                    for code in option_codes(question)]
        elif kind == Question.Kind.MATRIX:
            out += [Variable(f"{base}_{row['code']}", f"{text}: {translated(row['label'])}", "ordinal",
                             _scale_values(question), question, str(row["code"]), "row") for row in rows(question)]
        elif kind == Question.Kind.RANKING:
            out += [Variable(f"{base}_{_code_number(question, code)}", f"{text}: {option_label(question, code)}",
                             "ordinal", {1: _("first")}, question, code, "rank",
                             meaning=_("place given, 1 = first")) for code in option_codes(question)]
        elif kind == Question.Kind.SINGLE:
            out.append(Variable(base, text, "nominal", _option_values(question), question))
            if question.settings.get("allow_other"):
                out.append(Variable(f"{base}_other", f"{text}: {_('other, namely')}", "text", {}, question, None,
                                    "other", meaning=_("free text")))
        elif kind == Question.Kind.YESNO:
            out.append(Variable(base, text, "nominal", {YES: _("Yes"), NO: _("No")}, question))
        elif kind == Question.Kind.SCALE:
            out.append(Variable(base, text, "ordinal", _scale_values(question), question))
        elif kind == Question.Kind.NUMBER:
            out.append(Variable(base, text, "scale", {}, question))
        else:
            out.append(Variable(base, text, "text", {}, question, meaning=_("free text")))
    return out


def _number(value) -> int | float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _cell(variable: Variable, answer) -> object:
    if answer is None:
        return None
    value, other = answer
    question, read, part = variable.question, variable.read, variable.part
    if read == "has":
        return 1 if part in [str(v) for v in (value or [])] else 0
    if read == "row":
        return _number((value or {}).get(part))
    if read == "rank":
        return (value.index(part) + 1) if isinstance(value, list) and part in value else None
    if read == "other":
        return other or None
    if question.kind == Question.Kind.SINGLE:
        return _code_number(question, str(value)) if value not in (None, "") else None
    if question.kind == Question.Kind.YESNO:
        return {"yes": YES, "no": NO}.get(str(value))
    if question.kind in (Question.Kind.SCALE, Question.Kind.NUMBER):
        return _number(value)
    return value


# --- Profile variables beside the answers, protected against recognition ---------------------

@dataclass
class ProfileColumn:
    variable: Variable
    ordered: bool
    codes: list[int | None]  # per respondent
    # The values that may become one group: adjacent ones of an ordered column, else these pairs.
    merges: tuple[tuple[int, int], ...] = ()
    # Never left out, only merged or blanked (a column the export always has in its place).
    kept: bool = False


def _profile_columns(survey: Survey, response_ids: list[int]) -> list[ProfileColumn]:
    """Each respondent's category on every profile question with exclusive categories (codes
    1..k in the question's order). None where the member gave no answer or, for an anonymous
    survey that has closed, for everyone: then no profile columns at all."""
    if survey.anonymised_at or not response_ids:
        return []
    columns = []
    questions = [q for q in profile_questions(council=survey.council) if q.kind in STRATIFY_KINDS]
    rows = respondent_rows(survey=survey)
    ids = np.array(response_ids, dtype=np.int64)
    for question in questions:
        options = list(question.options.all())
        if not options:
            continue
        # The first category a respondent is in, numbered from 1; None for none.
        first = first_category(category_matrix(rows, question, ids, options)) + 1
        codes = [code or None for code in first.tolist()]
        label = _("Age") if question.kind == ProfileQuestion.Kind.BIRTH_YEAR else question.text
        variable = Variable(f"P_{question.key}"[:64], label, "ordinal" if question.kind == ProfileQuestion.Kind.BIRTH_YEAR
                            else "nominal", {i: o.text for i, o in enumerate(options, start=1)})
        columns.append(ProfileColumn(variable, question.kind == ProfileQuestion.Kind.BIRTH_YEAR, codes))
    return columns


def _codes_array(codes: list[int | None], arrays: dict | None) -> np.ndarray:
    """A column's codes as integers (a blank as 0); `arrays` keeps them for the same list."""
    found = arrays.get(id(codes)) if arrays is not None else None
    if found is not None and found[0] is codes:
        return found[1]
    array = np.nan_to_num(np.array(codes, dtype=np.float64), nan=0.0).astype(np.int64)
    if arrays is not None:
        arrays[id(codes)] = (codes, array)  # the list itself kept too: its id is not reused meanwhile
    return array


def _rare(columns: list[ProfileColumn], k: int, arrays: dict | None = None) -> list[int]:
    """The respondents in a combination shared by fewer than k (a fully blank one tells nothing).
    `arrays`: the columns' codes as arrays, kept between the calls of one protect_profile."""
    if not columns:
        return []
    # Each combination as one integer (a blank as 0), counted with numpy: protect_profile tries
    # every merge and drop, so this runs dozens of times over every respondent.
    key = np.zeros(len(columns[0].codes), dtype=np.int64)
    answered = np.zeros(len(key), dtype=bool)
    size = 1  # the number of possible keys so far
    for column in columns:
        codes = _codes_array(column.codes, arrays)
        base = int(codes.max(initial=0)) + 1
        if size * base >= 2**62:  # renumber the combinations present, so that the key cannot overflow
            key = np.unique(key, return_inverse=True)[1]
            size = int(key.max(initial=0)) + 1
        key = key * base + codes
        size *= base
        answered |= codes != 0
    if size <= 4 * len(key) + 1024:
        counts = np.bincount(key, minlength=size)
        return np.flatnonzero((counts[key] < k) & answered).tolist()
    _values, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return np.flatnonzero((counts[inverse] < k) & answered).tolist()


def _merged(column: ProfileColumn, a: int, b: int) -> ProfileColumn:
    values = dict(column.variable.values)
    values[a] = f"{values[a]} + {values[b]}"
    del values[b]
    variable = Variable(column.variable.name, column.variable.label, column.variable.measure, values)
    return ProfileColumn(variable, column.ordered, [a if code == b else code for code in column.codes],
                         column.merges, column.kept)


def _mergeable(column: ProfileColumn) -> list[tuple[int, int]]:
    values = column.variable.values
    if column.merges:
        return [(a, b) for a, b in column.merges if a in values and b in values]
    ordered = sorted(values)
    return list(zip(ordered, ordered[1:], strict=False)) if column.ordered and len(ordered) > 2 else []


def protect_profile(columns: list[ProfileColumn], *, k: int = MIN_GROUP) -> list[str]:
    """Make every combination of the profile columns shared by at least k respondents, so
    that no respondent can be picked out by their profile (k-anonymity). Step by step, the
    change that leaves the fewest respondents in a rare group: merge two adjacent age bands
    (or a column's `merges`), or leave a profile question out (a merge first, and the last
    question first, when equal; a `kept` column is never left out).
    When no such change helps any more, the profile of the respondents still in a rare group
    is left empty. Changes `columns` in place; returns what was done, for the codebook."""
    notes: list[str] = []
    arrays: dict = {}
    while rare := _rare(columns, k, arrays):
        options = []  # (rare left, is a drop, order, apply)
        for index, column in enumerate(columns):
            for a, b in _mergeable(column):
                trial = columns[:index] + [_merged(column, a, b)] + columns[index + 1:]
                options.append((len(_rare(trial, k, arrays)), 0, -index, ("merge", index, a, b)))
            if len(columns) > 1 and not column.kept:
                options.append((len(_rare(columns[:index] + columns[index + 1:], k, arrays)), 1, -index,
                                ("drop", index)))
        best = min(options, default=None)
        if best is None or best[0] >= len(rare):
            for column in columns:
                for i in rare:
                    column.codes[i] = None
            notes.append(ngettext("The profile of %(n)s respondent in a group smaller than %(k)s is left empty.",
                                  "The profile of %(n)s respondents in groups smaller than %(k)s is left empty.",
                                  len(rare)) % {"n": len(rare), "k": k})
            break
        action = best[3]
        if action[0] == "merge":
            _kind, index, a, b = action
            columns[index] = _merged(columns[index], a, b)
            notes.append(_("%(variable)s: “%(merged)s” are one group, so that no group of respondents is "
                           "smaller than %(k)s.") % {"variable": columns[index].variable.name,
                                                     "merged": columns[index].variable.values[a], "k": k})
        else:
            dropped = columns.pop(action[1])
            notes.append(_("%(variable)s (%(label)s) is left out: with it, some groups of respondents would be "
                           "smaller than %(k)s.") % {"variable": dropped.variable.name,
                                                     "label": dropped.variable.label, "k": k})
    return notes


@dataclass
class Export:
    variables: list[Variable]
    rows: list[list[object]]
    notes: list[str]

    @property
    def header(self) -> list[str]:
        return [v.name for v in self.variables]


def build_export(survey: Survey, progress=None) -> Export:
    """Completed responses, one row each: the pseudonymous id, the answers as numeric codes
    (text stays text), the design weight and the weight, then the respondent's profile
    categories where they cannot single anyone out, and how the answers came in (mode). Columns
    never move between exports of the same survey: later additions go at the end.
    `progress(percent, step)`, when given, hears how far it got (the worker's file page shows it)."""
    tell = progress or (lambda percent, step: None)
    answer_vars = _answer_variables(survey)
    modes: dict[int, str] = dict(Response.objects.filter(survey=survey, completed_at__isnull=False).order_by("pk")
                                 .values_list("pk", "mode"))
    # Each distinct answer read and decoded once (results.completed_answers), and its cell made once.
    answers = completed_answers(council=survey.council, survey=survey)
    response_ids = list(modes)
    positions = np.array(response_ids, dtype=np.int64)
    tell(20, "weighting")
    weighting = survey_weighting(council=survey.council, survey=survey)
    weights = weighting.by_response()
    tell(40, "profile")
    # How the answers came in tells the staff who typed in paper and phone answers whose row is
    # whose: it is protected with the profile (paper and phone merged, or blanked), never left out.
    mode = ProfileColumn(Variable("mode", _("How the answers came in"), "nominal", mode_labels()), False,
                         [MODE_NUMBERS.get(modes[response_id]) for response_id in response_ids],
                         merges=((MODE_NUMBERS[Response.Mode.PAPER], MODE_NUMBERS[Response.Mode.PHONE]),),
                         kept=True)
    protected = [*_profile_columns(survey, response_ids), mode]
    notes = protect_profile(protected)
    *profile, mode = protected
    tell(55, "rows")
    design_meaning = _("Design weight: 1 divided by the member's chance of being invited in a representative "
                       "sample; 1 when invited with certainty")
    if weighting.available:
        weight_meaning = _("Weight to the population, raked on %(features)s starting from the design weight") % {
            "features": ", ".join(weighting.feature_names)}
    else:
        weight_meaning = _("Weight to the population: empty, because the responses could not be weighted. "
                           "%(reason)s") % {"reason": weighting.reason}
    variables = ([Variable("respondent", _("Pseudonymous respondent id"), "text")] + answer_vars
                 + [Variable("design_weight", design_meaning, "scale"), Variable("weight", weight_meaning, "scale")]
                 + [c.variable for c in profile] + [mode.variable])
    weighted = [weights.get(response_id, (None, None)) for response_id in response_ids]
    columns = ([[respondent_id(survey, response_id) for response_id in response_ids]]
               + [_answer_column(v, answers.get(v.question.pk), positions) for v in answer_vars]
               + [[None if design is None else round(design, 6) for design, _weight in weighted],
                  [None if weight is None else round(weight, 6) for _design, weight in weighted]]
               + [c.codes for c in profile] + [mode.codes])
    table = [list(row) for row in zip(*columns, strict=True)] if response_ids else []
    return Export(variables=variables, rows=table, notes=notes)


def _answer_column(variable: Variable, given, response_ids: np.ndarray) -> list[object]:
    """One variable's cells for every response (ids sorted): each distinct answer's cell is made
    once and put in the rows of the responses that gave it; an "other" text is each response's own."""
    column = np.full(len(response_ids), None, dtype=object)
    if given is None or not len(response_ids):
        return column.tolist()
    if variable.read == "other":
        for response_id, text in given.others.items():
            at = int(np.searchsorted(response_ids, response_id))
            if at < len(response_ids) and response_ids[at] == response_id and text:
                column[at] = text
        return column.tolist()
    for value, ids in given.groups:
        cell = _cell(variable, (value, ""))
        if cell is None:
            continue
        at = np.minimum(np.searchsorted(response_ids, ids), len(response_ids) - 1)
        column[at[response_ids[at] == ids]] = cell
    return column.tolist()


def export_table(survey: Survey) -> tuple[list[str], list[list[object]]]:
    export = build_export(survey)
    return export.header, export.rows


def codebook(survey: Survey, export: Export | None = None) -> tuple[list[str], list[list[object]]]:
    """variable, question, kind, value, meaning: one row per variable, then one per code."""
    export = export or build_export(survey)
    header = [_("variable"), _("question"), _("kind"), _("value"), _("meaning")]
    measures = {"nominal": _("categories"), "ordinal": _("ordered categories"), "scale": _("number"),
                "text": _("text")}
    table: list[list[object]] = []
    for variable in export.variables:
        kind = variable.question.get_kind_display() if variable.question is not None else measures[variable.measure]
        table.append([variable.name, variable.label, kind, "", variable.meaning])
        table += [["", "", "", value, label] for value, label in sorted(variable.values.items())]
    table += [["", note, "", "", ""] for note in export.notes]
    return header, table


def _scale_meaning(question: Question, point: int) -> str:
    points = scale_points(question)
    if point == points[0]:
        return translated(question.settings.get("low_label"))
    if point == points[-1]:
        return translated(question.settings.get("high_label"))
    return ""


def _audit(*, council, actor, survey, fmt: str, rows_count: int, request) -> None:
    audit_record(council=council, actor=actor, action="survey.export", target=survey,
                 detail={"format": fmt, "rows": rows_count}, request=request)


def responses_export(*, council, actor, survey: Survey, fmt: str, request=None) -> HttpResponse:
    """The download for "csv", "codebook" (CSV), "xlsx" (responses and codebook sheets) or
    "sav" (SPSS, with variable and value labels and levels of measurement)."""
    assert survey.council_id == council.pk
    slug = f"survey-{survey.pk}"
    export = build_export(survey)
    with transaction.atomic():
        if fmt == "codebook":
            header, table = codebook(survey, export)
            _audit(council=council, actor=actor, survey=survey, fmt=fmt, rows_count=len(table), request=request)
            return csv_response(f"{slug}-codebook.csv", header, table)
        _audit(council=council, actor=actor, survey=survey, fmt=fmt, rows_count=len(export.rows), request=request)
    if fmt == "csv":
        return csv_response(f"{slug}-responses.csv", export.header, export.rows)
    if fmt == "sav":
        response = HttpResponse(spss_bytes(export), content_type="application/x-spss-sav")
        response["Content-Disposition"] = f'attachment; filename="{slug}-responses.sav"'
        return response
    response = HttpResponse(xlsx_bytes(survey, export), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{slug}-responses.xlsx"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(survey: Survey, export: Export, progress=None) -> bytes:
    """The responses sheet and the codebook sheet. Codes, weights and numbers go in as numbers
    (a sum or a pivot table works at once); text that a spreadsheet would run as a formula is
    neutralised, and characters XML cannot hold are dropped (xlsx_safe). openpyxl (write-only)
    writes the workbook and the codebook; the responses' rows are written straight as XML
    (xlsx_rows), a cell object each would be most of the time for a big survey."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.create_sheet("responses")  # its rows: fill_sheet below
    book_header, book_rows = codebook(survey, export)
    sheet = workbook.create_sheet("codebook")
    for row in [book_header, *book_rows]:
        sheet.append([xlsx_safe(v) for v in row])
    total = len(export.rows) or 1
    tell = None if progress is None else (lambda index: progress(60 + 35 * index // total, "writing"))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return fill_sheet(handle, "xl/worksheets/sheet1.xml", sheet_rows_xml([export.header, *export.rows]),
                          progress=tell)


def spss_bytes(export: Export) -> bytes:
    """The export as an SPSS .sav file: variable labels (the questions), value labels (the
    codes' meanings) and levels of measurement; a missing answer is system-missing."""
    import pandas as pd
    import pyreadstat

    data = {}
    for i, variable in enumerate(export.variables):
        column = [row[i] for row in export.rows]
        if variable.numeric:
            data[variable.name] = pd.Series([float("nan") if v is None else float(v) for v in column], dtype="float64")
        else:
            data[variable.name] = pd.Series(["" if v is None else str(v) for v in column], dtype="object")
    frame = pd.DataFrame(data, columns=[v.name for v in export.variables])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.sav"
        pyreadstat.write_sav(
            frame, str(path),
            column_labels=[v.label[:250] for v in export.variables],
            variable_value_labels={v.name: {float(k): label[:120] for k, label in v.values.items()}
                                   for v in export.variables if v.numeric and v.values},
            variable_measure={v.name: v.measure for v in export.variables if v.numeric},
        )
        return path.read_bytes()
