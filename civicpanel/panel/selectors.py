"""Reads behind the council admin's settings pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from civicpanel.panel.models import Campaign, ConsentVersion, ProfileOption, ProfileQuestion
from civicpanel.panel.population import population_overview
from civicpanel.tenancy.models import Council, District


def settings_districts(*, council: Council) -> QuerySet[District]:
    return (District.objects.filter(council=council).order_by("order", "name")
            .annotate(member_count=Count("members", filter=~Q(members__status="left"), distinct=True)))


def settings_district(*, council: Council, district_id: int) -> District:
    return District.objects.get(council=council, pk=district_id)


def settings_profile_questions(*, council: Council) -> QuerySet[ProfileQuestion]:
    return (ProfileQuestion.objects.filter(council=council).order_by("order", "id")
            .annotate(option_count=Count("options")))


def settings_profile_question(*, council: Council, question_id: int) -> ProfileQuestion:
    """One question with its options, each annotated with how many members chose it."""
    options = ProfileOption.objects.order_by("order", "id").annotate(answer_count=Count("answers"))
    return (ProfileQuestion.objects.prefetch_related(Prefetch("options", queryset=options))
            .get(council=council, pk=question_id))


def settings_profile_option(*, council: Council, option_id: int) -> ProfileOption:
    return (ProfileOption.objects.select_related("question").annotate(answer_count=Count("answers"))
            .get(question__council=council, pk=option_id))


def settings_consent_versions(*, council: Council) -> QuerySet[ConsentVersion]:
    return (ConsentVersion.objects.filter(council=council).select_related("created_by")
            .annotate(member_count=Count("records__member", distinct=True)).order_by("-version"))


def settings_campaigns(*, council: Council) -> QuerySet[Campaign]:
    return Campaign.objects.filter(council=council).annotate(member_count=Count("members")).order_by("name")


def settings_summary(*, council: Council) -> dict:
    """One line of state per settings section for the overview page."""
    figures = population_overview(council=council)
    latest = ConsentVersion.objects.filter(council=council).order_by("-version").first()
    return {
        "districts": District.objects.filter(council=council).count(),
        "questions_active": ProfileQuestion.objects.filter(council=council, active=True).count(),
        "questions": ProfileQuestion.objects.filter(council=council).count(),
        "consent_version": latest.version if latest else None,
        "figures_complete": sum(1 for qf in figures if qf.complete),
        "figures_questions": len(figures),
        "campaigns": Campaign.objects.filter(council=council).count(),
    }
