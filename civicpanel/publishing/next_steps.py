"""Links to this app from other pages: a survey's results page (public results, and the feedback
once they are public) and an event's staff page (telling those who took part what came of it)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from civicpanel.accounts.permissions import Capability, can
from civicpanel.publishing.models import Feedback, Publication


def publishing_next_steps(request, survey) -> list[dict]:
    membership = getattr(request, "membership", None)
    steps = []
    publication = Publication.objects.filter(council=request.council, survey=survey).first()
    public = publication is not None and publication.is_public
    if can(membership, Capability.SURVEYS):
        steps.append({"text": _("Public results") if public else _("Publish the results"),
                      "href": reverse("staff:survey_publish", args=[survey.pk]), "kind": "secondary"})
    if public and can(membership, Capability.MAILINGS):
        sent = Feedback.objects.filter(council=request.council, survey=survey).exists()
        steps.append({"text": _("Feedback to the panel") if sent else _("Send the feedback to everyone invited"),
                      "href": reverse("staff:survey_feedback", args=[survey.pk]), "kind": "secondary"})
    return steps


def event_next_steps(request, event) -> list[dict]:
    if not event.outcome_text or not can(getattr(request, "membership", None), Capability.MAILINGS):
        return []
    sent = Feedback.objects.filter(council=request.council, event=event).exists()
    return [{"text": _("What the participants were told") if sent else _("Tell those who took part"),
             "href": reverse("staff:event_feedback", args=[event.pk]), "kind": "secondary"}]
