"""'You said, we did': the feedback goes to everyone invited (not only those who answered), says
nothing the public page hides, respects preferences, goes through the outreach worker once, and
the held-back tenth measures whether feedback makes members answer the next survey."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.erasure import member_data, member_erase
from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.publishing import services
from civicpanel.publishing.feedback_effect import MIN_PER_GROUP, feedback_effect, newcombe, wilson
from civicpanel.publishing.holdback import holdback_draw
from civicpanel.publishing.models import Feedback, FeedbackMember
from civicpanel.surveys import services as survey_services
from civicpanel.surveys.models import Invitation, Wave
from tests.publishing.factories import closed_survey, invite_all
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db
CONFIRMATION = re.compile(r'name="confirmation" value="([0-9a-f]{32})"')
SEED = re.compile(r'name="seed" value="(\d+)"')


@pytest.fixture
def published(council):
    survey, members, invitations = closed_survey(council)
    services.publication_publish(council=council, actor=None, survey=survey)
    return survey, members, invitations


def send_from_page(client, survey, *, holdback: bool = False):
    url = reverse("staff:survey_feedback", args=[survey.pk])
    page = client.get(url, {"holdback": "1"} if holdback else {}).content.decode()
    data = {"confirmation": CONFIRMATION.search(page).group(1)}
    if holdback:
        data.update(holdback="1", seed=SEED.search(page).group(1))
    return page, client.post(url, data)


def test_every_invited_member_gets_the_same_mail_answered_or_not(council, published, staff_client, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    survey, members, invitations = published
    uninvited = Member.objects.create(council=council, email="not-asked@example.net", name="Not asked",
                                      status=Member.Status.ACTIVE)
    client = staff_client("manager")
    page = client.get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Send “what came of it” to 40 members?" in page
    with django_capture_on_commit_callbacks(execute=True):
        _page, response = send_from_page(client, survey)
    assert response.status_code == 302
    assert {m.to[0] for m in mailoutbox} == {m.email for m in members}  # 30 answered, 10 did not
    assert uninvited.email not in {m.to[0] for m in mailoutbox}
    answered = {i.member.email for i in invitations[:30]}
    bodies = {m.to[0]: m.body for m in mailoutbox}
    one_who_answered = next(b for e, b in bodies.items() if e in answered)
    one_who_did_not = next(b for e, b in bodies.items() if e not in answered)
    # The same words for both, but the greeting: nothing tells who answered.
    # Only the greeting (first line) and the personal unsubscribe link (last line) differ.
    assert one_who_answered.splitlines()[1:-1] == one_who_did_not.splitlines()[1:-1]
    assert "/o/unsubscribe/" in one_who_answered.splitlines()[-1]
    assert reverse("publishing:survey", args=[survey.pk]) in one_who_answered
    assert "What came of it" in mailoutbox[0].subject and "List-Unsubscribe" in mailoutbox[0].extra_headers
    event = AuditEvent.objects.get(action="survey.feedback_send")
    assert event.detail["invited"] == 40 and event.detail["held_back"] == 0
    # A second click, or the same form sent again, sends nothing more.
    mailoutbox.clear()
    page = client.get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Yes, send" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:survey_feedback", args=[survey.pk]), {"confirmation": "a" * 32})
    assert mailoutbox == [] and Feedback.objects.count() == 1


def test_the_mail_says_no_more_than_the_public_page(council, published, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    survey, _members, _invitations = published
    survey = survey_services.survey_purpose_update(council=council, actor=None, survey=survey,
                                          decision={"en": "The junction is rebuilt in 2027."},
                                          decision_date=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_send(council=council, actor=None, survey=survey, holdback=False, confirmation="c" * 32)
    body = mailoutbox[0].body
    assert "What was decided:\nThe junction is rebuilt in 2027." in body
    # Walk is public; car (7, hidden to protect bike) and car ownership (28 yes / 2 no) are not.
    assert "answered “Walk”" in body
    assert "Car" not in body and "Do you own a car?" not in body and "Bike" not in body
    assert "Retortvej" not in body  # free text never


def test_preferences_and_unsubscribes_are_respected(council, published, mailoutbox, staff_client,
                                                   django_capture_on_commit_callbacks):
    survey, members, _invitations = published
    no_news, left = members[0], members[1]
    Member.objects.filter(pk=no_news.pk).update(wants_news=False)
    Member.objects.filter(pk=left.pk).update(status=Member.Status.LEFT)
    page = staff_client("manager").get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Send “what came of it” to 38 members?" in page
    assert "unsubscribed from this kind of e-mail" in page and "left the panel" in page
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_send(council=council, actor=None, survey=survey, holdback=False, confirmation="d" * 32)
    recipients = {m.to[0] for m in mailoutbox}
    assert len(recipients) == 38 and no_news.email not in recipients and left.email not in recipients
    skipped = Delivery.objects.filter(state=Delivery.State.SKIPPED)
    assert {d.member_id for d in skipped} == {no_news.pk, left.pk}


def test_confirmation_shows_the_exact_mail_in_each_language(council, published, staff_client):
    survey, members, _invitations = published
    Member.objects.filter(pk__in=[m.pk for m in members[:10]]).update(language="da")
    Member.objects.filter(pk__in=[m.pk for m in members[10:]]).update(language="en")
    page = staff_client("manager").get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "In Dansk, to 10 members" in page and "In English, to 30 members" in page
    assert "Det kom der ud af" in page and "What came of it: Traffic" in page


def test_feedback_needs_public_results(council, staff_client):
    survey, _members, _invitations = closed_survey(council)
    page = staff_client("manager").get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Publish the results first" in page and "Yes, send" not in page
    assert staff_client("analyst").get(reverse("staff:survey_feedback", args=[survey.pk])).status_code == 403


def test_hold_back_a_random_tenth_seeded_and_stored(council, published, staff_client, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    survey, members, _invitations = published
    client = staff_client("manager")
    with django_capture_on_commit_callbacks(execute=True):
        page, _response = send_from_page(client, survey, holdback=True)
    assert "Held back at random" in page and "Send “what came of it” to 36 members?" in page
    feedback = Feedback.objects.get(survey=survey)
    held = set(FeedbackMember.objects.filter(feedback=feedback, held_back=True).values_list("member_id", flat=True))
    assert len(held) == 4 == feedback.held_back_count
    # The draw is the seed's: drawing again from the stored seed gives the same members.
    assert held == holdback_draw([m.pk for m in members], seed=feedback.holdback_seed)
    assert held != holdback_draw([m.pk for m in members], seed=feedback.holdback_seed + 1)
    assert {m.to[0] for m in mailoutbox} == {m.email for m in members if m.pk not in held}
    assert FeedbackMember.objects.filter(feedback=feedback).count() == 40


def test_the_effect_of_listening_compares_the_next_survey(council, published, staff_client):
    survey, members, _invitations = published
    feedback = services.feedback_send(council=council, actor=None, survey=survey, holdback=True,
                                      confirmation="e" * 32, seed=7)
    page = staff_client("manager").get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Too few to tell yet" in page  # nobody invited to a later survey yet
    held = set(FeedbackMember.objects.filter(feedback=feedback, held_back=True).values_list("member_id", flat=True))
    following = build_survey(council)
    invitations = invite_all(following, members)
    # Of those who got the feedback 24 of 36 answer the next survey; of the 4 held back, 1.
    got = [i for i in invitations if i.member_id not in held]
    not_got = [i for i in invitations if i.member_id in held]
    Invitation.objects.filter(pk__in=[i.pk for i in got[:24] + not_got[:1]]).update(completed_at=timezone.now())
    effect = feedback_effect(council=council, feedback=feedback)
    assert (effect.with_feedback.invited_again, effect.with_feedback.answered) == (36, 24)
    assert (effect.without_feedback.invited_again, effect.without_feedback.answered) == (4, 1)
    assert effect.verdict == "too_few" and effect.difference is None  # 4 < MIN_PER_GROUP
    page = staff_client("manager").get(reverse("staff:survey_feedback", args=[survey.pk])).content.decode()
    assert "Too few to tell yet" in page and "67" in page  # 24 of 36, shown but not compared
    # The survey fed back on, and invitations from before the feedback, do not count.
    earlier = build_survey(council)
    Invitation.objects.filter(survey=earlier).delete()
    wave = Wave.objects.create(survey=earlier, kind=Wave.Kind.INVITATION, send_at=timezone.now())
    Invitation.objects.create(survey=earlier, member=members[0], wave=wave, token_salt="x",
                              invited_at=feedback.created_at - timezone.timedelta(days=1))
    assert feedback_effect(council=council, feedback=feedback).with_feedback.invited_again == 36


def test_the_effect_verdict_with_enough_members(council):
    survey, members, _invitations = closed_survey(council, panel_size=400, answers=30)
    services.publication_publish(council=council, actor=None, survey=survey)
    feedback = services.feedback_send(council=council, actor=None, survey=survey, holdback=True,
                                      confirmation="f" * 32, seed=3)
    held = set(FeedbackMember.objects.filter(feedback=feedback, held_back=True).values_list("member_id", flat=True))
    assert len(held) == 40 >= MIN_PER_GROUP
    invitations = invite_all(build_survey(council), members)
    got = [i for i in invitations if i.member_id not in held]
    not_got = [i for i in invitations if i.member_id in held]
    # 60 % against 20 %: clearly more.
    Invitation.objects.filter(pk__in=[i.pk for i in got[:216] + not_got[:8]]).update(completed_at=timezone.now())
    effect = feedback_effect(council=council, feedback=feedback)
    assert effect.verdict == "more"
    assert effect.difference == pytest.approx(0.4)
    assert effect.interval == pytest.approx(newcombe(216, 360, 8, 40))
    assert effect.points["difference"] == "+40.0"


def test_wilson_and_newcombe_match_published_examples():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80 -> difference 0.2, 95 % CI 0.0524 to 0.3339.
    low, high = newcombe(56, 70, 48, 80)
    assert low == pytest.approx(0.0524, abs=1e-4) and high == pytest.approx(0.3339, abs=1e-4)
    # Wilson, 81 of 263: 0.2553 to 0.3662 (Newcombe 1998, table I style check).
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-3) and high == pytest.approx(0.3662, abs=1e-3)


def test_erasure_takes_the_member_out_of_the_groups_and_export_lists_them(council, published):
    survey, members, _invitations = published
    services.feedback_send(council=council, actor=None, survey=survey, holdback=True, confirmation="g" * 32, seed=5)
    member = members[3]
    rows = member_data(member)["survey_feedback"]
    assert rows and rows[0]["survey"] == "Traffic" and isinstance(rows[0]["held_back"], bool)
    member_erase(member=member)
    assert not FeedbackMember.objects.filter(member=member).exists()
