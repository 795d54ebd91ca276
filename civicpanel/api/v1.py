"""The read API, version 1: /api/v1/ on a council's own address. Read-only; every endpoint needs
a token with its scope (auth.py). Nothing here names or counts a person: no member, e-mail,
name, idea author or volunteer appears, and the panel's composition hides small cells.

Texts come in every language the council wrote them in: {"da": "...", "en": "..."}.
The OpenAPI description is at /api/v1/openapi.json.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI, Router, Schema
from ninja.errors import HttpError

from civicpanel.api import open_results
from civicpanel.api.auth import CouncilToken, TooManyRequests, require_scope
from civicpanel.api.composition import panel_composition
from civicpanel.api.selectors import licence_info
from civicpanel.budgeting.models import Project, Round
from civicpanel.common.csvio import csv_response
from civicpanel.common.ratelimit import rate_limit_hit
from civicpanel.common.security import client_ip
from civicpanel.events.models import Event
from civicpanel.surveys.models import Question, Survey

Texts = dict[str, str]


class Option(Schema):
    code: str
    label: Texts


class SurveyQuestion(Schema):
    number: int | None
    kind: str
    text: Texts
    options: list[Option]
    shown_to_some: bool  # a display condition decides who sees it


class SurveySummary(Schema):
    id: int
    title: Texts
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    anonymous: bool
    questions: int


class SurveyDetail(SurveySummary):
    intro: Texts
    question_list: list[SurveyQuestion]


class EventSession(Schema):
    starts_at: datetime
    duration_minutes: int
    place: str
    seats: int
    cancelled: bool


class EventOut(Schema):
    id: int
    kind: str
    title: Texts
    description: Texts
    volunteer_deadline: datetime
    drawn: bool
    cancelled: bool
    sessions: list[EventSession]


class Pot(Schema):
    district: str | None
    budget: int


class ProjectOut(Schema):
    number: int
    title: Texts
    description: Texts
    district: str | None
    cost: int
    votes: int | None
    funded: bool | None
    status: str


class RoundOut(Schema):
    id: int
    title: Texts
    intro: Texts
    stage: str
    stages: dict[str, date | None]
    currency: str
    rule: str
    pots: list[Pot]
    counted: bool
    projects: list[ProjectOut]


class Category(Schema):
    code: str
    label: Texts
    members: int | None
    share: float | None
    population_share: float | None


class CompositionQuestion(Schema):
    key: str
    label: Texts
    multiple: bool
    categories: list[Category]
    no_answer: int | None


class Composition(Schema):
    members: int | None
    min_cell: int
    questions: list[CompositionQuestion]


class Problem(Schema):
    detail: str


class Licence(Schema):
    id: str
    title: str
    url: str
    attribution: str


class PublishedSurvey(Schema):
    id: int
    title: Texts
    published_at: datetime


class Share(Schema):
    answer: str
    share: float | None  # null: hidden, too few people behind it (or it would reveal such a figure)
    low: float | None
    high: float | None


class RowAverage(Schema):
    row: str
    average: float | None
    low: float | None
    high: float | None


class ResultQuestion(Schema):
    number: int
    text: str
    kind: str
    too_few_answers: bool
    free_text_withheld: bool
    shares: list[Share]
    average: float | None
    average_low: float | None
    average_high: float | None
    averages: list[RowAverage]


class ResultSurvey(Schema):
    id: int
    title: str
    published_at: datetime


class Results(Schema):
    survey: ResultSurvey
    language: str
    licence: Licence
    min_cell: int
    invited: int
    answered: int
    response_rate: float | None
    weighted: bool
    population: str
    questions: list[ResultQuestion]


api = NinjaAPI(
    title="civicpanel read API", version="1", urls_namespace="api_v1", auth=CouncilToken(),
    docs_url=None,  # the interactive page would load scripts from elsewhere; docs/api.md describes the API
    description=__doc__,
)


@api.exception_handler(TooManyRequests)
def _too_many(request, error: TooManyRequests):
    response = api.create_response(request, {"detail": error.message}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _texts(value) -> dict:
    return {k: v for k, v in (value or {}).items() if isinstance(v, str)}


ERRORS = {401: Problem, 403: Problem, 404: Problem, 429: Problem}

surveys = Router(tags=["surveys"])


def _public_surveys(council):
    return Survey.objects.filter(council=council).exclude(status=Survey.Status.DRAFT)


def _summary(survey: Survey, questions: int) -> dict:
    return {"id": survey.pk, "title": _texts(survey.title), "status": survey.status, "opens_at": survey.opens_at,
            "closes_at": survey.closes_at, "anonymous": survey.anonymous, "questions": questions}


@surveys.get("/", response={200: list[SurveySummary], **ERRORS}, url_name="surveys")
def survey_list(request):
    """Surveys the council has opened (not drafts), newest first."""
    require_scope(request, "surveys")
    from django.db.models import Count, Q

    rows = _public_surveys(request.council).annotate(
        n=Count("questions", filter=~Q(questions__kind=Question.Kind.INFO)))
    return [_summary(s, s.n) for s in rows]


@surveys.get("/{int:survey_id}", response={200: SurveyDetail, **ERRORS}, url_name="survey")
def survey_detail(request, survey_id: int):
    """One survey with its questions and answer options."""
    require_scope(request, "surveys")
    from civicpanel.surveys.selectors import survey_structure

    survey = _public_surveys(request.council).filter(pk=survey_id).first()
    if survey is None:
        raise HttpError(404, "No such survey.")
    structure = survey_structure(survey)
    pages = {p.pk: p for p in structure.pages}
    questions = []
    for q in structure.questions:
        options = [{"code": str(o["code"]), "label": _texts(o.get("label"))} for o in q.options or []]
        if q.kind == Question.Kind.YESNO:
            options = [{"code": "yes", "label": {}}, {"code": "no", "label": {}}]
        questions.append({"number": structure.number_of(q) if q.answerable else None, "kind": q.kind,
                          "text": _texts(q.text), "options": options,
                          "shown_to_some": bool(q.condition or pages[q.page_id].condition)})
    return {**_summary(survey, sum(1 for q in structure.questions if q.answerable)), "intro": _texts(survey.intro),
            "question_list": questions}


events = Router(tags=["events"])


@events.get("/", response={200: list[EventOut], **ERRORS}, url_name="events")
def event_list(request):
    """Workshops, focus groups, user tests and meetings with their sessions (no participants)."""
    require_scope(request, "events")
    rows = Event.objects.filter(council=request.council).prefetch_related("sessions").order_by("-volunteer_deadline", "-id")
    return [{
        "id": e.pk, "kind": e.kind, "title": _texts(e.title), "description": _texts(e.description),
        "volunteer_deadline": e.volunteer_deadline, "drawn": e.drawn_at is not None, "cancelled": e.cancelled_at is not None,
        "sessions": [{"starts_at": s.starts_at, "duration_minutes": s.duration_minutes, "place": s.place,
                      "seats": s.capacity, "cancelled": s.cancelled_at is not None}
                     for s in sorted(e.sessions.all(), key=lambda s: (s.starts_at, s.pk))],
    } for e in rows]


budgeting = Router(tags=["budgeting"])


def _round(rnd: Round) -> dict:
    counted = rnd.counted_at is not None
    projects = [p for p in rnd.projects.all() if p.decision != Project.Decision.PENDING]
    return {
        "id": rnd.pk, "title": _texts(rnd.title), "intro": _texts(rnd.intro), "stage": rnd.stage,
        "stages": {value: getattr(rnd, f"{value}_starts") for value in Round.Stage.values},
        "currency": rnd.currency, "rule": rnd.rule,
        "pots": [{"district": None, "budget": rnd.citywide_budget}] * bool(rnd.citywide_budget)
        + [{"district": d.district.name, "budget": d.budget} for d in rnd.district_budgets.all()],
        "counted": counted,
        "projects": [{
            "number": p.number, "title": _texts(p.title), "description": _texts(p.description),
            "district": p.district.name if p.district else None, "cost": p.cost,
            "votes": p.votes if counted else None, "funded": p.funded if counted else None, "status": p.status,
        } for p in sorted(projects, key=lambda p: p.number)],
    }


@budgeting.get("/rounds", response={200: list[RoundOut], **ERRORS}, url_name="rounds")
def round_list(request):
    """Rounds shown to residents, with their projects (after assessment), votes once counted."""
    require_scope(request, "budgeting")
    rows = (Round.objects.filter(council=request.council, published=True)
            .prefetch_related("projects__district", "district_budgets__district").order_by("-created_at", "-id"))
    return [_round(r) for r in rows]


panel = Router(tags=["panel"])


@panel.get("/composition", response={200: Composition, **ERRORS}, url_name="composition")
def composition(request):
    """Active members per profile category beside the population; cells under `min_cell`
    members (and any that would reveal one) are null."""
    require_scope(request, "panel")
    return panel_composition(council=request.council)


results = Router(tags=["results"])


@results.get("/", response={200: list[PublishedSurvey], **ERRORS}, url_name="results")
def results_list(request):
    """Surveys whose results the council has published (and not withdrawn), newest first."""
    require_scope(request, "results")
    return open_results.published_list(council=request.council)


@results.get("/{int:survey_id}", response={200: Results, **ERRORS}, url_name="results_survey")
def results_detail(request, survey_id: int, language: str | None = None):
    """One survey's published results, labels in `language` (da, nb or en; default: the
    council's language): shares with their 95 % intervals where weighted, averages; a figure
    resting on fewer than `min_cell` people, or revealing one, is null. Free-text answers and
    counts per answer are never published."""
    require_scope(request, "results")
    return open_results.results_document(council=request.council, survey_id=survey_id, language=language)


# Open data: the same published results as files anyone may download (the licence says what
# re-users must do), limited per address instead of per token.
def open_limit() -> int:
    """Open-data downloads per address per minute (CIVICPANEL_API_OPEN_RATE_LIMIT, default 60)."""
    return settings.CIVICPANEL_API_OPEN_RATE_LIMIT


def _open_limit(request) -> None:
    if getattr(request, "council", None) is None:
        raise Http404
    address = client_ip(request) or "unknown"
    if rate_limit_hit(scope="api-open", key=f"{request.council.pk}:{address}", limit=open_limit(), window=60):
        raise TooManyRequests(60)


def _licence_link(response, council) -> None:
    response["Link"] = f'<{licence_info(council=council)["url"]}>; rel="license"'


@api.get("/open/results/{int:survey_id}.json", auth=None, response={200: Results, 404: Problem, 429: Problem},
         url_name="open_results_json", tags=["open data"])
def open_results_json(request, survey_id: int, language: str | None = None):
    """Published results as an open-data JSON file, without a token."""
    _open_limit(request)
    document = open_results.results_document(council=request.council, survey_id=survey_id, language=language)
    response = api.create_response(request, document, status=200)
    response["Content-Disposition"] = f'attachment; filename="results-{survey_id}.json"'
    _licence_link(response, request.council)
    return response


@api.get("/open/results/{int:survey_id}.csv", auth=None, response={200: str, 404: Problem, 429: Problem},
         url_name="open_results_csv", tags=["open data"])
def open_results_csv(request, survey_id: int, language: str | None = None):
    """Published results as an open-data CSV file (one line per answer or average; a hidden
    figure is an empty cell), without a token. The licence is in the `Link` header."""
    _open_limit(request)
    document = open_results.results_document(council=request.council, survey_id=survey_id, language=language)
    response = csv_response(f"results-{survey_id}.csv", open_results.CSV_HEADER, open_results.csv_rows(document))
    _licence_link(response, request.council)
    return response


api.add_router("/results", results)
api.add_router("/surveys", surveys)
api.add_router("/events", events)
api.add_router("/budgeting", budgeting)
api.add_router("/panel", panel)

