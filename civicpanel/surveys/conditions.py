"""Display conditions: show a question or a page only when an earlier answer meets a condition.

A condition is {"question": <uid of an earlier question>, "op": "equals|in|not|gt|lt",
"value": ...}. It points at the stable uid, never the row id or the position, so it survives
reordering; a copied survey gets new uids and its conditions are remapped.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.surveys.models import Question

OPERATORS = {
    "equals": gettext_lazy("is"),
    "in": gettext_lazy("is one of"),
    "not": gettext_lazy("is not"),
    "gt": gettext_lazy("is more than"),
    "lt": gettext_lazy("is less than"),
}
# Which kinds of earlier question a condition may look at, and with which operators.
CONDITION_KINDS = {
    Question.Kind.SINGLE: {"equals", "in", "not"},
    Question.Kind.MULTI: {"equals", "in", "not"},
    Question.Kind.YESNO: {"equals", "not"},
    Question.Kind.SCALE: {"equals", "in", "not", "gt", "lt"},
    Question.Kind.NUMBER: {"equals", "in", "not", "gt", "lt"},
}


class ConditionError(ValueError):
    """A condition the builder refuses, with a message for the staff member."""


def _as_number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def _same(answer, target) -> bool:
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        number = _as_number(target)
        return number is not None and float(answer) == number
    return str(answer) == str(target)


def holds(condition: dict | None, answers: dict[str, object]) -> bool:
    """Whether a condition is met by the answers so far (uid -> value). No condition: shown.

    An unanswered question meets no condition: a follow-up is only shown when its trigger
    was actually answered that way.
    """
    if not condition:
        return True
    answer = answers.get(condition.get("question"))
    if answer in (None, "", [], {}):
        return False
    op, target = condition.get("op"), condition.get("value")
    targets = target if isinstance(target, list) else [target]
    chosen = answer if isinstance(answer, list) else [answer]
    if op == "equals":
        return any(_same(a, targets[0]) for a in chosen)
    if op == "in":
        return any(_same(a, t) for a in chosen for t in targets)
    if op == "not":
        return not any(_same(a, t) for a in chosen for t in targets)
    if op in ("gt", "lt"):
        number, limit = _as_number(answer), _as_number(targets[0])
        if number is None or limit is None:
            return False
        return number > limit if op == "gt" else number < limit
    return False


def describe(condition: dict | None, questions_by_uid: dict[str, Question]) -> str:
    if not condition:
        return ""
    from civicpanel.surveys.questions import option_label

    question = questions_by_uid.get(condition.get("question"))
    if question is None:
        return _("Condition on a question that no longer exists")
    values = condition.get("value")
    values = values if isinstance(values, list) else [values]
    shown = ", ".join(option_label(question, str(v)) if question.options or question.kind == "single" else str(v)
                      for v in values)
    if question.kind == Question.Kind.YESNO:
        shown = ", ".join(_("Yes") if v == "yes" else _("No") for v in values)
    return _("Shown only if “%(question)s” %(op)s %(value)s") % {
        "question": question.label, "op": OPERATORS.get(condition.get("op"), "?"), "value": shown,
    }


def normalise(*, op: str, raw_value: str, source: Question) -> dict:
    """Build a condition from builder input (value typed as text) and check it fits the question."""
    allowed = CONDITION_KINDS.get(source.kind)
    if allowed is None:
        raise ConditionError(_("A condition can only look at a choice, yes/no, scale or number question."))
    if op not in allowed:
        raise ConditionError(_("“%(op)s” does not fit a question of this kind.") % {"op": OPERATORS.get(op, op)})
    parts = [p.strip() for p in raw_value.split(",") if p.strip()]
    if not parts:
        raise ConditionError(_("Give the value the earlier answer must have."))
    if op != "in" and len(parts) > 1:
        raise ConditionError(_("Give one value, or choose “is one of” for several."))
    if source.kind in (Question.Kind.SINGLE, Question.Kind.MULTI):
        from civicpanel.surveys.questions import option_codes

        valid = option_codes(source)
        wrong = [p for p in parts if p not in valid]
        if wrong:
            raise ConditionError(
                _("“%(value)s” is not an option code of that question (codes: %(codes)s).")
                % {"value": wrong[0], "codes": ", ".join(valid)}
            )
    elif source.kind == Question.Kind.YESNO:
        if any(p not in ("yes", "no") for p in parts):
            raise ConditionError(_("For a yes/no question the value is “yes” or “no”."))
    else:
        if any(_as_number(p) is None for p in parts):
            raise ConditionError(_("The value must be a number."))
        parts = [int(float(p)) if float(p).is_integer() else float(p) for p in parts]
    return {"question": source.uid, "op": op, "value": parts if op == "in" else parts[0]}


def check_order(*, condition: dict | None, page_start: int, positions: dict[str, int]) -> None:
    """Refuse a condition that points forward or at a question that does not exist.

    `positions` maps uid -> position in the survey (page order, then question order);
    `page_start` is the position of the first question on the page that holds the question
    (or of the page itself). Answers are checked page by page on the server, so the question a
    condition looks at must be on an earlier page.
    """
    if not condition:
        return
    uid = condition.get("question")
    if uid not in positions:
        raise ConditionError(_("The condition points at a question that has been deleted. Choose another question or remove the condition."))
    if positions[uid] >= page_start:
        raise ConditionError(_("A condition can only depend on a question on an earlier page: this one points forward or at the same page."))
