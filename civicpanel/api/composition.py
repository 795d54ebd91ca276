"""The panel's composition for the read API: active members per profile category beside the
population, with small cells suppressed (methods.disclosure) so that no one can be singled out.

For a question with one answer per member the categories and "no answer" add up to the
published total: one equation, so secondary suppression applies (`suppress_line`). For a
multiple-choice question the counts do not add up, and each count below the minimum is hidden.
"""

from __future__ import annotations

import numpy as np

from civicpanel.common.models import translated
from civicpanel.members.models import Member
from civicpanel.methods.disclosure import MIN_COUNT, suppress_line
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys.audience import composition


def panel_composition(*, council) -> dict:
    members = Member.objects.filter(council=council, status=Member.Status.ACTIVE)
    blocks = composition(council=council, members=members)
    total = members.count()
    shown_total = total if total >= MIN_COUNT else None
    questions = []
    for block in blocks:
        question: ProfileQuestion = block["question"]
        rows = block["rows"]
        counts = [row["count"] for row in rows]
        if question.kind == ProfileQuestion.Kind.MULTI:
            hidden = [total < MIN_COUNT or n < MIN_COUNT for n in counts]
            missing_hidden = True
            missing = None
        else:
            missing = max(total - sum(counts), 0)
            line = suppress_line(np.array([*counts, missing]), min_count=MIN_COUNT)
            hidden = list(line.suppressed[: len(counts)])
            missing_hidden = bool(line.suppressed[len(counts)])
        categories = []
        for row, is_hidden in zip(rows, hidden, strict=True):
            option = row["option"]
            categories.append({
                "code": option.code, "label": dict(option.label or {}),
                "members": None if is_hidden else row["count"],
                "share": None if is_hidden or not total else row["count"] / total,
                "population_share": row["population_share"],
            })
        questions.append({
            "key": question.key, "label": dict(question.label or {}) or {"": translated(question.label)},
            "multiple": question.kind == ProfileQuestion.Kind.MULTI, "categories": categories,
            "no_answer": None if missing_hidden else missing,
        })
    return {"members": shown_total, "min_cell": MIN_COUNT, "questions": questions}
