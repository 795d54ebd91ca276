"""Events: creating, calling, volunteering and the fair draw, through the services."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.events import services
from civicpanel.events.draw import draw_plan
from civicpanel.events.links import participant_by_token, participant_token
from civicpanel.events.messages import message_context
from civicpanel.events.models import Participant, Placement
from civicpanel.members.erasure import member_data
from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from tests.events.factories import (
    called_volunteers,
    close_volunteering,
    make_event,
    panel_with_population,
    volunteer,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_new_event_publishes_the_commitment_to_a_secret_seed(council):
    event = make_event(council)
    assert event.seed_commitment == hashlib.sha256(str(event.seed).encode()).hexdigest()
    assert AuditEvent.objects.filter(action="event.create", detail__commitment=event.seed_commitment).exists()


def test_the_call_reaches_the_panel_except_those_who_must_be_left_out(council):
    members = panel_with_population(council, size=12)
    Member.objects.filter(pk=members[0].pk).update(wants_events=False)
    Member.objects.filter(pk=members[1].pk).update(status=Member.Status.PAUSED)
    Member.objects.filter(pk=members[2].pk).update(email_bounced=True)
    event = make_event(council)
    call = services.call_send(council=council, actor=None, event=event, filters={})
    assert call.recipient_count == 9
    assert call.left_out == {"already_called": 0, "not_active": 1, "no_events": 1, "no_email": 1,
                             "contacted_recently": 0}
    assert call.mailing.message_type == "event_call"
    assert Delivery.objects.filter(mailing=call.mailing).count() == 9
    # Pseudonyms are unique within the event; only the link's hash is stored.
    participants = list(Participant.objects.filter(event=event))
    assert len({p.pseudonym for p in participants}) == 9
    assert all(p.token_hash and len(p.token_hash) == 64 for p in participants)
    # A second call to the same audience reaches nobody new.
    with pytest.raises(ValidationError, match="Nobody to call"):
        services.call_send(council=council, actor=None, event=event, filters={})


def test_the_contact_limit_counts_event_calls_too(council):
    council.contact_limit_count, council.contact_limit_days = 1, 30
    council.save()
    panel_with_population(council, size=4)
    services.call_send(council=council, actor=None, event=make_event(council), filters={})
    second = make_event(council)
    with pytest.raises(ValidationError, match="Nobody to call"):
        services.call_send(council=council, actor=None, event=second, filters={})


def test_the_call_e_mail_carries_a_working_personal_link(council):
    panel_with_population(council, size=3)
    event = make_event(council)
    call = services.call_send(council=council, actor=None, event=event, filters={})
    delivery = Delivery.objects.filter(mailing=call.mailing).first()
    with translation.override("da"):
        context = message_context(delivery)
    assert context["event_title"] == "Brugertest af Min side"
    token = context["link"].rsplit("/p/", 1)[1].strip("/")
    found = participant_by_token(council=council, token=token)
    assert found.pk == delivery.reference_id and found.member_id == delivery.member_id


def test_volunteering_needs_a_session_and_the_required_questions(council):
    panel_with_population(council, size=2)
    event = make_event(council, capacities=(5, 5))
    question = services.question_add(council=council, actor=None, event=event, kind="single",
                                     text={"en": "Have you used My page?"}, required=True,
                                     options=[{"code": "1", "label": {"en": "Yes"}}, {"code": "2", "label": {"en": "No"}}])
    participant = called_volunteers(council, event, count=0)[0]
    errors = volunteer(participant, sessions=[])
    assert set(errors) == {"sessions", question.uid}
    participant.refresh_from_db()
    assert participant.volunteered_at is None
    first = event.sessions.first()
    assert volunteer(participant, sessions=[first], **{question.uid: "2"}) == {}
    participant.refresh_from_db()
    assert participant.is_volunteer and participant.answers == {question.uid: "2"}
    assert list(participant.sessions.all()) == [first]
    # Once anyone has volunteered the form's questions are fixed.
    with pytest.raises(ValidationError):
        services.question_delete(council=council, actor=None, question=question)


def test_volunteering_after_the_deadline_changes_nothing(council):
    panel_with_population(council, size=2)
    event = make_event(council)
    participant = called_volunteers(council, event, count=0)[0]
    close_volunteering(event)
    with pytest.raises(services.VolunteeringClosed):
        volunteer(participant)
    participant.refresh_from_db()
    assert participant.volunteered_at is None


def test_quotas_are_proposed_from_the_population_and_checked_at_once(council):
    panel_with_population(council, size=40)
    event = make_event(council, capacities=(10,))
    called_volunteers(council, event)
    plan = draw_plan(council=council, event=event, feature_keys=["gender", "district"], tolerance=1)
    session = plan.sessions[0]
    rows = {(r.feature.key, r.option.code): r for r in session.quotas}
    # Gender 500/500/0 of the population: 5 seats each, plus or minus 1; "other" 0 to 1.
    assert (rows["gender", "woman"].min, rows["gender", "woman"].max) == (4, 6)
    assert (rows["gender", "other"].min, rows["gender", "other"].max) == (0, 1)
    # District 600/400: 6 and 4 seats.
    vigerslev = next(r for (key, _code), r in rows.items() if key == "district" and r.population_share > 0.5)
    assert (vigerslev.min, vigerslev.max) == (5, 7)
    assert session.feasible
    assert sum(r.volunteers for r in session.quotas if r.feature.key == "gender") == 40


def test_the_draw_meets_the_quotas_and_keeps_an_ordered_reserve(council):
    panel_with_population(council, size=39)
    event = make_event(council, capacities=(10, 10), reserve_size=4)
    called_volunteers(council, event)
    close_volunteering(event)
    services.draw_run(council=council, actor=None, event=event, feature_keys=["gender", "district"], tolerance=1)
    event.refresh_from_db()
    assert event.drawn_at and event.draw["seed"] == event.seed
    first, second = event.sessions.all()
    for session in (first, second):
        drawn = Placement.objects.filter(session=session, outcome=Placement.Outcome.SELECTED)
        assert drawn.count() == 10
        genders = Counter(p.participant.member.answers.get(question__key="gender").option.code for p in drawn)
        assert 4 <= genders["woman"] <= 6 and 4 <= genders["man"] <= 6
        ranks = list(Placement.objects.filter(session=session, outcome=Placement.Outcome.RESERVE)
                     .order_by("reserve_rank").values_list("reserve_rank", flat=True))
        assert ranks == [1, 2, 3, 4]
    # Nobody is drawn twice; the second session's pool leaves out those drawn for the first.
    drawn_first = set(Placement.objects.filter(session=first, outcome="selected").values_list("participant", flat=True))
    assert not Placement.objects.filter(session=second, participant__in=drawn_first).exists()
    assert Placement.objects.filter(session=second).count() == 29
    # Probabilities: leximin gives everyone at least the smallest, and the seats add up.
    probabilities = list(Placement.objects.filter(session=first).values_list("probability", flat=True))
    assert sum(probabilities) == pytest.approx(10, abs=1e-6)
    audit = AuditEvent.objects.get(action="event.draw")
    assert audit.detail["seed"] == event.seed
    with pytest.raises(ValidationError, match="already been drawn"):
        services.draw_run(council=council, actor=None, event=event, feature_keys=["gender"], tolerance=1)


def test_the_draw_waits_for_the_deadline(council):
    panel_with_population(council, size=15)
    event = make_event(council)
    called_volunteers(council, event)
    with pytest.raises(ValidationError, match="deadline"):
        services.draw_run(council=council, actor=None, event=event, feature_keys=["gender"], tolerance=1)
    assert not Placement.objects.exists()


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["at least 4, but only 2 such volunteers", "minimum 4 → 2"]),
    ("da", ["mindst 4, men kun 2 sådanne frivillige", "minimum 4 → 2"]),
    ("nb", ["minst 4, men bare 2 slike frivillige", "minimum 4 → 2"]),
])
def test_impossible_quotas_are_explained_in_the_staff_members_language(council, language, expected):
    members = panel_with_population(council, size=30)
    event = make_event(council, capacities=(10,))
    participants = called_volunteers(council, event)
    # Only two men volunteer: a minimum of 4 men cannot be met.
    men = {m.pk for m in members if m.answers.filter(option__code="man").exists()}
    kept_men = 0
    for participant in participants:
        if participant.member_id in men:
            kept_men += 1
            if kept_men > 2:
                services.volunteer_withdraw(participant=participant)
    close_volunteering(event)
    with translation.override(language):
        plan = draw_plan(council=council, event=event, feature_keys=["gender"], tolerance=1)
        text = " ".join(plan.sessions[0].problems + plan.sessions[0].relaxation)
        for phrase in expected:
            assert phrase in text
        with pytest.raises(ValidationError) as raised:
            services.draw_run(council=council, actor=None, event=event, feature_keys=["gender"], tolerance=1)
    assert any(expected[0] in m for m in raised.value.messages)
    event.refresh_from_db()
    assert event.drawn_at is None and not Placement.objects.exists()


def test_a_members_events_are_in_their_export_and_erased_when_they_leave(council):
    member = MemberFactory(council=council)
    event = make_event(council)
    participant = called_volunteers(council, event)[0]
    assert participant.member_id == member.pk
    data = member_data(member)
    assert data["events"][0]["pseudonym"] == participant.pseudonym
    assert data["events"][0]["volunteered_at"]
    from civicpanel.members.erasure import member_erase

    member_erase(member=member)
    participant.refresh_from_db()
    assert participant.token_hash is None and participant.answers == {}
    assert participant_by_token(council=council, token=participant_token(participant)) is None


def test_a_representative_sample_can_be_called_and_the_seed_repeats_it(council, staff_client):
    council.contact_limit_count = 10
    council.save()
    panel_with_population(council, size=60)
    first, second = make_event(council), make_event(council)
    call = services.call_send(council=council, actor=None, event=first, filters={}, sample_size=20, sample_seed=7)
    assert call.recipient_count == 20 and call.sample["seed"] == 7 and call.sample["pool"] == 60
    again = services.call_send(council=council, actor=None, event=second, filters={}, sample_size=20, sample_seed=7)
    assert set(first.participants.values_list("member_id", flat=True)) == set(
        second.participants.values_list("member_id", flat=True))
    assert again.sample["features"] == ["gender", "birth_year", "district"]
    third = make_event(council)
    page = staff_client("manager").get(f"/staff/events/{third.pk}/call/",
                                       {"audience": "sample", "sample_size": "15"}).content.decode()
    assert "15 members will be called" in page and "A representative sample of 15 from the 60" in page
    with pytest.raises(ValidationError):
        services.call_send(council=council, actor=None, event=third, filters={}, sample_size=500, sample_seed=1)
    assert not third.participants.exists()


def test_a_saved_segment_from_the_survey_page_calls_its_members(council, staff_client, other_council):
    from civicpanel.members.models import MemberAnswer
    from civicpanel.members.segments import segment_save

    members = panel_with_population(council, size=30)
    women = {a.member_id for a in MemberAnswer.objects.filter(question__key="gender", option__code="woman",
                                                              member__in=members)}
    segment = segment_save(council=council, actor=None, name="Women", filters={"gender": ["woman"]})
    event = make_event(council)
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/call/", {"segment": segment.pk}).content.decode()
    assert "Segment: Women" in page and f"{len(women)} members will be called" in page
    assert f'name="segment" value="{segment.pk}"' in page  # carried to the send
    manager.post(f"/staff/events/{event.pk}/call/", {"segment": segment.pk, "action": "send"})
    call = event.calls.get()
    assert call.segment == segment and call.filters == {"gender": ["woman"]}
    assert set(event.participants.values_list("member_id", flat=True)) == women
    assert AuditEvent.objects.get(action="event.call").detail["segment"] == segment.pk
    # Another council's segment is refused, not used.
    theirs = segment_save(council=other_council, actor=None, name="Theirs", filters={})
    with pytest.raises(ValidationError, match="Unknown segment"):
        services.call_send(council=council, actor=None, event=make_event(council), segment=theirs)
