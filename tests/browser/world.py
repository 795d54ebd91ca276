"""Data and sessions for the browser tests: a council with members, figures, a survey that has
been sent, and ways to put a logged-in staff member or resident into a browser context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.utils import timezone

from civicpanel.members import services as member_services
from civicpanel.members.models import Member, MemberAnswer, MemberToken
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion
from civicpanel.tenancy.models import Council
from tests.conftest import login_with_second_factor
from tests.factories import MemberFactory, council_with_profile, staff_user

YEAR = timezone.localdate().year
GENDERS = ["woman", "man", "other"]
EDUCATIONS = ["basic", "upper_secondary", "vocational", "short_higher", "bachelor", "master"]
PROFILE = {"gender": "woman", "birth_year": 1980, "district": "vigerslev", "postal_code": "2500",
           "education": "master", "employment": "employed", "housing": "owner", "interests": []}


def link_path(text: str, marker: str) -> str:
    """The path of the first link in `text` that contains `marker` (mail links carry the
    council's configured host, the browser goes to the live server instead)."""
    match = re.search(r"https?://[^/\s]+([^\s\"'<>]*" + re.escape(marker) + r"[^\s\"'<>]*)", text)
    assert match, f"no link with {marker!r} in:\n{text}"
    return match.group(1)


def new_council() -> Council:
    return council_with_profile(slug="valby", name="Valby Lokaludvalg")


def population_figures(council: Council) -> None:
    """Figures for gender, age, district and education, so the dashboard compares four questions."""
    counts = {
        "gender": {"woman": 5100, "man": 4900, "other": 100},
        "birth_year": {"15-24": 1400, "25-34": 2000, "35-44": 2000, "45-54": 1600, "55-64": 1200,
                       "65-74": 1000, "75-120": 800},
        "education": {"basic": 1500, "upper_secondary": 1500, "vocational": 2000, "short_higher": 800,
                      "bachelor": 2500, "master": 1700},
    }
    for key, by_code in counts.items():
        for code, count in by_code.items():
            option = ProfileOption.objects.get(question__council=council, question__key=key, code=code)
            PopulationFigure.objects.create(council=council, option=option, count=count)
    for i, option in enumerate(ProfileOption.objects.filter(question__council=council, question__key="district")
                               .order_by("order")):
        PopulationFigure.objects.create(council=council, option=option, count=6000 - 2000 * i)


def seed_members(council: Council, count: int = 100) -> list[Member]:
    """`count` members with varied profiles; every tenth is pending, paused or gone."""
    districts = list(council.districts.order_by("order"))
    questions = {q.key: q for q in ProfileQuestion.objects.filter(council=council)}
    options = {(o.question.key, o.code): o for o in ProfileOption.objects.filter(question__council=council)
               .select_related("question")}
    statuses = [Member.Status.PENDING, Member.Status.PAUSED, Member.Status.LEFT]
    members, answers = [], []
    for i in range(count):
        status = statuses[(i // 10) % 3] if i % 10 == 9 else Member.Status.ACTIVE
        member = MemberFactory(
            council=council, status=status, birth_year=YEAR - 18 - (i * 7) % 70,
            district=districts[i % 3] if i % 3 < len(districts) else None,
            email=None if status == Member.Status.LEFT else f"resident{i}@example.net",
            name=f"Resident {i}",
        )
        members.append(member)
        if i % 11 != 10:  # some never answered the gender question
            answers.append(MemberAnswer(member=member, question=questions["gender"],
                                        option=options[("gender", GENDERS[(i * 5) % 7 % 3])]))
        answers.append(MemberAnswer(member=member, question=questions["education"],
                                    option=options[("education", EDUCATIONS[i % 6 if i % 4 else 5])]))
    MemberAnswer.objects.bulk_create(answers)
    return members


def add_session_cookie(context, live_server, session_key: str) -> None:
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])


def staff_session(context, live_server, council: Council, role: str, **user_kwargs):
    """Logs a new staff user of `role` into the browser context (password + TOTP done); returns the user."""
    from django.test import Client

    user = staff_user(council, role, **user_kwargs)
    client = login_with_second_factor(Client(HTTP_HOST=f"{council.slug}.localhost"), user)
    add_session_cookie(context, live_server, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return user


def member_session(context, live_server, member: Member) -> None:
    """Logs a resident into the browser context, as a used login link would."""
    from civicpanel.members.views import SESSION_COUNCIL, SESSION_MEMBER

    session = SessionStore()
    session[SESSION_MEMBER] = member.pk
    session[SESSION_COUNCIL] = member.council_id
    session.create()
    add_session_cookie(context, live_server, session.session_key)


@dataclass
class World:
    """Everything the page sweep needs, by name."""

    council: Council
    member: Member
    paths: dict[str, str] = field(default_factory=dict)
    survey: object = None
    ids: dict[str, int | str] = field(default_factory=dict)


def build_world(*needs: str) -> World:
    """A council with 30 members and population figures, plus what the pages need:
    "links": a pending sign-up with a live and an expired confirmation link, a login link and a leave link;
    "survey": an open survey with eight answers, the first member's link, a closed survey's link;
    "mailing": the survey sent to a district through outreach (a mailing, an unsubscribe link);
    "events": an event open for volunteers and one drawn, the member called to both and given a seat;
    "budgeting": rounds taking ideas, voting (with residents by e-mail) and counted;
    "publishing": the survey's results published, a newsletter ready to send, an API token;
    "recruitment": an address extract with a letter batch and one letter's code."""
    council = new_council()
    population_figures(council)
    members = seed_members(council, 30)
    member = members[0]
    member.language = "en"
    member.save(update_fields=["language"])
    world = World(council=council, member=member)
    if "links" in needs:
        _links(world)
    if "survey" in needs or "mailing" in needs:
        _survey(world, send="mailing" in needs)
    if "events" in needs:
        _events(world)
    if "budgeting" in needs:
        _budgeting(world)
    if "publishing" in needs:
        _publishing(world)
    if "recruitment" in needs:
        _recruitment(world)
    return world


def _links(world: World) -> None:
    council, paths = world.council, world.paths
    consent = member_services.consent_current(council=council)
    mail.outbox.clear()
    member_services.member_signup(council=council, email="new@example.net", language="en",
                                  profile_values=PROFILE, consent_version=consent)
    paths["confirm"] = link_path(mail.outbox[-1].body, "/join/confirm/")
    member_services.member_signup(council=council, email="late@example.net", language="en",
                                  profile_values=PROFILE, consent_version=consent)
    paths["confirm_expired"] = link_path(mail.outbox[-1].body, "/join/confirm/")
    MemberToken.objects.filter(member__in=Member.objects.by_email("late@example.net", council=council)).update(
        expires_at=timezone.now() - timedelta(days=1))
    member_services.login_link_request(council=council, email=world.member.email)
    paths["login_link"] = link_path(mail.outbox[-1].body, "/me/login/")
    member_services.login_link_request(council=council, email=world.member.email, next_path="/me/leave/")
    paths["leave_link"] = link_path(mail.outbox[-1].body, "/me/login/")


def _survey(world: World, *, send: bool) -> None:
    from civicpanel.surveys import services as survey_services
    from tests.surveys.factories import build_survey, invite
    from tests.surveys.test_results import answer

    council, member, paths = world.council, world.member, world.paths
    survey = build_survey(council)
    if send:
        mail.outbox.clear()
        survey_services.wave_send(council=council, actor=None, survey=survey,
                                  filters={"district": [survey_district_code(council)]})
        sent = [m for m in mail.outbox if m.to == [member.email]]
        assert sent, f"no invitation to {member.email}: {wave_state(survey)}"
        invitation_mail = sent[0]
        paths["survey"] = link_path(invitation_mail.body, "/s/")
        paths["unsubscribe"] = link_path(invitation_mail.extra_headers["List-Unsubscribe"], "/o/unsubscribe/")
    else:
        paths["survey"] = f"/s/{invite(survey, member)[1]}/"
        others = Member.objects.filter(council=council, status=Member.Status.ACTIVE).exclude(pk=member.pk)
        for i, other in enumerate(others.order_by("pk")[:8]):
            invitation, token = invite(survey, other)
            answer(survey, invitation, transport=str(1 + i % 3), safety=str(1 + i % 5),
                   wishes=["1", "3"] if i % 2 else ["2"], days=str(i))
        paths["survey_done"] = f"/s/{token}/"
    closed = build_survey(council)
    paths["survey_closed"] = f"/s/{invite(closed, member)[1]}/"
    survey_services.survey_close(council=council, actor=None, survey=closed)
    world.survey = survey


def wave_state(survey) -> dict:
    from civicpanel.outreach.models import Delivery

    return {"outbox": [m.to for m in mail.outbox],
            "deliveries": list(Delivery.objects.filter(mailing__reference=f"survey:{survey.pk}").values_list(
                "member_id", "state", "last_error", "attempts"))}


def survey_district_code(council: Council) -> str:
    return ProfileOption.objects.filter(question__council=council, question__key="district").order_by("order")[0].code


def _events(world: World) -> None:
    """An event still taking volunteers, and one whose seats are drawn: every volunteer (the
    panel's active members) gets a seat in its one session, and the world's member accepts."""
    from civicpanel.events import services as events
    from civicpanel.events.links import participant_path
    from civicpanel.events.models import Participant, Placement
    from tests.events.factories import close_volunteering, make_event, volunteer

    council, member = world.council, world.member
    open_event = make_event(council, capacities=(8, 8))
    events.call_send(council=council, actor=None, event=open_event, filters={})
    drawn = make_event(council, capacities=(1,))
    events.call_send(council=council, actor=None, event=drawn, filters={})
    # Those who gave their gender volunteer, and there is a seat for each of them.
    pool = Participant.objects.filter(event=drawn, member__answers__question__key="gender")
    for participant in pool:
        assert volunteer(participant) == {}
    drawn.sessions.update(capacity=pool.count())
    close_volunteering(drawn)
    events.draw_run(council=council, actor=None, event=drawn, feature_keys=["gender"], tolerance=pool.count())
    mine = Placement.objects.get(session__event=drawn, participant__member=member)
    events.seat_accept(placement=mine)
    # Someone else came already (checked in early), so a follow-up survey has someone to go to.
    came = Placement.objects.filter(session__event=drawn, state=Placement.State.INVITED).order_by("pk").first()
    events.attendance_set(council=council, actor=None, placement=events.seat_accept(placement=came), attended=True)
    # A workshop held last week, what came of it written, its participants not told yet.
    done = make_event(council, capacities=(4,))
    # Called long ago (the contact limit has no room for a new call in this world).
    from civicpanel.common.security import new_salt
    from civicpanel.events.models import Call

    call = Call.objects.create(event=done, recipient_count=4)
    Participant.objects.bulk_create([
        Participant(event=done, member=m, call=call, token_salt=new_salt(), pseudonym=f"W{i}",
                    called_at=timezone.now() - timedelta(days=30), volunteered_at=timezone.now() - timedelta(days=29))
        for i, m in enumerate(council.members.filter(status="active").order_by("pk")[:4])])
    session = done.sessions.get()
    session.starts_at = timezone.now() - timedelta(days=7)
    session.save(update_fields=["starts_at"])
    Placement.objects.bulk_create([
        Placement(session=session, participant=p, outcome=Placement.Outcome.SELECTED, probability=0.5,
                  state=Placement.State.ATTENDED)
        for p in Participant.objects.filter(event=done).order_by("pk")[:4]])
    type(done).objects.filter(pk=done.pk).update(
        drawn_at=timezone.now() - timedelta(days=10), outcome_date=timezone.localdate(),
        outcome={"da": "Kommunen laver Min side om efter jeres råd.", "en": "The council remakes My page as you advised."})
    world.ids.update(event_open=open_event.pk, event_open_session=open_event.sessions.order_by("pk").first().pk,
                     event_done=done.pk, event=drawn.pk, event_session=mine.session_id, placement=mine.pk,
                     checkin_code=mine.checkin_code)
    world.paths["event_volunteer"] = participant_path(Participant.objects.get(event=open_event, member=member))
    world.paths["event_seat"] = participant_path(mine.participant)


def _budgeting(world: World) -> None:
    """Three rounds: one taking ideas (with ideas in every state of screening), one voting that
    residents may join by e-mail, and one counted with a funded project under way."""
    from civicpanel.budgeting import counting, services, voting
    from civicpanel.budgeting.models import Idea, Project, Round
    from tests.budgeting.factories import build_round

    council, member = world.council, world.member
    ideas = build_round(council, stage=Round.Stage.IDEAS, costs=(40_000,))
    actor = ideas.actor
    districts = list(council.districts.order_by("order"))
    for i in range(6):
        idea = services.idea_submit(council=council, round=ideas, author_member=member, title=f"Benches by the lake {i}",
                                    description="Three benches where the path meets the lake.",
                                    district=districts[i % len(districts)], cost_estimate=30_000 + 1000 * i)
        if i % 3 == 1:
            services.idea_screen(council=council, actor=actor, idea=idea, action="publish")
        elif i % 3 == 2:
            services.idea_screen(council=council, actor=actor, idea=idea, action="hide", reason="Not council land.")
    vote = build_round(council, stage=Round.Stage.VOTING, allow_residents=True, allow_codes=True)
    counted = build_round(council, stage=Round.Stage.VOTING)
    voter = voting.voter_for_member(member)
    voting.ballot_cast(round=counted, voter=voter, pot="city", choices=[1, 2])
    counting.round_count(council=council, actor=counted.actor, round=counted)
    funded = Project.objects.filter(round=counted, funded=True).order_by("number").first()
    services.project_post_update(council=council, actor=counted.actor, project=funded, status="building",
                                 date=timezone.localdate(), text={"da": "Vi bygger nu.", "en": "Building now."})
    world.ids.update(round_ideas=ideas.pk, round_vote=vote.pk, round=counted.pk, project=funded.pk,
                     idea=Idea.objects.filter(round=ideas).order_by("pk").first().pk)


def _publishing(world: World) -> None:
    from civicpanel.api.services import token_create
    from civicpanel.newsletters import services as newsletters
    from civicpanel.publishing.models import Publication
    from civicpanel.surveys.models import Invitation, PaperEntry, Wave
    from civicpanel.surveys.services import wave_send

    council, survey = world.council, world.survey
    # Published with its shares broken down by district (the tables the public page shows).
    Publication.objects.create(council=council, survey=survey, published_at=timezone.now(), breakdowns=["district"])
    # A paper sending to a member without e-mail, typed in twice with the entries disagreeing.
    on_paper = MemberFactory(council=council, status=Member.Status.ACTIVE, email=None, name="Birthe Kristiansen-Østergaard",
                  postal_address="Vigerslev Allé 112, 3. th.\nc/o Hanne Kristiansen\n2500 Valby")
    paper = wave_send(council=council, actor=None, survey=survey, channel=Wave.Channel.PAPER)
    invitation = Invitation.objects.filter(wave=paper).order_by("pk").first()
    for number in (1, 2):
        PaperEntry.objects.create(invitation=invitation, number=number, mode="paper",
                                  values={survey.q["car"].uid: "yes" if number == 1 else "no"})
    world.ids["paper_invitation"] = invitation.pk
    # A phone sending: one member with a number, one without (the call list marks them).
    MemberFactory(council=council, status=Member.Status.ACTIVE, email=None, name="Kirsten Nielsen",
                  phone="+45 12 34 56 78")
    MemberFactory(council=council, status=Member.Status.ACTIVE, email=None, name="Ole Hansen")
    phone = wave_send(council=council, actor=None, survey=survey, channel=Wave.Channel.PHONE)
    world.ids.update(paper_wave=paper.pk, phone_wave=phone.pk, paper_member=on_paper.pk)
    letter = newsletters.newsletter_save(
        council=council, actor=None, subject={"da": "Nyt fra panelet", "en": "News from the panel"},
        body={"da": "## Tak\nTak for jeres svar.", "en": "## Thank you\nThank you for your answers."})
    world.ids.update(newsletter=letter.pk,
                     token=token_create(council=council, actor=None, name="Open data", scopes=["surveys"]).token.pk)


def _recruitment(world: World) -> None:
    from civicpanel.recruitment import codes as letter_codes
    from civicpanel.recruitment.models import Letter
    from tests.recruitment.helpers import batch, extract, residents

    council = world.council
    addresses = extract(council, residents(4, age=30))
    letters = batch(council, addresses)
    letter = Letter.objects.filter(batch=letters).order_by("pk").first()
    world.ids.update(extract=addresses.pk, batch=letters.pk, campaign=addresses.campaign_id)
    # Letters made by the worker: one file ready to download, one still being laid out.
    from civicpanel.recruitment.models import LetterFile

    LetterFile.objects.create(council=council, batch=letters, kind=LetterFile.Kind.PRINT, base_url="http://x",
                              total=4, done=4, status=LetterFile.Status.READY, content="JVBERi0xLjcK",
                              filename="letters.pdf", content_type="application/pdf", size=123_456)
    LetterFile.objects.create(council=council, batch=letters, kind=LetterFile.Kind.DIGITAL, base_url="http://x",
                              total=4, done=2, status=LetterFile.Status.RENDERING)
    world.paths["letter"] = "/join/letter/" + letter_codes.letter_code(letter.pk, letter.salt) + "/"
