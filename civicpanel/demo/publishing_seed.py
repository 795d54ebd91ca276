"""The demo's "what came of it": the Vigerslev traffic survey closed, its results published with
the committee's decision and broken down by age band and district, and the feedback sent to everyone invited with a random tenth held back,
so the public panel site, its feed and the feedback page have something to show."""

from __future__ import annotations

from django.utils import timezone

from civicpanel.publishing import services
from civicpanel.surveys import services as survey_services
from civicpanel.surveys.models import Survey

HOLDBACK_SEED = 2026
DECISION = {
    "da": "Trafik- og miljøudvalget har sendt høringssvar til kommunens trafikplan: krydset Vigerslev Allé og "
          "Retortvej skal ses på først, cykelstien langs Folehaven bør gøres bredere, og udvalget beder om bedre "
          "belysning i Vigerslevparken.",
    "nb": "Trafikk- og miljøutvalget har sendt høringssvar til kommunens trafikkplan: krysset Vigerslev Allé og "
          "Retortvej skal ses på først, sykkelstien langs Folehaven bør gjøres bredere, og utvalget ber om bedre "
          "belysning i Vigerslevparken.",
    "en": "The traffic and environment committee has sent its response to the city's traffic plan: the junction of "
          "Vigerslev Allé and Retortvej is to be looked at first, the cycle path along Folehaven should be widened, "
          "and the committee asks for better lighting in Vigerslevparken.",
}


def seed_demo_publishing(*, council, actor) -> None:
    survey = (Survey.objects.filter(council=council, responses__completed_at__isnull=False)
              .distinct().order_by("pk").first())
    if survey is None:
        return
    survey = survey_services.survey_close(council=council, actor=actor, survey=survey)
    survey = survey_services.survey_purpose_update(council=council, actor=actor, survey=survey, decision=DECISION,
                                                   decision_date=timezone.localdate())
    # The public page shows the shares by age band and by district too (protected together).
    services.publication_breakdowns_set(council=council, actor=actor, survey=survey, keys=["birth_year", "district"])
    services.publication_publish(council=council, actor=actor, survey=survey)
    services.feedback_send(council=council, actor=actor, survey=survey, holdback=True, seed=HOLDBACK_SEED,
                           confirmation="demo-feedback-vigerslev-traffic")
