"""Tenant isolation with real objects: every staff URL that names an object, filled with the
ids of ANOTHER council's objects (survey, page, question, wave, member, district, profile
question and option, mailing, staff membership), answers 404 to an admin of this council, for
GET and for POST, and changes nothing over there. Nested URLs are also tried with this
council's survey and the other council's page, question or wave.

(The URL-table test in tests/accounts uses ids that exist nowhere, which a lookup without a
council filter would pass as well; this one does not.)"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.config import staff_urls
from civicpanel.events.models import Call, Participant, Placement
from civicpanel.newsletters.models import Newsletter
from civicpanel.outreach.models import Mailing
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys import services
from civicpanel.surveys.models import Page, Question, Survey, Wave
from tests.events.factories import make_event
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db

ACTIONS = {
    "/do/": ["copy", "open", "close", "add_page", "up", "down", "delete", "place"],
}


def _patterns(patterns, prefix="/staff/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _objects(council, *, open_it: bool) -> dict[str, str]:
    survey = build_survey(council, open_it=open_it)
    page = Page.objects.filter(survey=survey).first()
    question = survey.q["transport"]
    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION,
                               send_at=timezone.now() + timezone.timedelta(days=2))
    member = MemberFactory(council=council)
    district = council.districts.first()
    profile_question = ProfileQuestion.objects.get(council=council, key="gender")
    option = profile_question.options.first()
    mailing = Mailing.objects.create(council=council, message_type="survey_invitation")
    membership = staff_user(council, "manager").memberships.get(council=council)
    event = make_event(council)
    session = event.sessions.get()
    call = Call.objects.create(event=event)
    participant = Participant.objects.create(event=event, member=member, call=call, token_salt="s", pseudonym="ABCDEF",
                                             called_at=timezone.now())
    placement = Placement.objects.create(session=session, participant=participant, outcome="selected",
                                         probability=1.0, state="confirmed")
    from civicpanel.budgeting.models import Idea, PaperEntry, VotingCode
    from tests.budgeting.factories import build_round

    pb_round = build_round(council, allow_codes=True)
    idea = Idea.objects.create(council=council, round=pb_round, title="Idea", description="d")
    code = VotingCode.objects.create(round=pb_round, code_hash=f"isolation-{council.pk}")
    entry = PaperEntry.objects.create(round=pb_round, code=code, pot="city", choices=[1])
    newsletter = Newsletter.objects.create(council=council, subject={"da": "Nyt"}, body={"da": "Tekst"})
    from civicpanel.analysis.models import SurveyReport
    from tests.recruitment.helpers import batch as letter_batch
    from tests.recruitment.helpers import extract as address_extract
    from tests.recruitment.helpers import residents

    extract = address_extract(council, residents(2, age=30))
    letters = letter_batch(council, extract)
    from civicpanel.recruitment.models import LetterFile

    letter_file = LetterFile.objects.create(council=council, batch=letters, kind=LetterFile.Kind.PRINT,
                                            base_url="http://x.localhost", total=2, done=2,
                                            status=LetterFile.Status.READY, content="JVBERi0xLjcK",
                                            filename="letters.pdf", content_type="application/pdf", size=9)
    from civicpanel.api.services import token_create
    from tests.surveys.factories import invite

    token = token_create(council=council, actor=None, name="Isolation", scopes=["surveys"]).token
    invitation, _link = invite(survey, member)
    report = SurveyReport.objects.create(council=council, survey=survey, language="da", status="ready",
                                         pdf=b"%PDF-1.7\n%%EOF\n", progress=100)
    from civicpanel.surveys.models import ResponseExport

    export = ResponseExport.objects.create(council=council, survey=survey, status="ready", content=b"PK", size=2)
    return {
        "report_id": str(report.pk), "file_id": str(letter_file.pk), "export_id": str(export.pk),
        "campaign_id": str(extract.campaign_id), "extract_id": str(extract.pk), "batch_id": str(letters.pk),
        "newsletter_id": str(newsletter.pk), "token_id": str(token.pk), "invitation_id": str(invitation.pk),
        "round_id": str(pb_round.pk), "idea_id": str(idea.pk), "project_id": str(pb_round.projects.first().pk),
        "entry_id": str(entry.pk),
        "survey_id": str(survey.pk), "page_id": str(page.pk), "question_id": str(question.pk),
        "wave_id": str(wave.pk), "member_id": str(member.pk), "district_id": str(district.pk),
        "profile_question_id": str(profile_question.pk), "option_id": str(option.pk),
        "mailing_id": str(mailing.pk), "membership_id": str(membership.pk),
        "event_id": str(event.pk), "session_id": str(session.pk), "placement_id": str(placement.pk),
    }


def _urls(route: str, ours: dict[str, str], theirs: dict[str, str]) -> list[str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    id_names = [name for name in names if name.endswith("_id")]
    if not id_names:
        return []
    urls = []
    # Every id foreign; and, for nested routes, this council's survey with a foreign child.
    choices = [theirs] + ([ours] if len(id_names) > 1 else [])
    for parent in choices:
        url = route
        for name in names:
            if name == "survey_id":
                value = parent["survey_id"]
            elif name == "question_id" and route.startswith("/staff/settings/"):
                value = theirs["profile_question_id"]
            elif name.endswith("_id"):
                if name not in theirs:
                    pytest.fail(f"{route}: make an object for <{name}> in _objects() so it is checked")
                value = theirs[name]
            else:
                value = "csv" if name == "fmt" else "x"
            url = re.sub(rf"<(?:\w+:)?{name}>", value, url, count=1)
        urls.append(url)
    expanded = []
    for url in dict.fromkeys(urls):
        if "/do/x/" in url:
            expanded += [url.replace("/do/x/", f"/do/{action}/") for action in ACTIONS["/do/"]]
        else:
            expanded.append(url)
    return expanded


def test_another_councils_objects_are_404_for_every_staff_url(council, other_council, staff_client):
    ours = _objects(council, open_it=False)
    theirs = _objects(other_council, open_it=False)
    their_surveys = Survey.objects.filter(council=other_council).count()
    their_events = AuditEvent.objects.filter(council=other_council).count()
    admin = staff_client("admin", council=council)
    post_data = {"page": theirs["page_id"], "index": "0", "direction": "up", "status": "paused", "delete": "1",
                 "remove": "1", "save": "1", "confirm": "1", "action": "send", "name": "X", "role": "analyst"}

    tried = []
    for route in sorted(set(_patterns(staff_urls.urlpatterns))):
        for url in _urls(route, ours, theirs):
            for method in ("get", "post"):
                response = getattr(admin, method)(url, post_data if method == "post" else None)
                assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
                tried.append(url)
    assert len(tried) > 60
    assert Survey.objects.filter(council=other_council).count() == their_surveys
    assert AuditEvent.objects.filter(council=other_council).count() == their_events
    assert Newsletter.objects.filter(council=other_council).count() == 1


def test_ids_in_the_form_data_are_checked_against_the_council(council, other_council, staff_client):
    """Ids that come in POST data rather than in the URL: the page a question is dropped on,
    and the saved segment a survey is sent to."""
    ours = _objects(council, open_it=True)
    theirs = _objects(other_council, open_it=True)
    MemberFactory(council=other_council, status="active")
    segment = services.segment_save(council=other_council, actor=None, name="Theirs", filters={})
    manager = staff_client("manager", council=council)
    question = Question.objects.get(pk=ours["question_id"])

    response = manager.post(f"/staff/surveys/{ours['survey_id']}/questions/{question.pk}/do/place/",
                            {"page": theirs["page_id"], "index": "0"})
    assert response.status_code == 404
    assert Question.objects.get(pk=question.pk).page_id == question.page_id

    waves_before = Wave.objects.count()
    response = manager.post(f"/staff/surveys/{ours['survey_id']}/send/", {"segment": str(segment.pk), "action": "send"})
    assert response.status_code == 200  # the form says the choice is not one of ours
    assert Wave.objects.count() == waves_before
    assert not Mailing.objects.filter(council=council, message_type="survey_invitation",
                                      deliveries__isnull=False).exists()
