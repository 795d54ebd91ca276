"""Reads of publishing: the council's public panel site (what was asked and what came of it),
one published survey, and the staff's view of a survey's publication and feedback."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.budgeting.models import Round
from civicpanel.common.formatting import long_date, number
from civicpanel.common.models import translated
from civicpanel.events.models import Event, Placement, Session
from civicpanel.publishing.models import Feedback, Publication
from civicpanel.surveys.models import Survey
from civicpanel.surveys.purpose import survey_purpose


@dataclass
class SiteItem:
    """One line of the public panel site and one entry of its feed."""

    kind: str  # "survey", "event", "round"
    pk: int
    kind_label: str
    title: str
    url: str
    date: datetime.datetime
    outcome: str  # what came of it, in words

    @property
    def subheading(self) -> str:
        return f"{self.kind_label} · {long_date(self.date)}"


def publication_for(*, council, survey: Survey) -> Publication | None:
    return Publication.objects.filter(council=council, survey=survey).first()


def feedback_for(*, council, survey: Survey) -> Feedback | None:
    return Feedback.objects.filter(council=council, survey=survey).select_related("mailing").first()


def event_feedback_for(*, council, event: Event) -> Feedback | None:
    return Feedback.objects.filter(council=council, event=event).select_related("mailing").first()


def published_survey_get(*, council, survey_id: int) -> tuple[Survey, Publication]:
    """A survey whose results are public now, in this council; else 404."""
    publication = (Publication.objects.select_related("survey")
                   .filter(council=council, survey_id=survey_id, survey__council=council,
                           published_at__isnull=False, withdrawn_at__isnull=True).first())
    if publication is None:
        raise Http404
    return publication.survey, publication


def _survey_items(council) -> list[SiteItem]:
    items = []
    for publication in (Publication.objects.select_related("survey")
                        .filter(council=council, survey__council=council, published_at__isnull=False,
                                withdrawn_at__isnull=True)):
        survey = publication.survey
        purpose = survey_purpose(survey)
        items.append(SiteItem(kind="survey", pk=survey.pk, kind_label=_("Survey results"), title=survey.name,
                              url=reverse("publishing:survey", args=[survey.pk]), date=publication.published_at,
                              outcome=purpose.decision or _("The results are published; the decision is not made yet.")))
    return items


def _event_items(council, now) -> list[SiteItem]:
    """Events whose seats were drawn and whose last session is over, with who took part."""
    events = (Event.objects.filter(council=council, cancelled_at__isnull=True, drawn_at__isnull=False)
              .annotate(last_start=Max("sessions__starts_at", filter=Q(sessions__cancelled_at__isnull=True)),
                        held=Count("sessions", filter=Q(sessions__cancelled_at__isnull=True), distinct=True))
              .filter(last_start__lt=now))
    attended = dict(Placement.objects.filter(session__event__council=council, state=Placement.State.ATTENDED)
                    .values("session__event_id").annotate(n=Count("id")).values_list("session__event_id", "n"))
    last_end = {}
    for session in Session.objects.filter(event__in=events, cancelled_at__isnull=True):
        last_end[session.event_id] = max(last_end.get(session.event_id, session.ends_at), session.ends_at)
    items = []
    for event in events:
        ended = last_end.get(event.pk)
        if ended is None or ended > now:
            continue
        came = attended.get(event.pk, 0)
        outcome = ngettext("%(n)s session held", "%(n)s sessions held", event.held) % {"n": number(event.held)}
        if came:
            outcome += "; " + ngettext("%(n)s resident took part", "%(n)s residents took part", came) % {
                "n": number(came)}
        outcome += "."
        # What the council did with the participants' input, once staff have written it.
        if event.outcome_text:
            outcome = f"{outcome} {event.outcome_text}"
        items.append(SiteItem(kind="event", pk=event.pk, kind_label=event.get_kind_display(), title=event.name,
                              url=reverse("events:public", args=[event.pk]), date=ended, outcome=outcome))
    return items


def _round_items(council) -> list[SiteItem]:
    items = []
    rounds = (Round.objects.filter(council=council, published=True)
              .annotate(n_funded=Count("projects", filter=Q(projects__funded=True)),
                        funded_cost=Sum("projects__cost", filter=Q(projects__funded=True))))
    for rnd in rounds:
        if rnd.is_counted:
            outcome = ngettext("%(n)s project chosen by the vote, for %(amount)s %(currency)s.",
                               "%(n)s projects chosen by the vote, for %(amount)s %(currency)s.", rnd.n_funded) % {
                "n": number(rnd.n_funded), "amount": number(rnd.funded_cost or 0), "currency": rnd.currency}
        else:
            outcome = _("Under way: %(phase)s.") % {"phase": rnd.get_stage_display().lower()}
        # The round's own page (it leads on to the result): an address that stays the same, as the feed's id.
        url = reverse("budgeting:round", args=[rnd.pk])
        items.append(SiteItem(kind="round", pk=rnd.pk, kind_label=_("Participatory budgeting"), title=rnd.name, url=url,
                              date=rnd.counted_at or rnd.updated_at, outcome=outcome))
    return items


def site_items(*, council, now: datetime.datetime | None = None) -> list[SiteItem]:
    """Everything the panel site lists, newest first: published surveys, finished events and
    the participatory-budgeting rounds shown to residents."""
    now = now or timezone.now()
    items = _survey_items(council) + _event_items(council, now) + _round_items(council)
    return sorted(items, key=lambda item: item.date, reverse=True)


def survey_title_in(survey: Survey, language: str) -> str:
    return translated(survey.title, language) or survey.name
