"""The demo's "what came of it": the Vigerslev traffic survey closed, its results published with
the committee's decision, and the feedback sent to everyone invited with a random tenth held back,
so the public panel site, its feed and the feedback page have something to show."""

from __future__ import annotations

from civicpanel.publishing import services
from civicpanel.surveys import services as survey_services
from civicpanel.surveys.models import Survey

HOLDBACK_SEED = 2026


def seed_demo_publishing(*, council, actor) -> None:
    survey = (Survey.objects.filter(council=council, responses__completed_at__isnull=False)
              .distinct().order_by("pk").first())
    if survey is None:
        return
    survey = survey_services.survey_close(council=council, actor=actor, survey=survey)
    services.publication_publish(council=council, actor=actor, survey=survey)
    services.feedback_send(council=council, actor=actor, survey=survey, holdback=True, seed=HOLDBACK_SEED,
                           confirmation="demo-feedback-vigerslev-traffic")
