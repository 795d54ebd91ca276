"""Who is asked: the panel or a filter on profile questions, minus those who must be left out
(not active, no survey e-mails, bounced, already invited, contacted recently), and how the
result is composed by each profile question beside the population figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.db_arrays import ids_by_group
from civicpanel.members.categories import ProfileArrays, council_profiles
from civicpanel.members.filter_rows import uses_filter_rows
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.members.segments import clean_filters  # noqa: F401 - the surveys' name for it
from civicpanel.members.selectors import (
    member_counts_by_option,
    member_counts_by_option_of,
    member_rows_filter,
    members_filter,
)
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion
from civicpanel.surveys.models import Invitation, Survey, Wave

LEFT_OUT_REASONS = {
    "already_invited": _("already invited to this survey"),
    "not_active": _("not active (awaiting confirmation or paused)"),
    "no_surveys": _("do not want survey invitations"),
    "no_email": _("e-mail bounced or missing"),
    "contacted_recently": _("contacted recently"),
    # Only for a paper or phone sending: those who can be invited by e-mail are.
    "has_email": _("have a working e-mail address (invite them by e-mail)"),
    # Only for a representative sample: without a category they cannot be placed in a stratum.
    "profile_incomplete": _("no answer to a profile question the sample is stratified on"),
}


def profile_questions(*, council) -> list[ProfileQuestion]:
    return list(
        ProfileQuestion.objects.filter(council=council, active=True).prefetch_related("options").order_by("order", "id")
    )


def category_q(question: ProfileQuestion, option: ProfileOption, *, member: str = "", today=None) -> Q:
    """A filter that holds for members in one profile category.

    `member` is the path from the queried model to the member ("" on Member itself,
    "member__" on Invitation), so the same categories serve audience and response rates.
    """
    kind = question.kind
    if kind == ProfileQuestion.Kind.BIRTH_YEAR:
        year = (today or timezone.localdate()).year
        bounds = {}
        if option.max_age is not None:
            bounds[f"{member}birth_year__gte"] = year - option.max_age
        if option.min_age is not None:
            bounds[f"{member}birth_year__lte"] = year - option.min_age
        return Q(**bounds) & Q(**{f"{member}birth_year__isnull": False})
    if kind == ProfileQuestion.Kind.DISTRICT:
        return Q(**{f"{member}district_id": option.district_id})
    ref = OuterRef(f"{member}pk") if member else OuterRef("pk")
    return Q(Exists(MemberAnswer.objects.filter(member=ref, option=option)))


def audience_filters(survey: Survey) -> list[dict[str, list[str]]]:
    """The profile filter of every sending of the survey (an empty one: the whole panel): the
    residents the survey stands for. A filter sent twice (by e-mail, then on paper to those
    without e-mail) is one population, listed once."""
    filters = []
    for wave in (survey.waves.filter(kind=Wave.Kind.INVITATION, cancelled_at__isnull=True)
                 .exclude(recipient_count=0).order_by("pk")):
        wanted = dict(wave.filters or {})
        if wanted not in filters:
            filters.append(wanted)
    return filters or [{}]


@dataclass
class AudiencePlan:
    member_ids: list[int]
    left_out: dict[str, int]
    base_count: int
    composition: list[dict] = field(default_factory=list)
    # `member_ids` as an array, for what counts or draws from them.
    ids: np.ndarray | None = field(default=None, repr=False)
    # The members' profiles, read once when first asked for: the composition and a sample's
    # pool share them.
    profiles: ProfileArrays | None = field(default=None, repr=False)

    def profile_arrays(self, *, council, fresh: bool = False) -> ProfileArrays:
        """The profiles of (at least) `member_ids`: the council's as kept in memory
        (members.categories.council_profiles), or `fresh` from the database, as a sending
        reads them."""
        if self.profiles is None:
            kept = None if fresh else council_profiles(council=council)
            ids = self.member_ids if self.ids is None else self.ids
            self.profiles = kept if kept is not None and kept.has_all(ids) else \
                ProfileArrays.read(council=council, member_ids=ids)
        return self.profiles

    @property
    def left_out_rows(self) -> list[tuple[str, int]]:
        return [(LEFT_OUT_REASONS[key], n) for key, n in self.left_out.items() if n]


def recently_contacted_q(*, council, now: datetime) -> Q:
    """Members who already reached the council's contact limit in its window."""
    since = now - timedelta(days=council.contact_limit_days)
    limit = council.contact_limit_count
    if limit <= 0:
        return Q(council=council)
    # One pass over the window's invitations (the invited_at index), grouped by member: not a
    # count per member of the panel, which on a million members ran for minutes.
    return Q(pk__in=Invitation.objects.filter(survey__council=council, invited_at__gte=since)
             .order_by().values("member_id").annotate(n=Count("id")).filter(n__gte=limit).values("member_id"))


