"""Reads for events. Every function takes the council."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.events.models import (
    Call,
    Event,
    Participant,
    Placement,
    RegistrationQuestion,
    Session,
)
from civicpanel.methods.disclosure import suppress_line

# The event list's sortable columns (common.sorting): the title as the reader sees it.
EVENT_SORTS = {
    "title": lambda e: e.name, "kind": lambda e: e.get_kind_display(), "deadline": lambda e: e.volunteer_deadline,
    "sessions": lambda e: e.session_count, "called": lambda e: e.called, "volunteers": lambda e: e.volunteer_count,
    "drawn": lambda e: e.drawn_at,
}


def event_list(*, council) -> QuerySet[Event]:
    return Event.objects.filter(council=council).annotate(
        session_count=Count("sessions", distinct=True),
        called=Count("participants", distinct=True),
        volunteer_count=Count("participants", filter=Q(participants__volunteered_at__isnull=False,
                                                       participants__withdrawn_at__isnull=True), distinct=True),
    ).order_by("-volunteer_deadline", "-id")


def event_get(*, council, event_id: int) -> Event:
    """The event or 404: an event of another council does not exist for this one."""
    return get_object_or_404(Event, pk=event_id, council=council)


def session_get(*, council, event: Event, session_id: int) -> Session:
    return get_object_or_404(Session, pk=session_id, event=event, event__council=council)


def question_get(*, council, event: Event, question_id: int) -> RegistrationQuestion:
    return get_object_or_404(RegistrationQuestion, pk=question_id, event=event, event__council=council)


def sessions_with_counts(*, council, event: Event) -> list[Session]:
    """The event's sessions with how many volunteered for each and, after the draw, the seats."""
    return list(Session.objects.filter(event=event, event__council=council).annotate(
        volunteer_count=Count("volunteers", filter=Q(volunteers__volunteered_at__isnull=False,
                                                     volunteers__withdrawn_at__isnull=True), distinct=True),
        drawn=Count("placements", filter=Q(placements__outcome=Placement.Outcome.SELECTED), distinct=True),
        confirmed=Count("placements", filter=Q(placements__state__in=(
            Placement.State.CONFIRMED, Placement.State.ATTENDED, Placement.State.NO_SHOW)), distinct=True),
        attended=Count("placements", filter=Q(placements__state=Placement.State.ATTENDED), distinct=True),
    ).order_by("starts_at", "id"))


def event_counts(*, council, event: Event) -> dict[str, int]:
    return Participant.objects.filter(event=event, event__council=council).aggregate(
        called=Count("id"),
        volunteers=Count("id", filter=Q(volunteered_at__isnull=False, withdrawn_at__isnull=True)),
        withdrawn=Count("id", filter=Q(withdrawn_at__isnull=False)),
    )


def calls(*, council, event: Event) -> QuerySet[Call]:
    return Call.objects.filter(event=event, event__council=council).select_related("mailing", "created_by")


def volunteers(*, council, event: Event) -> QuerySet[Participant]:
    """Those who volunteered (identities: for staff who run events only)."""
    return (Participant.objects.filter(event=event, event__council=council, volunteered_at__isnull=False)
            .select_related("member").prefetch_related("sessions").order_by("volunteered_at", "id"))


BANDS = ((0.10, gettext_lazy("under 10 %")), (0.25, gettext_lazy("10–25 %")), (0.50, gettext_lazy("25–50 %")),
         (0.75, gettext_lazy("50–75 %")), (0.999999, gettext_lazy("75–99 %")))


def probability_band(probability: float) -> str:
    """A volunteer's chance of a seat as a band (the exact figure is in the export)."""
    for upper, label in BANDS:
        if probability < upper:
            return str(label)
    return _("certain")


@dataclass
class PublicSession:
    session: Session
    pool: int
    size: int
    reserve: int
    selected: list[str]
    reserve_list: list[str]


def public_draw(*, council, event: Event) -> list[PublicSession]:
    """Per session, what the public page and the volunteers' check need: the pool size, the
    seats, the selected pseudonyms and the reserve list, as drawn."""
    if not event.drawn_at:
        return []
    sessions = {s.pk: s for s in Session.objects.filter(event=event, event__council=council)}
    return [PublicSession(session=sessions[row["session"]], pool=row["pool"], size=row["size"], reserve=row["reserve"],
                          selected=row["selected"], reserve_list=row["reserve_list"])
            for row in event.draw.get("sessions", []) if row["session"] in sessions]


