"""The send page's preview of a representative sample is what is sent: the same members, on
SQLite and PostgreSQL; a sample the panel's changes have made different is not sent unseen; and
staff may stratify on any number of profile questions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from civicpanel.members.categories import council_profiles, profiles_changed
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import PopulationFigure
from civicpanel.surveys.models import Invitation, Wave
from tests.surveys.factories import CONFIRMATION, FINGERPRINT, build_survey, confirm_and_send
from tests.surveys.sample_panel import build_panel, options, set_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(council):
    set_population(council)
    return build_panel(council, size=150)


def sent_to(survey) -> list[int]:
    return sorted(Invitation.objects.filter(survey=survey).values_list("member_id", flat=True))


def confirm(client, url, data):
    page = client.post(url, {**data, "action": "confirm"})
    html = page.content.decode()
    return page, {**data, "action": "send", "confirmation": CONFIRMATION.search(html).group(1),
                  "sample_fingerprint": FINGERPRINT.search(html).group(1)}


def test_the_members_previewed_are_the_members_invited(council, panel, staff_client):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    data = {"audience": "sample", "sample_size": "30", "sample_seed": "11"}
    shown = client.get(url, data).context["draw"].selected
    assert len(shown) == 30
    page, send = confirm(client, url, data)
    assert page.context["draw"].selected == shown
    assert client.post(url, send).status_code == 302
    assert sent_to(survey) == shown


def test_a_sample_changed_by_the_panel_since_it_was_confirmed_is_shown_not_sent(council, panel, staff_client):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    data = {"audience": "sample", "sample_size": "30", "sample_seed": "5"}
    page, send = confirm(client, url, data)
    shown = page.context["draw"].selected
    # One of the members drawn asks for no more survey invitations before staff press "send".
    Member.objects.filter(pk=shown[0]).update(wants_surveys=False)
    response = client.post(url, send)
    assert response.status_code == 200
    assert "The panel has changed since the sample was shown" in response.content.decode()
    assert not Invitation.objects.filter(survey=survey).exists()
    redrawn = response.context["draw"].selected
    assert shown[0] not in redrawn and len(redrawn) == 30
    # What is shown now is what is sent when confirmed again.
    page, send = confirm(client, url, data)
    assert page.context["draw"].selected == redrawn
    assert client.post(url, send).status_code == 302
    assert sent_to(survey) == redrawn


def test_staff_stratify_on_any_number_of_profile_questions(council, panel, staff_client):
    """Five questions at once (the cube method's territory): drawn on the send page, and the
    members previewed are the members invited."""
    for key in ("education", "housing"):
        choices = options(council, key)
        PopulationFigure.objects.bulk_create([PopulationFigure(council=council, option=o, count=100) for o in choices])
        MemberAnswer.objects.bulk_create([MemberAnswer(member=m, question=choices[0].question,
                                                       option=choices[i % len(choices)])
                                          for i, m in enumerate(panel)])
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    keys = ["gender", "birth_year", "district", "education", "housing"]
    data = {"audience": "sample", "sample_size": "30", "sample_seed": "8", "sample_features": keys}
    draw = client.get(url, data).context["draw"]
    assert draw.ok and [f.key for f in draw.features] == keys and len(draw.selected) == 30
    assert confirm_and_send(client, url, data).status_code == 302
    wave = Wave.objects.get(survey=survey)
    assert wave.sample["features"] == keys and sent_to(survey) == draw.selected


@pytest.mark.postgres
def test_kept_profiles_are_read_again_when_a_profile_changes(council, panel):
    """Kept in memory on PostgreSQL only (SQLite uses ids again after a rollback)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: elsewhere the profiles are read afresh every time")
    kept = council_profiles(council=council)
    assert council_profiles(council=council) is kept
    member = panel[0]
    # A profile saved: its answers are replaced (new rows).
    woman, man = options(council, "gender")[:2]
    old = MemberAnswer.objects.get(member=member, question=woman.question)
    other = man if old.option_id == woman.pk else woman
    MemberAnswer.objects.filter(pk=old.pk).delete()
    MemberAnswer.objects.create(member=member, question=other.question, option=other)
    fresh = council_profiles(council=council)
    assert fresh is not kept
    rows, _found = fresh.rows_of([member.pk])
    assert other.pk in fresh.answer_options[fresh.answer_rows == rows[0]].tolist()
    # A birth year changed (the profile stamp is renewed whenever that happens).
    Member.objects.filter(pk=member.pk).update(birth_year=1950)
    profiles_changed(council_id=council.pk)
    again = council_profiles(council=council)
    assert again is not fresh and again.birth_year[again.rows_of([member.pk])[0][0]] == 1950

