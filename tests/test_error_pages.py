"""Error pages keep the site's layout and language rather than a bare technical page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_not_found_page_uses_the_layout(council):
    response = Client(HTTP_HOST="valby.localhost", HTTP_ACCEPT_LANGUAGE="en").get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "skip-link" in html and council.name in html


def test_forbidden_page_explains_the_role(staff_client):
    client = staff_client("analyst")
    response = client.get("/staff/members/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Your role does not give access" in response.content.decode()
