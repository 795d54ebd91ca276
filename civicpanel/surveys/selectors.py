"""Reads for surveys. Every function takes the council."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from civicpanel.members.models import Member
from civicpanel.members.segments import segment_list  # noqa: F401 - segments are the members'
from civicpanel.surveys.models import Page, Question, Survey, Wave

# The survey list's sortable columns (common.sorting): the title as the reader sees it.
SURVEY_SORTS = {
    "title": lambda s: s.name, "status": lambda s: s.get_status_display(), "closes": lambda s: s.closes_at,
    "invited": lambda s: s.invited, "answered": lambda s: s.completed,
}


def survey_list(*, council) -> QuerySet[Survey]:
    return Survey.objects.filter(council=council).annotate(
        invited=Count("invitations", distinct=True),
        completed=Count("invitations", filter=Q(invitations__completed_at__isnull=False), distinct=True),
    ).order_by("-created_at", "-id")


def survey_counts(*, council, survey: Survey) -> dict:
    """Invited, answered and started-not-finished, for the builder's summary line."""
    from civicpanel.surveys.models import Invitation, Response

    counts = Invitation.objects.filter(survey=survey, survey__council=council).aggregate(
        invited=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False)))
    counts["started"] = Response.objects.filter(survey=survey, completed_at__isnull=True).count()
    return counts


def survey_get(*, council, survey_id: int) -> Survey:
    """The survey or 404: a survey of another council does not exist for this one."""
    return get_object_or_404(Survey, pk=survey_id, council=council)


def question_get(*, council, survey: Survey, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, survey=survey, survey__council=council)


def page_get(*, council, survey: Survey, page_id: int) -> Page:
    return get_object_or_404(Page, pk=page_id, survey=survey, survey__council=council)


def wave_list(*, council, survey: Survey) -> QuerySet[Wave]:
    return Wave.objects.filter(survey=survey, survey__council=council).select_related("created_by")


def wave_get(*, council, survey: Survey, wave_id: int) -> Wave:
    return get_object_or_404(Wave, pk=wave_id, survey=survey, survey__council=council)


@dataclass
class Structure:
    """A survey's pages with their questions, in order, loaded in two queries."""

    pages: list[Page]
    questions: list[Question] = field(default_factory=list)
    # (page id, language) -> the page's questions as HTML before anything is answered on it
    # (views_answer.page_context): it lives and dies with the structure it was drawn from.
    unanswered_markup: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def by_uid(self) -> dict[str, Question]:
        return {q.uid: q for q in self.questions}

    @property
    def positions(self) -> dict[str, int]:
        return {q.uid: i for i, q in enumerate(self.questions)}

    def page_start(self, page: Page) -> int:
        """Position of the first question on the page (questions before it)."""
        count = 0
        for p in self.pages:
            if p.pk == page.pk:
                return count
            count += len(p.survey_questions)
        return count

    def number_of(self, question: Question) -> int:
        """The number shown beside a question in the builder (information texts are not numbered)."""
        number = 0
        for q in self.questions:
            if q.answerable:
                number += 1
            if q.pk == question.pk:
                return number
        return number


def survey_structure(survey: Survey) -> Structure:
    pages = list(Page.objects.filter(survey=survey).order_by("order", "id"))
    questions = list(Question.objects.filter(survey=survey).order_by("page__order", "page_id", "order", "id"))
    by_page: dict[int, list[Question]] = {p.pk: [] for p in pages}
    for q in questions:
        by_page.setdefault(q.page_id, []).append(q)
    for p in pages:
        p.survey_questions = by_page[p.pk]
    ordered = [q for p in pages for q in p.survey_questions]
    return Structure(pages=pages, questions=ordered)


def survey_structure_for_answering(survey: Survey) -> Structure:
    """survey_structure, kept in the process: every page a resident opens or sends needs it, and
    it changes seldom while answers come in. Kept under the survey's structure key, which the
    database renews on every change of a page or question, so it is never older than the survey
    row it is asked for. Shared by requests and threads: read it, never change it."""
    return _kept_structure(survey.pk, survey.structure_key)


@lru_cache(maxsize=256)
def _kept_structure(survey_id: int, structure_key) -> Structure:
    return survey_structure(Survey(pk=survey_id))


def wave_by_confirmation(*, council, survey: Survey, confirmation: str) -> Wave | None:
    """The wave sent from one confirmation page (see Wave.confirmation)."""
    return Wave.objects.filter(survey=survey, survey__council=council, confirmation=confirmation).first()


def member_first(*, council, member_ids) -> Member | None:
    """The first of these members in the given order: the first recipient of a sending (the
    outreach worker sends in the order the members were given)."""
    if not member_ids:
        return None
    return Member.objects.filter(council=council, pk=member_ids[0]).first()


def paper_waves(*, council, survey: Survey) -> QuerySet[Wave]:
    """The survey's paper and phone sendings, each with how many of its members have answered."""
    return (Wave.objects.filter(survey=survey, survey__council=council, cancelled_at__isnull=True)
            .exclude(channel=Wave.Channel.EMAIL)
            .annotate(answered=Count("invitations", filter=Q(invitations__completed_at__isnull=False)))
            .order_by("send_at", "id"))
