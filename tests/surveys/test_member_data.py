"""A member's survey data in their export, and erasure on leaving."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client

from civicpanel.members.erasure import member_data, member_erase
from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Response
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db


def test_export_then_erase(council):
    survey = build_survey(council)
    member = MemberFactory(council=council)
    invitation, token = invite(survey, member)
    pages = survey_structure(survey).pages
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['transport'].uid}": "other", f"q_{survey.q['transport'].uid}_other": "My neighbour Jens",
                 f"q_{survey.q['safety'].uid}": "1"})
    services.response_submit_page(invitation=invitation, page_id=pages[0].pk, data=data, language="en")
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['why'].uid}": "I live at Main Street 4"})
    services.response_submit_page(invitation=invitation, page_id=pages[1].pk, data=data, language="en")

    exported = member_data(member)["survey_invitations"]
    assert exported[0]["survey"] == "Traffic" and exported[0]["completed_at"]
    assert {"question": "Why do you feel unsafe?", "answer": "I live at Main Street 4"} in exported[0]["answers"]

    member_erase(member=member)
    response = Response.objects.get()
    assert response.invitation_id is None
    assert not Answer.objects.filter(question=survey.q["why"]).exists()
    assert Answer.objects.get(question=survey.q["transport"]).other_text == ""
    assert Answer.objects.get(question=survey.q["safety"]).value == 1  # the statistics keep the anonymous answer
    assert Client(HTTP_HOST=f"{council.slug}.localhost").get(f"/s/{token}/").status_code == 404
