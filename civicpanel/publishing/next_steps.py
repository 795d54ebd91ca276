"""The results page's links to this app: public results, and the feedback once they are public."""

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
