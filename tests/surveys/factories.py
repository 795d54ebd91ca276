"""Surveys built through the services, as staff would build them."""

from __future__ import annotations

import re

from django.utils import timezone

from civicpanel.common.security import new_salt, token_hash
from civicpanel.surveys import services
from civicpanel.surveys.invitations import invitation_token
from civicpanel.surveys.models import Invitation, Page, Survey, Wave


def t(text: str) -> dict:
    return {"da": text, "nb": text, "en": text}


def opts(*labels: str) -> list[dict]:
    return [{"code": str(i), "label": t(label)} for i, label in enumerate(labels, start=1)]


# What staff write before sending (required by wave_send).
PURPOSE = {"purpose": t("How residents travel and what would make streets safer."),
           "committee": t("Traffic committee"), "answers_use": t("They feed the traffic plan in May.")}


def build_survey(council, actor=None, *, anonymous: bool = False, open_it: bool = True) -> Survey:
    """Two pages: page 1 transport (single with other), safety scale 1-5, yes/no car;
    page 2 'why unsafe' (shown only if safety < 3), multi (max 2), number 0-31, long text."""
    survey = services.survey_create(council=council, actor=actor, title=t("Traffic"), anonymous=anonymous,
                                    thanks=t("Results in March."))
    services.survey_purpose_update(council=council, actor=actor, survey=survey, **PURPOSE)
    page1 = Page.objects.get(survey=survey)
    q = {}
    q["transport"] = services.question_create(council=council, actor=actor, page=page1, kind="single",
                                              text=t("How do you travel?"), required=True,
                                              options=opts("Walk", "Bike", "Car"), settings={"allow_other": True})
    q["safety"] = services.question_create(council=council, actor=actor, page=page1, kind="scale",
                                           text=t("How safe do you feel?"), required=True,
                                           settings={"scale_min": 1, "scale_max": 5, "low_label": t("Unsafe"),
                                                     "high_label": t("Safe")})
    q["car"] = services.question_create(council=council, actor=actor, page=page1, kind="yesno",
                                        text=t("Do you own a car?"))
    page2 = services.page_add(council=council, actor=actor, survey=survey)
    q["why"] = services.question_create(council=council, actor=actor, page=page2, kind="long_text",
                                        text=t("Why do you feel unsafe?"),
                                        condition={"question": q["safety"].uid, "op": "lt", "value": "3"})
    q["wishes"] = services.question_create(council=council, actor=actor, page=page2, kind="multi",
                                           text=t("What do you want?"), options=opts("Trees", "Benches", "Lights"),
                                           settings={"max_choices": 2})
    q["days"] = services.question_create(council=council, actor=actor, page=page2, kind="number",
                                         text=t("Days in a park?"), settings={"min": 0, "max": 31})
    if open_it:
        survey = services.survey_open(council=council, actor=actor, survey=survey)
    survey.q = q
    return survey


def invite(survey: Survey, member) -> tuple[Invitation, str]:
    """An invitation made directly (no e-mail), returning the plaintext token for the link."""
    wave, _ = Wave.objects.get_or_create(survey=survey, kind=Wave.Kind.INVITATION, channel=Wave.Channel.EMAIL,
                                         defaults={"send_at": timezone.now()})
    invitation = Invitation.objects.create(survey=survey, member=member, wave=wave, token_salt=new_salt(),
                                           invited_at=timezone.now())
    token = invitation_token(invitation)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return invitation, token


CONFIRMATION = re.compile(r'name="confirmation" value="([0-9a-f]{32})"')
# The sample the confirmation page showed, carried to the send like the browser does.
FINGERPRINT = re.compile(r'name="sample_fingerprint" value="([0-9a-f]{32})"')


def confirm_and_send(client, url: str, data: dict, **kwargs):
    """What staff do: "Check and send" (the confirmation page), then "Yes, send". Returns the
    response of the send, or the page itself when it offers no confirmation (an error)."""
    page = client.post(url, {**data, "action": "confirm"})
    found = CONFIRMATION.search(page.content.decode())
    if found is None:
        return page
    sample = FINGERPRINT.search(page.content.decode())
    carried = {"sample_fingerprint": sample.group(1)} if sample else {}
    return client.post(url, {**data, **carried, "action": "send", "confirmation": found.group(1)}, **kwargs)


def confirm_and_remind(client, url: str, **kwargs):
    """Open the reminder's confirmation page, then confirm it."""
    page = client.get(url)
    found = CONFIRMATION.search(page.content.decode())
    if found is None:
        return page
    return client.post(url, {"confirmation": found.group(1)}, **kwargs)


def excel_file(client, survey: Survey) -> bytes:
    """The Excel file of the responses as staff get it: asked for on its page, written by the
    task worker (the test settings run tasks at once, after the request's commit), downloaded."""
    from django.test import TestCase
    from django.urls import reverse

    from civicpanel.surveys.models import ResponseExport

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(reverse("staff:survey_excel", args=[survey.pk])).status_code == 302
    export = ResponseExport.objects.filter(survey=survey).first()
    assert export.status == ResponseExport.Status.READY, export.status
    response = client.get(reverse("staff:survey_excel_download", args=[survey.pk, export.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    return response.content
