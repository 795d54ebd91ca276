"""A closed survey with 40 invited and 30 answers chosen so that some figures must be hidden:
transport walk 20, car 7, bike 3 (bike is under 5, car is the one that would reveal it);
car ownership yes 28, no 2 (both hidden); safety 4 for everyone."""

from __future__ import annotations

from django.utils import timezone

from civicpanel.common.security import new_salt
from civicpanel.members.models import Member
from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Invitation, Response, Wave
from tests.surveys.factories import build_survey
from tests.surveys.sample_panel import build_panel, set_population

TRANSPORT = ["1"] * 20 + ["3"] * 7 + ["2"] * 3
CAR = ["yes"] * 28 + ["no"] * 2


def invite_all(survey, members) -> list[Invitation]:
    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION, send_at=timezone.now())
    Invitation.objects.bulk_create([Invitation(survey=survey, member=m, wave=wave, token_salt=new_salt(),
                                               invited_at=timezone.now()) for m in members])
    return list(Invitation.objects.filter(wave=wave).order_by("pk"))


def answer(survey, invitations, *, transport=TRANSPORT, car=CAR) -> None:
    now = timezone.now()
    responses = Response.objects.bulk_create([Response(survey=survey, invitation=i, language="en", completed_at=now)
                                              for i in invitations])
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(completed_at=now)
    q = survey.q
    rows = []
    for k, response in enumerate(responses):
        rows += [Answer(response=response, question=q["transport"], value=transport[k]),
                 Answer(response=response, question=q["safety"], value=4),
                 Answer(response=response, question=q["car"], value=car[k]),
                 Answer(response=response, question=q["why"], value="The crossing at Retortvej scares me"),
                 Answer(response=response, question=q["days"], value=k % 7)]
    Answer.objects.bulk_create(rows)


def closed_survey(council, *, panel_size: int = 40, answers: int = 30, population: bool = True, seed: int = 0):
    """(survey, members, invitations): everyone in the panel invited, the first `answers` answered."""
    if population:
        set_population(council)
    members = build_panel(council, size=panel_size, seed=seed or council.pk)
    # The council writes to its members in Danish and English; these members read English.
    council.languages = ["da", "en"]
    council.save(update_fields=["languages"])
    Member.objects.filter(pk__in=[m.pk for m in members]).update(language="en")
    survey = build_survey(council)
    invitations = invite_all(survey, members)
    answer(survey, invitations[:answers])
    questions = survey.q
    survey = services.survey_close(council=council, actor=None, survey=survey)
    survey.q = questions
    return survey, members, invitations


def active(members) -> list[Member]:
    return [m for m in members if m.status == Member.Status.ACTIVE]
