"""Who is called to volunteer: the panel or a filter on profile questions (the member filter
surveys use too), minus those who must be left out: not active, no event e-mails wanted,
bounced, already called to this event, or over the council's contact limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.members.models import Member
from civicpanel.members.selectors import members_filter
from civicpanel.outreach.models import Delivery

LEFT_OUT_REASONS = {
    "already_called": _("already called to this event"),
    "not_active": _("not active (awaiting confirmation or paused)"),
    "no_events": _("do not want invitations to workshops and focus groups"),
    "no_email": _("e-mail bounced or missing"),
    "contacted_recently": _("contacted recently"),
}
# The e-mails that count towards the contact limit: asking a member to take part.
CONTACT_MESSAGE_TYPES = ("survey_invitation", "event_call")


@dataclass
class CallPlan:
    member_ids: list[int]
    left_out: dict[str, int]
    base_count: int

    @property
    def left_out_rows(self) -> list[tuple[str, int]]:
        return [(LEFT_OUT_REASONS[key], n) for key, n in self.left_out.items() if n]


def recently_contacted_ids(*, council, now: datetime) -> set[int]:
    """Members who reached the council's contact limit (survey invitations and event calls
    together) within its window."""
    since = now - timedelta(days=council.contact_limit_days)
    rows = (
        Delivery.objects.filter(mailing__council=council, mailing__message_type__in=CONTACT_MESSAGE_TYPES,
                                mailing__created_at__gte=since)
        .exclude(state=Delivery.State.CANCELLED)
        .values("member_id").annotate(n=Count("id")).filter(n__gte=council.contact_limit_count).order_by()
    )
    return {row["member_id"] for row in rows}


def call_plan(*, council, event, filters: dict[str, list[str]], now: datetime | None = None) -> CallPlan:
    """Who would be called now, and who is left out and why (each member counted once, under
    the first reason that applies)."""
    now = now or timezone.now()
    base = members_filter(council=council, filters=filters).filter(council=council).exclude(status=Member.Status.LEFT)
    reasons = [
        ("already_called", Q(event_participations__event=event)),
        ("not_active", ~Q(status=Member.Status.ACTIVE)),
        ("no_events", Q(wants_events=False)),
        ("no_email", Q(email_bounced=True) | Q(email__isnull=True) | Q(email="")),
        ("contacted_recently", Q(pk__in=recently_contacted_ids(council=council, now=now))),
    ]
    remaining = base
    left_out = {}
    base_count = base.count()
    for key, condition in reasons:
        excluded = remaining.filter(condition).values("pk").distinct().count()
        left_out[key] = excluded
        if excluded:
            remaining = remaining.exclude(condition)
    member_ids = list(remaining.values_list("pk", flat=True).distinct().order_by("pk"))
    return CallPlan(member_ids=member_ids, left_out=left_out, base_count=base_count)


@dataclass
class CallSample:
    """A representative sample of those who can be called (or why not: `errors`)."""

    size: int
    seed: int
    features: list[str]
    selected: list[int]
    pool: int
    profile_incomplete: int
    errors: list[str]

    def record(self) -> dict:
        return {"size": self.size, "seed": self.seed, "features": self.features, "pool": self.pool,
                "profile_incomplete": self.profile_incomplete, "called": len(self.selected)}


def call_sample(*, council, member_ids: list[int], size: int, seed: int) -> CallSample:
    """Call a sample matching the population on every profile question with figures
    (methods.selection.stratified_sample), drawn from those who can be called. Members without
    a category on one of those questions cannot be placed and are left out of the pool."""
    from django.utils.translation import gettext as _

    from civicpanel.members.categories import member_categories, population_features
    from civicpanel.methods.selection import (
        Features,
        Pool,
        Quota,
        SelectionError,
        stratified_sample,
    )

    features = [f for f in population_features(council=council) if f.usable]
    sample = CallSample(size=size, seed=seed, features=[f.key for f in features], selected=[], pool=0,
                        profile_incomplete=0, errors=[])
    if not features:
        sample.errors.append(_("No profile question has complete population figures, so there is nothing to make "
                               "the sample representative of."))
        return sample
    categories = {f.key: member_categories(council=council, feature=f) for f in features}
    pool = [m for m in member_ids if all(m in categories[f.key] for f in features)]
    sample.pool, sample.profile_incomplete = len(pool), len(member_ids) - len(pool)
    if size < 1 or size > len(pool):
        sample.errors.append(_("A sample of %(size)s cannot be drawn from %(pool)s members who can be called.")
                             % {"size": size, "pool": len(pool)})
        return sample
    code = {o.pk: o.code for f in features for o in f.options}
    quotas = tuple(Quota(feature=f.key, value=o.code, population=float(f.figures[o.pk] or 0))
                   for f in features for o in f.options)
    try:
        method_features = Features(quotas)
        method_pool = Pool.build([str(m) for m in pool],
                                 {f.key: [code[categories[f.key][m]] for m in pool] for f in features},
                                 method_features)
        result = stratified_sample(method_pool, method_features, size, seed)
    except SelectionError as error:
        sample.errors += [_("The sample cannot match the population: the pool is too thin for these categories."),
                          str(error)]
        return sample
    if result.shortfalls:
        sample.errors += [_("The sample cannot match the population: the pool is too thin for these categories."),
                          *result.shortfalls]
        return sample
    sample.selected = sorted(int(i) for i in result.selected)
    return sample
