"""Published results as open data (JSON and CSV) under the council's open licence.

Only what the public results page shows leaves here, read through publishing's own selectors:
`published_survey_get` (published and not withdrawn, in this council) and `public_results` (the
figures with small cells and the ones that would reveal them hidden, and the breakdowns by
profile group staff chose when publishing, protected together with the whole). No count per
answer and no free text: those stay on the staff pages. The CSV holds the shares of the whole;
the JSON the breakdowns too.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from civicpanel.api.selectors import licence_info
from civicpanel.publishing.models import Publication
from civicpanel.publishing.results import public_results
from civicpanel.publishing.selectors import published_survey_get
from civicpanel.surveys.results import MIN_GROUP

CSV_HEADER = ["question_number", "question", "kind", "answer", "share", "share_low", "share_high", "average",
              "average_low", "average_high", "note"]


def language_for(council, wanted: str | None) -> str:
    return wanted if wanted in council.language_codes else council.default_language


def published_list(*, council) -> list[dict]:
    rows = (Publication.objects.select_related("survey")
            .filter(council=council, survey__council=council, published_at__isnull=False, withdrawn_at__isnull=True)
            .order_by("-published_at", "-id"))
    return [{"id": p.survey_id, "title": {k: v for k, v in (p.survey.title or {}).items() if isinstance(v, str)},
             "published_at": p.published_at} for p in rows]


def results_document(*, council, survey_id: int, language: str | None) -> dict:
    """One published survey's public figures, in one language (labels), with the licence.
    Raises Http404 when the survey's results are not public in this council."""
    survey, publication = published_survey_get(council=council, survey_id=survey_id)
    chosen = language_for(council, language)
    with translation.override(chosen):
        results = public_results(council=council, survey=survey)
        questions = []
        for q in results.questions:
            item = {"number": q.number, "text": q.label, "kind": q.kind, "too_few_answers": q.too_few,
                    "free_text_withheld": q.texts_withheld,
                    "shares": [{"answer": r.label, "share": r.share, "low": r.low, "high": r.high} for r in q.rows],
                    "average": q.mean, "average_low": q.mean_low, "average_high": q.mean_high,
                    "averages": [{"row": r.label, "average": r.share, "low": r.low, "high": r.high}
                                 for r in q.matrix],
                    "breakdowns": [{"by": b.title, "shown": not b.withdrawn,
                                    "groups": [{"group": row.label,
                                                "shares": [{"answer": answer, "share": share} for answer, share
                                                           in zip(b.answers, row.shares, strict=True)]}
                                               for row in b.rows]}
                                   for b in q.breakdowns]}
            questions.append(item)
        population = results.population if results.weighted else ""
    return {
        "survey": {"id": survey.pk, "title": translation_of(survey.title, chosen), "published_at": publication.published_at},
        "language": chosen, "licence": licence_info(council=council), "min_cell": MIN_GROUP,
        "invited": results.invited, "answered": results.completed, "response_rate": results.rate,
        "weighted": results.weighted, "population": population, "questions": questions,
    }


def translation_of(texts: dict, language: str) -> str:
    texts = texts or {}
    return texts.get(language) or next((v for v in texts.values() if v), "")


def csv_rows(document: dict) -> list[list]:
    """One line per answer share, per matrix row or ranking option, or per average; a hidden figure is empty."""
    rows = []
    with translation.override(document["language"]):
        for q in document["questions"]:
            head = [q["number"], q["text"], q["kind"]]
            if q["free_text_withheld"]:
                rows.append([*head, "", None, None, None, None, None, None, _("written answers are not published")])
                continue
            if q["too_few_answers"]:
                rows.append([*head, "", None, None, None, None, None, None, _("too few answers to publish a figure")])
                continue
            for share in q["shares"]:
                note = _("hidden: too few people") if share["share"] is None else ""
                rows.append([*head, share["answer"], share["share"], share["low"], share["high"], None, None, None, note])
            for average in q["averages"]:
                note = _("hidden: too few people") if average["average"] is None else ""
                rows.append([*head, average["row"], None, None, None, average["average"], average["low"],
                             average["high"], note])
            if q["average"] is not None:
                rows.append([*head, "", None, None, None, q["average"], q["average_low"], q["average_high"], ""])
    return rows
