"""Choosing who is asked, the contact limit, sending through outreach, and reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.panel.models import ProfileOption
from civicpanel.surveys import services
from civicpanel.surveys.audience import audience_plan
from civicpanel.surveys.models import Invitation, Segment, Wave
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, confirm_and_remind, confirm_and_send, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(council):
    """Six reachable members in Vigerslev, two in Gammel Valby, and one of each kind left out."""
    vigerslev, valby = council.districts.order_by("order")
    members = {
        "v": [MemberFactory(council=council, district=vigerslev, language="en") for _ in range(6)],
        "g": [MemberFactory(council=council, district=valby) for _ in range(2)],
        "paused": MemberFactory(council=council, district=vigerslev, status=Member.Status.PAUSED),
        "no_surveys": MemberFactory(council=council, district=vigerslev, wants_surveys=False),
        "bounced": MemberFactory(council=council, district=vigerslev, email_bounced=True),
        "left": MemberFactory(council=council, district=vigerslev, status=Member.Status.LEFT, email=None),
        "busy": MemberFactory(council=council, district=vigerslev),
    }
    # "busy" had two invitations in the last 30 days: the contact limit (2 in 30) is reached.
    for _ in range(2):
        invite(build_survey(council), members["busy"])
    woman = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    for m in members["v"][:3]:
        MemberAnswer.objects.create(member=m, question=woman.question, option=woman)
    return members


def district_code(council, index=0):
    return list(ProfileOption.objects.filter(question__council=council, question__key="district").order_by("order"))[index].code


def test_plan_leaves_out_and_reports(council, panel):
    survey = build_survey(council)
    plan = audience_plan(council=council, survey=survey, filters={"district": [district_code(council)]})
    assert sorted(plan.member_ids) == sorted(m.pk for m in panel["v"])
    assert plan.left_out == {"already_invited": 0, "not_active": 1, "no_surveys": 1, "no_email": 1,
                             "contacted_recently": 1}
    gender = next(block for block in plan.composition if block["question"].key == "gender")
    assert {row["option"].code: row["count"] for row in gender["rows"]}["woman"] == 3


@pytest.mark.postgres
@pytest.mark.parametrize("channel", [Wave.Channel.EMAIL, Wave.Channel.PAPER])
def test_the_audience_read_from_the_filter_rows_equals_the_one_read_from_the_members(council, panel, channel,
                                                                                    monkeypatch):
    """On PostgreSQL the audience scans the members' narrow rows (members.filter_rows): the same
    members and the same left-out counts as read from the member table, whatever the reason."""
    from civicpanel.surveys import audience

    if not audience.uses_filter_rows():
        pytest.skip("the filter rows are PostgreSQL's")
    vigerslev = council.districts.order_by("order").first()
    MemberFactory(council=council, district=vigerslev, email=None)
    MemberFactory(council=council, district=vigerslev, email="")
    MemberFactory(council=council, district=vigerslev, email=None, wants_surveys=False, email_bounced=True)
    Member.objects.filter(pk=panel["v"][0].pk).update(email="")
    survey = build_survey(council)
    invite(survey, panel["v"][1])

    def plan(narrow: bool, filters: dict):
        monkeypatch.setattr(audience, "uses_filter_rows", lambda: narrow)
        found = audience_plan(council=council, survey=survey, filters=filters, channel=channel,
                              with_composition=False)
        return found.member_ids, found.left_out, found.base_count

    for filters in ({}, {"district": [district_code(council)]}, {"status": ["active", "paused"]}):
        assert plan(True, filters) == plan(False, filters), filters
    assert plan(True, {})[1]["already_invited"] == 1


def test_send_page_shows_numbers_then_sends_and_mail_arrives(council, panel, staff_client, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    code = district_code(council)
    html = client.get(url, {"f_district": [code]}).content.decode()
    assert "6 members will be invited" in html
    assert "1 member left out: contacted recently" in html
    assert "Share of population" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_and_send(client, url, {"f_district": [code]})
    assert response.status_code == 302
    wave = Wave.objects.get(survey=survey)
    assert wave.recipient_count == 6 and wave.mailing is not None
    assert Invitation.objects.filter(survey=survey).count() == 6
    assert len(mailoutbox) == 6
    assert {m.to[0] for m in mailoutbox} == {m.email for m in panel["v"]}
    mail = mailoutbox[0]
    assert "Traffic" in mail.subject
    link = re.search(r"http://\S+/s/(\S+)/", mail.body)
    assert link, mail.body
    assert "List-Unsubscribe" in mail.extra_headers
    page = Client(HTTP_HOST=f"{council.slug}.localhost").get(f"/s/{link.group(1)}/", follow=True)
    assert page.status_code == 200 and "How do you travel?" in page.content.decode()
    event = AuditEvent.objects.get(action="survey.send")
    assert sorted(event.member_ids) == sorted(m.pk for m in panel["v"])
    assert event.detail["left_out"]["contacted_recently"] == 1
    # Sending again invites nobody new: everyone is already invited.
    response = confirm_and_send(client, url, {"f_district": [code]})
    assert "Nobody to invite" in response.content.decode()
    assert Invitation.objects.filter(survey=survey).count() == 6


def test_whole_panel_and_saved_segment(council, panel, staff_client, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    response = client.post(url, {"f_district": [district_code(council, 1)], "action": "save_segment",
                                 "segment_name": "Gammel Valby"})
    segment = Segment.objects.get(council=council, name="Gammel Valby")
    assert response.status_code == 302
    html = client.get(url, {"segment": segment.pk}).content.decode()
    assert "2 members will be invited" in html
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(client, url, {"segment": segment.pk})
    assert Invitation.objects.filter(survey=survey).count() == 2
    # The rest of the panel (no filter) is everyone else who may be contacted.
    html = client.get(url, {"segment": ""}).content.decode()
    assert "6 members will be invited" in html
    assert "2 members left out: already invited to this survey" in html


def test_send_at_a_set_time(council, panel, mailoutbox, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        wave = services.wave_send(council=council, actor=None, survey=survey,
                                  filters={"district": [district_code(council)]}, send_at=later)
    assert wave.send_at == later and wave.mailing.send_at == later
    assert mailoutbox == []
    assert set(Invitation.objects.filter(wave=wave).values_list("invited_at", flat=True)) == {later}


def test_draft_survey_cannot_be_sent(council, panel):
    survey = build_survey(council, open_it=False)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.wave_send(council=council, actor=None, survey=survey, filters={})


def answer_all(survey, invitation):
    from django.http import QueryDict

    pages = survey_structure(survey).pages
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['transport'].uid}": "1", f"q_{survey.q['safety'].uid}": "4"})
    services.response_submit_page(invitation=invitation, page_id=pages[0].pk, data=data, language="da")
    services.response_submit_page(invitation=invitation, page_id=pages[1].pk, data=QueryDict(), language="da")


def test_reminders_go_only_to_those_who_have_not_answered(council, panel, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    survey = build_survey(council)
    survey.reminder_count, survey.reminder_interval_days = 2, 3
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_send(council=council, actor=None, survey=survey, filters={"district": [district_code(council)]})
    invitations = list(Invitation.objects.filter(survey=survey))
    answer_all(survey, invitations[0])
    answer_all(survey, invitations[1])
    mailoutbox.clear()
    # Not due yet: nothing.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_send_reminders")
    assert mailoutbox == []
    Invitation.objects.filter(survey=survey).update(invited_at=timezone.now() - timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_send_reminders")
    assert len(mailoutbox) == 4
    reminded = {m.to[0] for m in mailoutbox}
    assert reminded == {i.member.email for i in invitations[2:]}
    assert all("Reminder" in m.subject for m in mailoutbox)
    # The next reminder waits for the interval, then the count runs out.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_send_reminders")
    assert mailoutbox == []
    Invitation.objects.filter(survey=survey).update(last_reminded_at=timezone.now() - timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_send_reminders")
        call_command("surveys_send_reminders")
    assert len(mailoutbox) == 4
    Invitation.objects.filter(survey=survey).update(last_reminded_at=timezone.now() - timedelta(days=40))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_send_reminders")
    assert mailoutbox == []
    assert list(Wave.objects.filter(survey=survey, kind="reminder").values_list("reminder_number", flat=True)) == [1, 2]


def test_remind_now_button(council, panel, staff_client, mailoutbox, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_send(council=council, actor=None, survey=survey, filters={"district": [district_code(council, 1)]})
    answer_all(survey, Invitation.objects.filter(survey=survey).first())
    mailoutbox.clear()
    client = staff_client("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_and_remind(client, reverse("staff:survey_remind", args=[survey.pk]), follow=True)
    assert "Reminder queued for 1 member" in response.content.decode()
    assert len(mailoutbox) == 1
    assert staff_client("analyst").post(reverse("staff:survey_remind", args=[survey.pk])).status_code == 403


def test_unsubscribed_member_is_skipped_by_outreach(council, panel, mailoutbox, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    member = panel["g"][0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.wave_send(council=council, actor=None, survey=survey, filters={"district": [district_code(council, 1)]})
    Member.objects.filter(pk=member.pk).update(wants_surveys=False)
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    assert Delivery.objects.get(member=member).state == Delivery.State.SKIPPED
    assert Mailing.objects.get().reference == f"survey:{survey.pk}"


def test_close_due_command(council):
    survey = build_survey(council, anonymous=True)
    survey.closes_at = timezone.now() + timedelta(seconds=1)
    survey.save()
    from civicpanel.surveys.models import Survey

    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    call_command("surveys_close_due")
    survey.refresh_from_db()
    assert survey.status == "closed" and survey.anonymised_at is not None


def test_cancel_a_scheduled_sending(council, panel, staff_client, mailoutbox, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    later = timezone.now() + timedelta(hours=3)
    wave = services.wave_send(council=council, actor=None, survey=survey,
                              filters={"district": [district_code(council, 1)]}, send_at=later)
    client = staff_client("manager")
    html = client.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
    assert "Cancel this sending" in html
    assert staff_client("analyst").post(reverse("staff:survey_wave_cancel", args=[survey.pk, wave.pk])).status_code == 403
    response = client.post(reverse("staff:survey_wave_cancel", args=[survey.pk, wave.pk]), follow=True)
    assert "The scheduled sending is cancelled" in response.content.decode()
    assert not Invitation.objects.filter(survey=survey).exists()
    assert set(Delivery.objects.filter(mailing=wave.mailing).values_list("state", flat=True)) == {"cancelled"}
    # Those members can be invited again.
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_send(council=council, actor=None, survey=survey, filters={"district": [district_code(council, 1)]})
    assert len(mailoutbox) == 2


def test_the_contact_limit_counts_invitations_of_the_last_30_days_only(council):
    """Two invitations within 30 days (the council's default cap) leave a member out of the next
    survey; once the older one is 31 days old, the member may be asked again."""
    assert (council.contact_limit_count, council.contact_limit_days) == (2, 30)
    member = MemberFactory(council=council)
    first, _ = invite(build_survey(council), member)
    invite(build_survey(council), member)
    survey = build_survey(council)
    plan = audience_plan(council=council, survey=survey, filters={}, with_composition=False)
    assert member.pk not in plan.member_ids and plan.left_out["contacted_recently"] == 1
    Invitation.objects.filter(pk=first.pk).update(invited_at=timezone.now() - timedelta(days=29, hours=23))
    assert member.pk not in audience_plan(council=council, survey=survey, filters={},
                                          with_composition=False).member_ids
    Invitation.objects.filter(pk=first.pk).update(invited_at=timezone.now() - timedelta(days=31))
    assert member.pk in audience_plan(council=council, survey=survey, filters={}, with_composition=False).member_ids


def test_a_wave_stores_each_invitation_with_the_hash_of_its_own_link_and_one_delivery_each(council, panel):
    """The invitations and deliveries of a wave go in with their ids taken first (one COPY on
    PostgreSQL): every invitation keeps the hash of the link made from its own id, which opens
    it, and every delivery names its member's invitation and keeps the model's defaults."""
    from civicpanel.common.security import token_hash
    from civicpanel.surveys.invitations import invitation_by_token, invitation_token

    survey = build_survey(council)
    wave = services.wave_send(council=council, actor=None, survey=survey, filters={"status": ["active"]})
    invitations = list(Invitation.objects.filter(wave=wave))
    assert len(invitations) == wave.recipient_count > 5
    for invitation in invitations:
        token = invitation_token(invitation)
        assert invitation.token_hash == token_hash(token)
        assert invitation_by_token(council=council, token=token).pk == invitation.pk
        assert invitation.reminders_sent == 0 and invitation.completed_at is None
    deliveries = Delivery.objects.filter(mailing=wave.mailing)
    assert sorted(deliveries.values_list("member_id", "reference_id")) == sorted(
        (i.member_id, i.pk) for i in invitations)
    assert set(deliveries.values_list("state", "attempts")) == {(Delivery.State.QUEUED, 0)}
