"""Issue 3's "done when", through the pages: build a ten-question survey with a display
condition, send it to one district, answer half, come back and finish, remind only the
others, watch rate and results change, export without identities."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from civicpanel.panel.models import ProfileOption
from civicpanel.surveys.models import Page, Question, Survey
from tests.factories import MemberFactory
from tests.surveys.factories import confirm_and_remind, confirm_and_send

pytestmark = pytest.mark.django_db

QUESTIONS = [
    ("single", {"text_da": "Hvordan rejser du?", "text_en": "How do you travel?", "options_da": "Gang\nCykel\nBil",
                "options_en": "Walk\nBike\nCar", "allow_other": "on", "required": "on"}),
    ("scale", {"text_da": "Hvor tryg?", "text_en": "How safe do you feel?", "scale": "1-5", "low_label_en": "Unsafe",
               "high_label_en": "Safe", "required": "on"}),
    ("yesno", {"text_da": "Har du bil?", "text_en": "Do you own a car?"}),
    ("info", {"text_da": "Nu om parker.", "text_en": "Now about parks."}),
    ("number", {"text_da": "Dage i parken?", "text_en": "Days in a park?", "min": "0", "max": "31"}),
    ("multi", {"text_da": "Hvad ønsker du?", "text_en": "What do you want?", "options_da": "Træer\nBænke\nLys",
               "options_en": "Trees\nBenches\nLights", "max_choices": "2"}),
    ("matrix", {"text_da": "Hvor tilfreds med", "text_en": "How satisfied with", "scale": "1-5",
                "rows_da": "Butikker\nBusser", "rows_en": "Shops\nBuses"}),
    ("ranking", {"text_da": "Ranger", "text_en": "Rank these", "options_da": "A\nB\nC", "options_en": "A\nB\nC"}),
    ("short_text", {"text_da": "Din gade?", "text_en": "Your street?"}),
    ("long_text", {"text_da": "Andet?", "text_en": "Anything else?"}),
]


def test_done_when(council, staff_client, mailoutbox, django_capture_on_commit_callbacks):
    vigerslev, valby = council.districts.order_by("order")
    in_district = [MemberFactory(council=council, district=vigerslev, language="en") for _ in range(4)]
    elsewhere = [MemberFactory(council=council, district=valby) for _ in range(3)]
    manager = staff_client("manager")

    # Build: a survey, ten questions over two pages, a condition on page 2.
    manager.post(reverse("staff:survey_create"), {"title_da": "Trafik", "title_en": "Traffic", "reminder_count": 1,
                                                  "reminder_interval_days": 3, "thanks_en": "Results in May."})
    survey = Survey.objects.get()
    page1 = Page.objects.get(survey=survey)
    manager.post(reverse("staff:survey_action", args=[survey.pk, "add_page"]))
    page2 = Page.objects.filter(survey=survey).last()
    for i, (kind, data) in enumerate(QUESTIONS):
        page = page1 if i < 3 else page2
        data = {"kind": kind, "condition_op": "equals", **data}
        if kind == "long_text":
            safety = Question.objects.get(survey=survey, kind="scale")
            data.update(condition_question=safety.uid, condition_op="lt", condition_value="3")
        response = manager.post(reverse("staff:survey_question_create", args=[survey.pk, page.pk]), data)
        assert response.status_code == 302, (kind, response.content.decode()[-3000:])
    assert Question.objects.filter(survey=survey).count() == 10
    manager.post(reverse("staff:survey_action", args=[survey.pk, "open"]))

    # The send page asks for the purpose first; write it, and it leads back to sending.
    send_page = manager.get(reverse("staff:survey_send", args=[survey.pk])).content.decode()
    purpose_url = reverse("staff:survey_purpose", args=[survey.pk]) + "?next=send"
    assert purpose_url in send_page
    response = manager.post(purpose_url, {"purpose_da": "Trafikken i Vigerslev", "committee_da": "Trafikudvalget",
                                          "answers_use_da": "Trafikplanen i maj"})
    assert response.url == reverse("staff:survey_send", args=[survey.pk])

    # Send to one district.
    code = ProfileOption.objects.get(district=vigerslev).code
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(manager, reverse("staff:survey_send", args=[survey.pk]), {"f_district": [code]})
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.email for m in in_district)
    links = {m.to[0]: re.search(r"/s/(\S+)/", m.body).group(0) for m in mailoutbox}

    # A member answers half on a phone, comes back later and finishes.
    member = in_district[0]
    phone = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_USER_AGENT="iPhone")
    q = {qq.kind: qq for qq in Question.objects.filter(survey=survey)}
    assert phone.post(links[member.email], {"page": page1.pk, f"q_{q['single'].uid}": "2",
                                            f"q_{q['scale'].uid}": "1"}).status_code == 200
    later = Client(HTTP_HOST=f"{council.slug}.localhost")
    html = later.get(links[member.email], follow=True).content.decode()
    assert "Anything else?" in html  # the condition (safety < 3) shows it
    later.post(links[member.email], {"page": page2.pk, f"q_{q['number'].uid}": "3",
                                     f"q_{q['multi'].uid}": ["1", "2"], f"q_{q['long_text'].uid}": "Speeding"})
    assert "Results in May." in later.get(links[member.email], follow=True).content.decode()

    # Reminders go only to the other three.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_remind(manager, reverse("staff:survey_remind", args=[survey.pk]))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.email for m in in_district[1:])
    assert not {m.to[0] for m in mailoutbox} & {m.email for m in elsewhere}

    # Rate and results for the analyst.
    analyst = staff_client("analyst")
    html = analyst.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
    assert "25\xa0%" in html
    html = analyst.get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    assert "Speeding" in html and "<svg" in html
    export = analyst.get(reverse("staff:survey_export", args=[survey.pk, "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))
    assert len(rows) == 2 and rows[0][0] == "respondent"
    assert member.email not in export and member.name not in export