def placements_by_session(*, council, event: Event) -> list[tuple[Session, list[Placement]]]:
    """After the draw, each session with its drawn, reserve and not-drawn volunteers (identities:
    for staff who run events only)."""
    rows = list(Placement.objects.filter(session__event=event, session__event__council=council)
                .select_related("participant__member", "session")
                .order_by("session__starts_at", "session_id", "outcome", "reserve_rank", "participant__pseudonym"))
    grouped: dict[int, tuple[Session, list[Placement]]] = {}
    for placement in rows:
        placement.band = probability_band(placement.probability)
        grouped.setdefault(placement.session_id, (placement.session, []))[1].append(placement)
    return list(grouped.values())


def door_list(*, council, session: Session) -> list[Placement]:
    """Everyone with a confirmed seat (checked in, not come, or still expected), by name."""
    rows = list(Placement.objects.filter(session=session, session__event__council=council,
                                         state__in=("confirmed", "attended", "no_show"))
                .select_related("participant__member"))
    return sorted(rows, key=lambda p: p.participant.member.display_name.casefold())


def placement_get(*, council, session: Session, placement_id: int) -> Placement:
    return get_object_or_404(Placement.objects.select_related("participant__member"), pk=placement_id,
                             session=session, session__event__council=council)


def placement_by_checkin_code(*, council, event: Event, code: str) -> Placement:
    if not code:
        raise Http404
    return get_object_or_404(Placement.objects.select_related("participant__member", "session"),
                             checkin_code=code, session__event=event, session__event__council=council)


STAGES = (("population", gettext_lazy("Population")), ("volunteers", gettext_lazy("Volunteers")),
          ("drawn", gettext_lazy("Drawn")), ("confirmed", gettext_lazy("Confirmed")),
          ("attended", gettext_lazy("Attended")))


def who_came(*, council, event: Event, suppress: bool = False) -> list[dict]:
    """Per profile question with population figures: the population, the volunteers, those
    drawn, those who confirmed and those who attended, as counts and shares side by side, with
    a chart. This is how a council sees whether its meeting was more representative than a
    self-selected one. Counts only (for every role that may see results).

    With `suppress` (analysts, who never see who took part) a count below MIN_COUNT is hidden,
    with its share, and so is what would reveal it from the column's total
    (`methods.disclosure.suppress_line`): a hidden figure is None."""
    from civicpanel.events.charts import grouped_share_chart
    from civicpanel.members.categories import member_categories, population_features

    participants = Participant.objects.filter(event=event, event__council=council)
    groups = {
        "volunteers": set(participants.filter(volunteered_at__isnull=False, withdrawn_at__isnull=True)
                          .values_list("member_id", flat=True)),
        "drawn": set(Placement.objects.filter(session__event=event, outcome=Placement.Outcome.SELECTED)
                     .values_list("participant__member_id", flat=True)),
        "confirmed": set(Placement.objects.filter(session__event=event, state__in=("confirmed", "attended", "no_show"))
                         .values_list("participant__member_id", flat=True)),
        "attended": set(Placement.objects.filter(session__event=event, state="attended")
                        .values_list("participant__member_id", flat=True)),
    }
    blocks = []
    for feature in population_features(council=council):
        if not feature.usable:
            continue
        categories = member_categories(council=council, feature=feature)
        rows = []
        for option in feature.options:
            row = {"option": option, "population": feature.figures.get(option.pk) or 0,
                   "population_share": feature.population_share(option)}
            for key, members in groups.items():
                placed = [m for m in members if m in categories]
                n = sum(1 for m in placed if categories[m] == option.pk)
                row[key], row[f"{key}_share"] = n, (n / len(placed)) if placed else None
            rows.append(row)
        totals = {key: len(members) for key, members in groups.items()}
        if suppress:
            for key in groups:
                line = suppress_line(np.array([row[key] for row in rows], dtype=np.int64))
                for index, row in enumerate(rows):
                    if line.suppressed[index]:
                        row[key] = row[f"{key}_share"] = None
                if line.suppressed[-1]:
                    totals[key] = None
        for row in rows:  # in the table's column order
            row["cells"] = [(row[key], row[f"{key}_share"]) for key in groups]
        label = feature.question.text
        chart = grouped_share_chart(
            chart_id=f"who-came-{feature.key}", title=_("Who came: %(question)s") % {"question": label},
            description=_("Shares of the population, the volunteers, those drawn, those who confirmed and those "
                          "who attended, per category; the same figures are in the table below."),
            labels=[o.text for o in feature.options],
            series=[(str(name), [r[f"{key}_share"] for r in rows]) for key, name in STAGES])
        blocks.append({"feature": feature, "rows": rows, "chart": chart, "totals": totals})
    return blocks
