"""Question kinds of the one questionnaire model (survey questions and event registration
questions alike): what each stores, how a submitted page is read and checked, and how a
question is described for the builder, the codebook and the results.

An answer's `value` by kind:
  single -> option code (str); multi -> [codes]; scale -> int; matrix -> {row code: int};
  number -> int or float; short_text / long_text -> str; ranking -> [codes, first = best];
  yesno -> "yes" | "no"; info -> no answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.common.models import translated
from civicpanel.common.security import clean_text


class QuestionKind(models.TextChoices):
    SINGLE = "single", gettext_lazy("Single choice")
    MULTI = "multi", gettext_lazy("Multiple choice")
    SCALE = "scale", gettext_lazy("Rating scale")
    MATRIX = "matrix", gettext_lazy("Matrix (rows on one scale)")
    NUMBER = "number", gettext_lazy("Number")
    SHORT_TEXT = "short_text", gettext_lazy("Short text")
    LONG_TEXT = "long_text", gettext_lazy("Long text")
    RANKING = "ranking", gettext_lazy("Ranking")
    YESNO = "yesno", gettext_lazy("Yes / no")
    INFO = "info", gettext_lazy("Information text (no answer)")


Kind = QuestionKind
# Any model with uid, kind, text, help, required, options and settings is a question here.
Question = Any

CHOICE_KINDS = {Kind.SINGLE, Kind.MULTI, Kind.RANKING}
NUMERIC_KINDS = {Kind.SCALE, Kind.NUMBER}
TEXT_KINDS = {Kind.SHORT_TEXT, Kind.LONG_TEXT}
OTHER_CODE = "other"
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
# Without a min and max of its own a number answer stays within this: a bigger one is a typing
# slip, and would overflow the sums behind the results.
NUMBER_LIMIT = 10**12


def field_name(question: Question, suffix: str = "") -> str:
    return f"q_{question.uid}" + (f"_{suffix}" if suffix else "")


def option_codes(question: Question) -> list[str]:
    codes = [str(o["code"]) for o in question.options]
    if question.kind == Kind.SINGLE and question.settings.get("allow_other"):
        codes.append(OTHER_CODE)
    return codes


def option_label(question: Question, code: str) -> str:
    if code == OTHER_CODE and question.settings.get("allow_other"):
        return translated(question.settings.get("other_label")) or _("Other")
    for option in question.options:
        if str(option["code"]) == str(code):
            return translated(option["label"]) or str(code)
    return str(code)


def rows(question: Question) -> list[dict]:
    return question.settings.get("rows", [])


def scale_points(question: Question) -> list[int]:
    low = int(question.settings.get("scale_min", 1))
    high = int(question.settings.get("scale_max", 5))
    return list(range(low, high + 1))


@dataclass
class Parsed:
    value: object = None
    other_text: str = ""
    error: str = ""

    @property
    def empty(self) -> bool:
        return self.value in (None, "", [], {})


def _number(raw: str) -> int | float | None:
    """The number written, or None for nothing; ValueError for anything that is not a finite
    number ("nan", "inf", "1e999", "12abc")."""
    raw = raw.strip().replace(",", ".").replace(" ", "").replace("_", "")
    if not raw:
        return None
    number = float(raw)
    if not math.isfinite(number):
        raise ValueError(raw)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _text(data, name: str) -> str:
    """Submitted text without control characters (common.security.clean_text), trimmed."""
    return clean_text(data.get(name, "")).strip()


def parse_answer(question: Question, data) -> Parsed:  # noqa: C901 - one branch per kind reads best
    """Read one question's answer from submitted form data (a QueryDict) and check it.

    Returns Parsed with `error` set to a message the resident can act on.
    """
    name = field_name(question)
    kind = question.kind
    result = Parsed()
    if kind == Kind.INFO:
        return result
    if kind == Kind.SINGLE:
        code = data.get(name, "")
        if code:
            if code not in option_codes(question):
                result.error = _("Choose one of the options.")
                return result
            result.value = code
            if code == OTHER_CODE:
                result.other_text = _text(data, field_name(question, "other"))[:500]
                if not result.other_text:
                    result.error = _("Write what you mean by “other”.")
    elif kind == Kind.MULTI:
        codes = [c for c in data.getlist(name) if c]
        valid = option_codes(question)
        if any(c not in valid for c in codes):
            result.error = _("Choose among the options shown.")
            return result
        ordered = [c for c in valid if c in codes]
        maximum = question.settings.get("max_choices")
        if maximum and len(ordered) > int(maximum):
            result.error = _("Choose at most %(n)s.") % {"n": maximum}
        result.value = ordered or None
    elif kind == Kind.SCALE:
        raw = data.get(name, "")
        if raw:
            try:
                point = int(raw)
            except ValueError:
                point = None
            if point not in scale_points(question):
                result.error = _("Choose a point on the scale.")
                return result
            result.value = point
    elif kind == Kind.MATRIX:
        values = {}
        missing = False
        points = scale_points(question)
        for row in rows(question):
            raw = data.get(field_name(question, str(row["code"])), "")
            if not raw:
                missing = True
                continue
            try:
                point = int(raw)
            except ValueError:
                point = None
            if point not in points:
                result.error = _("Choose a point on the scale in every row.")
                return result
            values[str(row["code"])] = point
        result.value = values or None
        if question.required and values and missing:
            result.error = _("Answer every row.")
    elif kind == Kind.NUMBER:
        raw = data.get(name, "")
        try:
            number = _number(raw)
        except ValueError:
            result.error = _("Write a number, for example 12.")
            return result
        low, high = question.settings.get("min"), question.settings.get("max")
        if low is None and high is None:
            low, high = -NUMBER_LIMIT, NUMBER_LIMIT
        if number is not None and (low is not None and number < low or high is not None and number > high):
            if low is not None and high is not None:
                result.error = _("Write a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            elif low is not None:
                result.error = _("Write a number of at least %(low)s.") % {"low": low}
            else:
                result.error = _("Write a number of at most %(high)s.") % {"high": high}
            return result
        result.value = number
    elif kind in TEXT_KINDS:
        text = _text(data, name)
        limit = SHORT_TEXT_MAX if kind == Kind.SHORT_TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            result.error = _("Write at most %(n)s characters.") % {"n": limit}
            return result
        result.value = text or None
    elif kind == Kind.RANKING:
        codes = option_codes(question)
        ranks = {}
        for code in codes:
            raw = data.get(field_name(question, code), "")
            if raw:
                try:
                    ranks[code] = int(raw)
                except ValueError:
                    result.error = _("Give each option a place from 1 to %(n)s.") % {"n": len(codes)}
                    return result
        if ranks:
            places = sorted(ranks.values())
            if places != list(range(1, len(codes) + 1)):
                result.error = _("Give each option its own place from 1 to %(n)s.") % {"n": len(codes)}
                return result
            result.value = sorted(ranks, key=ranks.get)
    elif kind == Kind.YESNO:
        raw = data.get(name, "")
        if raw:
            if raw not in ("yes", "no"):
                result.error = _("Choose yes or no.")
                return result
            result.value = raw
    if not result.error and question.required and result.empty:
        result.error = _("This question must be answered.")
    return result


def answer_display(question: Question, value, other_text: str = "") -> str:
    """An answer as a person reads it (review, free-text lists)."""
    if value in (None, "", [], {}):
        return ""
    kind = question.kind
    if kind == Kind.SINGLE:
        text = option_label(question, value)
        return f"{text}: {other_text}" if other_text else text
    if kind in (Kind.MULTI, Kind.RANKING):
        return "; ".join(option_label(question, c) for c in value)
    if kind == Kind.MATRIX:
        labels = {str(r["code"]): translated(r["label"]) for r in rows(question)}
        return "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
    if kind == Kind.YESNO:
        return _("Yes") if value == "yes" else _("No")
    return str(value)


def settings_problems(kind: str, options: list, settings: dict) -> list[str]:
    """What is wrong with a question's set-up, as builder messages (empty list: fine)."""
    problems = []
    if kind in CHOICE_KINDS and len(options) < 2:
        problems.append(_("Give at least two options."))
    if kind == Kind.MULTI and settings.get("max_choices") and int(settings["max_choices"]) < 1:
        problems.append(_("The maximum number of choices must be at least 1."))
    if kind in (Kind.SCALE, Kind.MATRIX):
        low, high = settings.get("scale_min", 1), settings.get("scale_max", 5)
        if not (0 <= low < high <= 10):
            problems.append(_("A scale runs from 0 or 1 up to at most 10."))
    if kind == Kind.MATRIX and len(settings.get("rows", [])) < 1:
        problems.append(_("Give at least one row."))
    if kind == Kind.NUMBER:
        low, high = settings.get("min"), settings.get("max")
        if low is not None and high is not None and low > high:
            problems.append(_("The lowest allowed number is above the highest."))
    return problems


