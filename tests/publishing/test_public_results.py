"""Public results: the same figures as the staff page, hidden where they could point to someone;
publishing and withdrawing (audited); the panel site, its Atom feed, and other councils."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.common.formatting import percent
from civicpanel.publishing import services
from civicpanel.publishing.results import public_results
from civicpanel.surveys.results import question_results
from civicpanel.surveys.weighting import survey_weighting, weighted_items
from tests.publishing.factories import closed_survey

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def public(council) -> Client:
    return Client(HTTP_HOST=f"{council.slug}.localhost")


@pytest.fixture
def published(council):
    survey, members, invitations = closed_survey(council)
    services.publication_publish(council=council, actor=None, survey=survey)
    return survey


def test_public_figures_are_the_staff_pages_weighted_figures_with_small_cells_hidden(council, published):
    survey = published
    results = public_results(council=council, survey=survey)
    items, _hidden = question_results(council=council, survey=survey)
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.available and results.weighted
    weighted_items(weighting=weighting, survey=survey, items=items)
    transport = next(q for q in results.questions if q.label == "How do you travel?")
    rows = {row.label: row for row in transport.rows}
    staff_walk = next(r for r in items[0]["table"] if r["label"] == "Walk")["weighted"]
    # Walk (20 of 30) is shown, exactly as the staff page weights it, with its interval.
    assert rows["Walk"].share == staff_walk["estimate"] and rows["Walk"].low == staff_walk["low"]
    # Bike (3) is under 5; car (7) is hidden too, or 100 % minus walk would give bike + car... and
    # with bike hidden alone, 100 % minus walk minus car would give bike.
    assert rows["Bike"].hidden and rows["Car"].hidden
    # Yes 28 / no 2: "no" is under 5, and "yes" would reveal it (100 % minus yes).
    car = next(q for q in results.questions if q.label == "Do you own a car?")
    assert all(row.hidden for row in car.rows) and not car.chart
    # Free text is never published.
    why = next(q for q in results.questions if q.label == "Why do you feel unsafe?")
    assert why.texts_withheld


def test_public_page_shows_purpose_figures_and_hidden_marks_but_no_free_text(council, published):
    survey = published
    html = public(council).get(reverse("publishing:survey", args=[survey.pk])).content.decode()
    results = public_results(council=council, survey=survey)
    walk = next(r for r in results.questions[0].rows if r.label == "Walk")
    assert survey.name in html and "Why the survey is asked" in html
    assert "How residents travel and what would make streets safer." in html  # the purpose
    assert "Traffic committee" in html and "They feed the traffic plan in May." in html
    assert "Nothing has been decided yet" in html
    assert percent(walk.share) in html
    assert html.count('class="suppressed"') >= 4  # bike and car (share and interval), yes and no
    assert "Retortvej" not in html
    assert "30 of 40 invited panel members answered" in html
    assert "(weighted)" in html  # the chart is of the weighted shares


def test_a_question_fewer_than_five_answered_shows_nothing(council):
    survey, _members, _invitations = closed_survey(council, panel_size=10, answers=4,
                                                   population=False)
    services.publication_publish(council=council, actor=None, survey=survey)
    results = public_results(council=council, survey=survey)
    assert not results.weighted
    assert all(q.too_few or q.texts_withheld for q in results.questions)
    html = public(council).get(reverse("publishing:survey", args=[survey.pk])).content.decode()
    assert "Fewer than 5 answered this question" in html and "bar-chart" not in html


def test_publish_needs_a_closed_survey_and_publish_and_withdraw_are_audited(council, staff_client):
    survey, _members, _invitations = closed_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_publish", args=[survey.pk])
    page = client.get(url).content.decode()
    assert "Publish these results?" in page and "How residents travel" in page  # what will be public, before
    assert public(council).get(reverse("publishing:survey", args=[survey.pk])).status_code == 404
    assert client.post(url, {"action": "publish"}).status_code == 302
    assert public(council).get(reverse("publishing:survey", args=[survey.pk])).status_code == 200
    published = AuditEvent.objects.get(action="survey.results_publish")
    assert published.council == council and published.actor_id is not None
    client.post(url, {"action": "withdraw"})
    assert public(council).get(reverse("publishing:survey", args=[survey.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="survey.results_withdraw").count() == 1
    assert survey.name not in public(council).get(reverse("publishing:site")).content.decode()
    # An analyst reads results but does not publish.
    assert staff_client("analyst").post(url, {"action": "publish"}).status_code == 403


def test_an_open_survey_cannot_be_published(council):
    from django.core.exceptions import ValidationError

    from tests.surveys.factories import build_survey

    survey = build_survey(council)
    with pytest.raises(ValidationError):
        services.publication_publish(council=council, actor=None, survey=survey)


def test_site_lists_published_surveys_and_the_atom_feed_is_valid(council, published):
    client = public(council)
    site = client.get(reverse("publishing:site")).content.decode()
    assert published.name in site and reverse("publishing:survey", args=[published.pk]) in site
    assert reverse("publishing:feed") in site  # linked for feed readers
    home = client.get("/").content.decode()
    assert reverse("publishing:site") in home
    response = client.get(reverse("publishing:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (feed.find(f"{ATOM}{required}").text or "").strip(), required
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    for required in ("id", "title", "updated"):
        assert (entry.find(f"{ATOM}{required}").text or "").strip(), required
    assert entry.find(f"{ATOM}link").get("href").endswith(reverse("publishing:survey", args=[published.pk]))
    assert published.name in entry.find(f"{ATOM}title").text


def test_another_councils_published_survey_is_not_there(council, other_council, published):
    other = public(other_council)
    assert other.get(reverse("publishing:survey", args=[published.pk])).status_code == 404
    assert published.name not in other.get(reverse("publishing:site")).content.decode()
    assert b"<entry>" not in other.get(reverse("publishing:feed")).content
    # Nor can the other council's staff publish or withdraw it.
    from tests.conftest import login_with_second_factor
    from tests.factories import staff_user

    client = login_with_second_factor(Client(HTTP_HOST=f"{other_council.slug}.localhost"),
                                      staff_user(other_council, "admin"))
    assert client.post(reverse("staff:survey_publish", args=[published.pk]),
                       {"action": "withdraw"}).status_code == 404


def test_the_decision_written_on_the_publish_page_is_public_at_once(council, published, staff_client):
    survey = published
    client = staff_client("manager")
    url = reverse("staff:survey_publish", args=[survey.pk])
    today = timezone.localdate()
    response = client.post(url, {"action": "decision", "decision_da": "Krydset ombygges i 2027.",
                                 "decision_en": "The junction is rebuilt in 2027.", "decision_date": today.isoformat()})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="survey.purpose").exists()
    html = public(council).get(reverse("publishing:survey", args=[survey.pk])).content.decode()
    assert "The junction is rebuilt in 2027." in html and "Nothing has been decided yet" not in html
    assert "The junction is rebuilt in 2027." in public(council).get(reverse("publishing:site")).content.decode()
    # A decision without its date is refused, and nothing changes.
    page = client.post(url, {"action": "decision", "decision_en": "Something else."}).content.decode()
    assert "Give the date as well." in page
    survey.refresh_from_db()
    assert survey.decision["en"] == "The junction is rebuilt in 2027."


def test_publish_saves_the_decision_written_with_it(council, staff_client):
    survey, _members, _invitations = closed_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_publish", args=[survey.pk])
    client.post(url, {"action": "publish", "decision_en": "Lights in the park this winter.",
                      "decision_date": timezone.localdate().isoformat()})
    html = public(council).get(reverse("publishing:survey", args=[survey.pk])).content.decode()
    assert "Lights in the park this winter." in html
    # A decision that cannot be saved stops the publishing: nothing goes public half-written.
    other, _m, _i = closed_survey(council, panel_size=12, answers=6, population=False, seed=99)
    page = client.post(reverse("staff:survey_publish", args=[other.pk]),
                       {"action": "publish", "decision_en": "No date given."}).content.decode()
    assert "Give the date as well." in page
    assert public(council).get(reverse("publishing:survey", args=[other.pk])).status_code == 404


def test_the_site_list_takes_the_same_queries_for_one_survey_or_three(council, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey, _members, _invitations = closed_survey(council)
    services.publication_publish(council=council, actor=None, survey=survey)
    client = public(council)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("publishing:site"))
    for seed in (100_007, 100_008):  # not the first panel's (its seed is the council's id)
        more, _m, _i = closed_survey(council, panel_size=10, answers=5, population=False, seed=seed)
        services.publication_publish(council=council, actor=None, survey=more)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("publishing:site")).content.decode()
    assert html.count(reverse("publishing:site")) >= 1 and html.count("/results/") >= 4


def test_site_lists_finished_events_and_budgeting_rounds_with_what_came_of_them(council):
    from datetime import timedelta

    from civicpanel.budgeting.models import Round
    from civicpanel.events.models import Session
    from tests.budgeting.factories import build_round
    from tests.events.factories import make_event

    finished = make_event(council)
    Session.objects.filter(event=finished).update(starts_at=timezone.now() - timedelta(days=2))
    finished.drawn_at = timezone.now() - timedelta(days=5)
    finished.save(update_fields=["drawn_at"])
    upcoming = make_event(council)
    upcoming.title = {"en": "Workshop on the square"}
    upcoming.drawn_at = timezone.now()
    upcoming.save(update_fields=["title", "drawn_at"])
    counted = build_round(council, stage=Round.Stage.RESULT)
    counted.projects.filter(cost__in=(40_000, 30_000)).update(funded=True)
    Round.objects.filter(pk=counted.pk).update(counted_at=timezone.now())
    hidden = build_round(council)
    Round.objects.filter(pk=hidden.pk).update(published=False)
    html = public(council).get(reverse("publishing:site")).content.decode()
    assert "User test of My page" in html and "1 session held." in html
    assert "Workshop on the square" not in html  # not held yet
    assert reverse("budgeting:round", args=[counted.pk]) in html
    assert "3 projects chosen by the vote, for 100,000 DKK." in html
    assert reverse("budgeting:round", args=[hidden.pk]) not in html


def test_public_figures_are_read_from_the_cache_and_follow_answers_and_population_figures(
        council, published, monkeypatch):
    """The public page and the open data weigh the answers once per change, not once per reader,
    and show new figures as soon as an answer or a population figure changes."""
    from civicpanel.panel.models import PopulationFigure
    from civicpanel.surveys import results_cache
    from civicpanel.surveys.models import Answer, Response

    survey = published
    weighed = []
    original = results_cache.survey_weighting
    monkeypatch.setattr(results_cache, "survey_weighting",
                        lambda **kwargs: weighed.append(1) or original(**kwargs))
    page = public(council).get(reverse("publishing:survey", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and len(weighed) == 1
    first = public_results(council=council, survey=survey)
    public(council).get(reverse("publishing:survey", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert public(council).get(f"/api/v1/open/results/{survey.pk}.json?language=en").status_code == 200
    assert len(weighed) == 1
    transport = {row.label: row for row in first.questions[0].rows}
    assert transport["Bike"].hidden

    # Three answers corrected from walk to bike (as a paper correction does): bike is 6 now.
    walkers = list(Answer.objects.filter(question=survey.q["transport"], value="1").order_by("pk")[:3])
    Answer.objects.filter(pk__in=[a.pk for a in walkers]).update(value="2")
    Response.objects.filter(pk__in=[a.response_id for a in walkers]).update(updated_at=timezone.now())
    corrected = {row.label: row for row in public_results(council=council, survey=survey).questions[0].rows}
    assert len(weighed) == 2 and not corrected["Bike"].hidden and corrected["Bike"].share is not None

    # New population figures: new weights, new public shares.
    figure = PopulationFigure.objects.filter(council=council).order_by("pk").first()
    PopulationFigure.objects.filter(pk=figure.pk).update(count=figure.count * 3, updated_at=timezone.now())
    reweighted = {row.label: row for row in public_results(council=council, survey=survey).questions[0].rows}
    assert len(weighed) == 3 and reweighted["Walk"].share != corrected["Walk"].share


def test_a_scale_average_is_not_shown_beside_a_hidden_share(council):
    """Two shown shares, two hidden and the average would be two equations for the two hidden."""
    from civicpanel.surveys.models import Answer

    survey, _members, _invitations = closed_survey(council)
    safety = Answer.objects.filter(question=survey.q["safety"]).order_by("pk")
    ids = list(safety.values_list("pk", flat=True))
    Answer.objects.filter(pk__in=ids[:2]).update(value=1)
    Answer.objects.filter(pk__in=ids[2:12]).update(value=5)
    question = next(q for q in public_results(council=council, survey=survey).questions
                    if q.label == "How safe do you feel?")
    assert any(row.hidden for row in question.rows) and question.mean is None
    Answer.objects.filter(pk__in=ids[:2]).update(value=5)
    from django.core.cache import cache

    cache.clear()
    question = next(q for q in public_results(council=council, survey=survey).questions
                    if q.label == "How safe do you feel?")
    assert not any(row.hidden for row in question.rows) and question.mean is not None
