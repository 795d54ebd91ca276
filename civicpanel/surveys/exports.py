"""Pseudonymous exports of a survey's completed responses (CSV and XLSX) with a codebook.

No name, no e-mail, no member id: each respondent is an id derived from a keyed hash of the
response, stable across exports of the same survey. Text that a spreadsheet would run as a
formula is neutralised. Every export is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import io

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.common.csvio import csv_response
from civicpanel.common.models import translated
from civicpanel.common.security import xlsx_safe
from civicpanel.surveys.models import Answer, Question, Response, Survey
from civicpanel.surveys.questions import OTHER_CODE, option_codes, option_label, rows, scale_points
from civicpanel.surveys.selectors import survey_structure
from civicpanel.surveys.weighting import survey_weighting


def respondent_id(survey: Survey, response_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"respondent:{survey.pk}:{response_id}".encode(), hashlib.sha256)
    return "R" + digest.hexdigest()[:10]


def _columns(survey: Survey) -> list[dict]:
    """One dict per export column: name, question, and how to read the value."""
    structure = survey_structure(survey)
    columns = []
    for question in structure.questions:
        if not question.answerable:
            continue
        base = f"Q{structure.number_of(question)}"
        kind = question.kind
        if kind == Question.Kind.MULTI:
            columns += [{"name": f"{base}_{code}", "q": question, "part": code, "read": "has"} for code in option_codes(question)]
        elif kind == Question.Kind.MATRIX:
            columns += [{"name": f"{base}_{row['code']}", "q": question, "part": str(row["code"]), "read": "row"} for row in rows(question)]
        elif kind == Question.Kind.RANKING:
            columns += [{"name": f"{base}_{code}", "q": question, "part": code, "read": "rank"} for code in option_codes(question)]
        else:
            columns.append({"name": base, "q": question, "part": None, "read": "value"})
            if kind == Question.Kind.SINGLE and question.settings.get("allow_other"):
                columns.append({"name": f"{base}_other", "q": question, "part": None, "read": "other"})
    return columns


def _cell(column: dict, answer) -> object:
    if answer is None:
        return None
    value, other = answer
    read, part = column["read"], column["part"]
    if read == "has":
        return 1 if part in (value or []) else 0
    if read == "row":
        return (value or {}).get(part)
    if read == "rank":
        return (value.index(part) + 1) if isinstance(value, list) and part in value else None
    if read == "other":
        return other or None
    return value


def export_table(survey: Survey) -> tuple[list[str], list[list[object]]]:
    columns = _columns(survey)
    by_response: dict[int, dict[int, tuple]] = {}
    for response_id in Response.objects.filter(survey=survey, completed_at__isnull=False).order_by("pk").values_list("pk", flat=True):
        by_response[response_id] = {}
    for response_id, question_id, value, other in Answer.objects.filter(
        response__survey=survey, response__completed_at__isnull=False
    ).values_list("response_id", "question_id", "value", "other_text"):
        by_response[response_id][question_id] = (value, other)
    # Weights last, so the answer columns keep their places in files made before they existed.
    weights = survey_weighting(council=survey.council, survey=survey).by_response()
    header = ["respondent"] + [c["name"] for c in columns] + ["design_weight", "weight"]
    table = []
    for response_id, answers in by_response.items():
        design, weight = weights.get(response_id, (None, None))
        table.append([respondent_id(survey, response_id)] + [_cell(c, answers.get(c["q"].pk)) for c in columns]
                     + [None if design is None else round(design, 6), None if weight is None else round(weight, 6)])
    return header, table


def codebook(survey: Survey) -> tuple[list[str], list[list[object]]]:
    """variable, question, kind, value, meaning: one row per variable, then one per code."""
    header = [_("variable"), _("question"), _("kind"), _("value"), _("meaning")]
    table: list[list[object]] = [["respondent", _("Pseudonymous respondent id"), "", "", ""]]
    for column in _columns(survey):
        question: Question = column["q"]
        kind = question.get_kind_display()
        text = translated(question.text)
        read = column["read"]
        if read == "has":
            table.append([column["name"], f"{text}: {option_label(question, column['part'])}", kind, "1 / 0", _("chosen / not chosen")])
        elif read == "rank":
            table.append([column["name"], f"{text}: {option_label(question, column['part'])}", kind, "1..", _("place given, 1 = first")])
        elif read == "row":
            label = next((translated(r["label"]) for r in rows(question) if str(r["code"]) == column["part"]), "")
            table.append([column["name"], f"{text}: {label}", kind, "", ""])
            table += [["", "", "", p, _scale_meaning(question, p)] for p in scale_points(question)]
        elif read == "other":
            table.append([column["name"], f"{text}: {_('other, namely')}", kind, "", _("free text")])
        else:
            table.append([column["name"], text, kind, "", ""])
            if question.kind == Question.Kind.SINGLE:
                table += [["", "", "", code, option_label(question, code)] for code in option_codes(question)
                          if code != OTHER_CODE or question.settings.get("allow_other")]
            elif question.kind == Question.Kind.YESNO:
                table += [["", "", "", "yes", _("Yes")], ["", "", "", "no", _("No")]]
            elif question.kind == Question.Kind.SCALE:
                table += [["", "", "", p, _scale_meaning(question, p)] for p in scale_points(question)]
    weighting = survey_weighting(council=survey.council, survey=survey)
    table.append(["design_weight", _("Design weight: 1 divided by the member's chance of being invited in a "
                                     "representative sample; 1 when invited with certainty"), _("number"), "", ""])
    if weighting.available:
        meaning = _("Weight to the population, raked on %(features)s starting from the design weight") % {
            "features": ", ".join(weighting.feature_names)}
    else:
        meaning = _("Weight to the population: empty, because the responses could not be weighted. %(reason)s") % {
            "reason": weighting.reason}
    table.append(["weight", meaning, _("number"), "", ""])
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
    """The download for "csv", "codebook" (CSV) or "xlsx" (responses and codebook sheets)."""
    assert survey.council_id == council.pk
    slug = f"survey-{survey.pk}"
    with transaction.atomic():
        if fmt == "codebook":
            header, table = codebook(survey)
            _audit(council=council, actor=actor, survey=survey, fmt=fmt, rows_count=len(table), request=request)
            return csv_response(f"{slug}-codebook.csv", header, table)
        header, table = export_table(survey)
        _audit(council=council, actor=actor, survey=survey, fmt=fmt, rows_count=len(table), request=request)
        if fmt == "csv":
            return csv_response(f"{slug}-responses.csv", header, table)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "responses"
    for row in [header, *table]:
        sheet.append([xlsx_safe(v) for v in row])
    book_header, book_rows = codebook(survey)
    sheet = workbook.create_sheet("codebook")
    for row in [book_header, *book_rows]:
        sheet.append([xlsx_safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{slug}-responses.xlsx"'
    return response