def audience_plan(*, council, survey: Survey, filters: dict[str, list[str]], now: datetime | None = None,
                  with_composition: bool = True, channel: str = Wave.Channel.EMAIL) -> AudiencePlan:
    """Who would be invited now, and who is left out and why (each member counted once,
    under the first reason that applies).

    An e-mail sending leaves out those without a working address; a paper or phone sending is
    for exactly them, and leaves out those who have one.

    One query over the audience gives each member's first reason (0: none), read as arrays;
    the composition counts their profiles (`profile_arrays`, kept for a sample drawn from
    them). The audience's query is not run again per reason, nor per count."""
    now = now or timezone.now()
    # On PostgreSQL the members' narrow filter rows hold every column the audience reads
    # (members.filter_rows): one scan of them instead of the wide member rows.
    narrow = uses_filter_rows()
    select = member_rows_filter if narrow else members_filter
    base = select(council=council, filters=filters).exclude(status=Member.Status.LEFT)
    if narrow:
        no_email, email_works = Q(email_bounced=True) | Q(has_email=False), Q(email_bounced=False, has_email=True)
    else:
        no_email = Q(email_bounced=True) | Q(email__isnull=True) | Q(email="")
        email_works = Q(email_bounced=False) & Q(email__isnull=False) & ~Q(email="")
    reasons = [
        ("already_invited", Exists(Invitation.objects.filter(survey=survey, member=OuterRef("pk")))),
        ("not_active", ~Q(status=Member.Status.ACTIVE)),
        ("no_surveys", Q(wants_surveys=False)),
        ("no_email", no_email) if channel == Wave.Channel.EMAIL else ("has_email", email_works),
        ("contacted_recently", recently_contacted_q(council=council, now=now)),
    ]
    first_reason = Case(*[When(condition, then=Value(n)) for n, (_key, condition) in enumerate(reasons, 1)],
                        default=Value(0), output_field=IntegerField())
    ids, counts = ids_by_group(base.order_by().values_list("pk", first_reason), groups=len(reasons) + 1)
    # In id order, as the audience always was, and once each (np.sort: numpy's unique took 30
    # times longer on a million ids).
    ids = np.sort(ids)
    ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids
    left_out = {key: counts[n] for n, (key, _condition) in enumerate(reasons, 1)}
    plan = AudiencePlan(member_ids=ids.tolist(), left_out=left_out, base_count=len(ids) + sum(left_out.values()),
                        ids=ids)
    if with_composition:
        plan.composition = composition(council=council, member_ids=plan.ids,
                                       profiles=plan.profile_arrays(council=council))
    return plan


def composition(*, council, members: QuerySet[Member] | None = None, member_ids=None,
                profiles: ProfileArrays | None = None) -> list[dict]:
    """For each profile question: count and share of the members (a queryset, or a list of
    ids) in each category, beside the population count and share. A fixed number of queries."""
    figures = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
    questions = profile_questions(council=council)
    if member_ids is not None:
        total = len(member_ids)
        counts = member_counts_by_option_of(council=council, member_ids=member_ids, questions=questions,
                                            arrays=profiles)
    else:
        total = members.count()
        # Grouped counts (one query per kind of question), not one filtered count per category:
        # the audience's own query is then run three times, not once per question.
        counts = member_counts_by_option(council=council, queryset=members, questions=questions)
    result = []
    for question in questions:
        options = list(question.options.all())
        if not options:
            continue
        population_total = sum(figures.get(o.pk, 0) for o in options)
        rows = []
        for o in options:
            n = counts[question.key][o.code]
            pop = figures.get(o.pk)
            rows.append({
                "option": o, "count": n, "share": (n / total) if total else None,
                "population": pop, "population_share": (pop / population_total) if pop is not None and population_total else None,
            })
        result.append({"question": question, "rows": rows, "has_population": population_total > 0})
    return result