def question_view(question: Question, *, number: int | None, value=None, other_text: str = "",
                  error: str = "") -> dict:
    """Everything the answering template needs for one question, with ids for labels and
    error messages worked out here so the markup stays simple and accessible."""
    name = field_name(question)
    view = {
        "q": question, "kind": question.kind, "name": name, "id": f"id_{name}", "number": number,
        "label": translated(question.text), "help": translated(question.help), "required": question.required,
        "error": error, "error_id": f"{name}_error", "help_id": f"{name}_help", "value": value,
        "other_text": other_text, "other_name": field_name(question, "other"),
    }
    chosen = value if isinstance(value, list) else [value]
    if question.kind in (Kind.SINGLE, Kind.MULTI):
        view["options"] = [
            {"code": code, "label": option_label(question, code), "id": f"{name}_{i}",
             "checked": code in [str(c) for c in chosen if c is not None], "is_other": code == OTHER_CODE}
            for i, code in enumerate(option_codes(question))
        ]
        view["max_choices"] = question.settings.get("max_choices")
    if question.kind == Kind.YESNO:
        view["options"] = [
            {"code": "yes", "label": _("Yes"), "id": f"{name}_yes", "checked": value == "yes"},
            {"code": "no", "label": _("No"), "id": f"{name}_no", "checked": value == "no"},
        ]
    if question.kind in (Kind.SCALE, Kind.MATRIX):
        view["low_label"] = translated(question.settings.get("low_label"))
        view["high_label"] = translated(question.settings.get("high_label"))
        points = scale_points(question)
        if question.kind == Kind.SCALE:
            view["points"] = [{"value": p, "id": f"{name}_{p}", "checked": str(value) == str(p)} for p in points]
        else:
            current = value if isinstance(value, dict) else {}
            view["points_header"] = points
            view["rows"] = [
                {"label": translated(row["label"]), "name": field_name(question, str(row["code"])),
                 "id": f"{name}_{row['code']}",
                 "points": [{"value": p, "id": f"{name}_{row['code']}_{p}",
                             "checked": str(current.get(str(row["code"]))) == str(p)} for p in points]}
                for row in rows(question)
            ]
    if question.kind == Kind.RANKING:
        order = value if isinstance(value, list) else []
        codes = option_codes(question)
        view["places"] = list(range(1, len(codes) + 1))
        view["options"] = [
            {"code": code, "label": option_label(question, code), "name": field_name(question, code),
             "id": f"{name}_{code}", "rank": (order.index(code) + 1) if code in order else None}
            for code in codes
        ]
    if question.kind == Kind.NUMBER:
        view["min"], view["max"] = question.settings.get("min"), question.settings.get("max")
    if question.kind in TEXT_KINDS:
        view["maxlength"] = SHORT_TEXT_MAX if question.kind == Kind.SHORT_TEXT else LONG_TEXT_MAX
    return view
