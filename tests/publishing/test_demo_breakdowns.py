"""The demo's published survey is broken down by age band and district on its public page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicpanel.publishing.models import Publication

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_its_traffic_survey_with_two_breakdowns():
    from civicpanel.demo.seed import seed_demo

    seed_demo()
    publication = Publication.objects.get(published_at__isnull=False)
    assert publication.breakdowns == ["birth_year", "district"]
    council = publication.council
    host = council.domain or f"{council.slug}.localhost"
    page = Client(HTTP_HOST=host).get(reverse("publishing:survey", args=[publication.survey_id]),
                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "public-breakdown" in page and "not weighted" in page
