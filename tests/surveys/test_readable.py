"""Readable results: numbers, percentages and dates in the page's language in pages and charts
(one set of formatting functions), generated sentences with the right grammar, the hidden-cell
mark explained; sending with a confirmation step, a kept sample and a single send per click."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from civicpanel.analysis.representativeness import group_label
from civicpanel.common import formatting
from civicpanel.members.models import MemberAnswer
from civicpanel.panel.models import PopulationFigure, ProfileQuestion
from civicpanel.surveys import services
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Invitation, Wave
from tests.factories import MemberFactory
from tests.surveys.factories import CONFIRMATION, build_survey, invite
from tests.surveys.test_results import answer as answer_survey

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


@pytest.mark.parametrize(("language", "count", "decimal", "share", "date"), [
    ("da", "1.862", "3,1", f"12,5{NBSP}%", "12. december 2026"),
    ("nb", f"1{NBSP}862", "3,1", f"12,5{NBSP}%", "12. desember 2026"),
    ("en", "1,862", "3.1", f"12.5{NBSP}%", "12 December 2026"),
])
def test_formatting_per_language(language, count, decimal, share, date):
    with translation.override(language):
        assert formatting.number(1862) == count
        assert formatting.number(3.14159, 1) == decimal
        assert formatting.percent(0.125, 1) == share
        assert formatting.percent(None) == "–"
        assert formatting.number(-0.0001, 1) in ("0,0", "0.0")  # never "-0,0"
        assert formatting.long_date(datetime.date(2026, 12, 12)).replace(".", "") == date.replace(".", "")


def test_chart_values_come_from_the_same_formatting_as_the_table():
    with translation.override("da"):
        svg = bar_chart([("Indkøb", 3.14, formatting.number(3.14, 1)), ("En meget lang svarmulighed som ikke må "
                         "klippes af midt i et ord på en telefon", 1.0, formatting.number(1.0, 1))],
                        title="Tilfredshed", maximum=5)
    assert ">3,1<" in svg and "3.1" not in svg
    assert "…" not in svg and "klippes af midt i et ord" in svg  # wrapped onto a second line, not cut
    assert 'width="100%"' in svg and 'role="img"' in svg and "<desc id=" in svg


def test_age_group_sentence_has_the_unit_once(council):
    birth_year = ProfileQuestion.objects.get(council=council, kind="birth_year")
    band = birth_year.options.order_by("order").first()
    for language in ("da", "nb"):
        with translation.override(language):
            text = group_label(birth_year, band)
        assert "år år" not in text and text.count("år") == 1, text
    with translation.override("en"):
        assert group_label(birth_year, band).startswith("Ages ")


def test_postal_code_sentence_has_no_broken_genitive():
    with translation.override("da"):
        text = translation.gettext("Postal code %(code)s is not in the area of %(council)s.") % {
            "code": "2500", "council": "Valby Lokaludvalg"}
    assert "Lokaludvalg'" not in text and "Valby Lokaludvalg" in text


@pytest.fixture
def figures(council):
    gender = ProfileQuestion.objects.get(council=council, key="gender")
    counts = {"woman": 25400, "man": 24600}
    for option in gender.options.all():
        PopulationFigure.objects.create(council=council, option=option, count=counts.get(option.code, 0))
    for i in range(6):
        member = MemberFactory(council=council)
        MemberAnswer.objects.create(member=member, question=gender, option=gender.options.get(code="woman" if i % 2 else "man"))


@pytest.mark.parametrize(("language", "thousands"), [("da", "25.400"), ("nb", f"25{NBSP}400"), ("en", "25,400")])
def test_representativeness_page_numbers_in_the_page_language(council, figures, staff_client, language, thousands):
    client = staff_client("analyst")
    html = client.get(reverse("staff:representativeness"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{thousands}<" in html  # population counts in the table
    share = f"51{NBSP}%"  # 25,400 of 50,000, in the table and in the chart alike
    assert html.count(f">{share}<") >= 2


@pytest.fixture
def answered(council):
    survey = build_survey(council)
    vigerslev = council.districts.order_by("order").first()
    invitations = [invite(survey, MemberFactory(council=council, district=vigerslev))[0] for _ in range(8)]
    for i, invitation in enumerate(invitations):
        answer_survey(survey, invitation, transport="1" if i < 3 else "2", safety=str(1 + i % 5), days=str(i),
                      wishes=["1"])
    return survey


@pytest.mark.parametrize(("language", "average", "median"), [("da", "2,62", "3,5"), ("nb", "2,62", "3,5"),
                                                            ("en", "2.62", "3.5")])
def test_results_page_numbers_in_the_page_language(council, answered, staff_client, language, average, median):
    client = staff_client("analyst")
    html = client.get(reverse("staff:survey_results", args=[answered.pk]),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert average in html  # the safety scale's average: 21 / 8
    assert ("2.62" in html) == (language == "en")
    assert f'<dd class="figure-value">{median}</dd>' in html  # days in a park: median of 0..7
    # The chart's percentages are written exactly like the table's.
    assert f">38{NBSP}%<" in html and html.count(f"38{NBSP}%") >= 2  # 3 of 8 walk


def test_hidden_mark_is_explained_on_the_page(council, answered, staff_client):
    gender = ProfileQuestion.objects.get(council=council, key="gender")
    for option in gender.options.all():
        PopulationFigure.objects.create(council=council, option=option, count=100 if option.code != "other" else 0)
    # Weighting needs at least 5 respondents in each category (docs/methods/weighting.md): 5 women, 5 men.
    vigerslev = council.districts.order_by("order").first()
    for i in range(2):
        invitation = invite(answered, MemberFactory(council=council, district=vigerslev))[0]
        answer_survey(answered, invitation, transport="2", safety="3", days=str(i), wishes=["1"])
    for i, invitation in enumerate(Invitation.objects.filter(survey=answered).order_by("pk")):
        option = gender.options.get(code="woman" if i % 2 else "man")
        MemberAnswer.objects.create(member=invitation.member, question=gender, option=option)
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[answered.pk]), {"by": "district"},
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“..” marks a hidden figure: fewer than 5 respondents are behind it" in html
    assert '<span aria-hidden="true">..</span><span class="visually-hidden">hidden</span>' in html


# --- Sending with care -------------------------------------------------------------------


@pytest.fixture
def reachable(council):
    vigerslev = council.districts.order_by("order").first()
    return [MemberFactory(council=council, district=vigerslev, language="en", name=f"Member {i}") for i in range(12)]


def test_send_asks_for_confirmation_with_the_count_and_the_real_email(council, reachable, staff_client, mailoutbox,
                                                                      django_capture_on_commit_callbacks):
    survey = build_survey(council)
    other = services.survey_create(council=council, actor=None, title={"en": "Another survey entirely"},
                                   thanks={"en": "x"})
    assert other.pk != survey.pk
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    page = client.post(url, {"action": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and not Wave.objects.exists()
    assert "Send the invitation to 12 members?" in html
    first = min(reachable, key=lambda m: m.pk)
    # The e-mail as its first recipient gets it: their name, this survey's title, not a sample text.
    assert f"Dear {first.name}" in html and "Your view on: Traffic" in html
    assert "Another survey entirely" not in html and "Trafik og grønne områder" not in html
    token = CONFIRMATION.search(html).group(1)
    # "send" without the confirmation key shows the confirmation page again and sends nothing.
    client.post(url, {"action": "send"})
    assert not Wave.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        first_click = client.post(url, {"action": "send", "confirmation": token})
        second_click = client.post(url, {"action": "send", "confirmation": token})
    assert first_click.status_code == second_click.status_code == 302
    assert Wave.objects.filter(survey=survey).count() == 1
    assert Invitation.objects.filter(survey=survey).count() == 12 and len(mailoutbox) == 12
    # The preview was exact: the first e-mail sent is the one shown, link aside.
    sent = next(m for m in mailoutbox if m.to == [first.email])
    assert sent.subject == "Your view on: Traffic" and f"Dear {first.name}" in sent.body


def test_confirm_page_numbers_in_danish(council, staff_client):
    vigerslev = council.districts.order_by("order").first()
    MemberFactory.create_batch(3, council=council, district=vigerslev, language="da")
    survey = build_survey(council)
    survey.closes_at = timezone.now() + datetime.timedelta(days=30)
    survey.save(update_fields=["closes_at"])
    html = staff_client("manager").post(reverse("staff:survey_send", args=[survey.pk]), {"action": "confirm"},
                                        HTTP_ACCEPT_LANGUAGE="da").content.decode()
    closes = timezone.localtime(survey.closes_at)
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
              "november", "december"]
    assert f"{closes.day}. {months[closes.month - 1]} {closes.year}" in html  # in the e-mail, as sent


def test_the_drawn_sample_stays_until_staff_draw_again(council, staff_client):
    from tests.surveys.sample_panel import build_panel

    build_panel(council)
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])

    def seed_of(response):
        return re.search(r'name="sample_seed" value="(\d+)"', response.content.decode()).group(1)

    first = seed_of(client.get(url, {"audience": "sample", "sample_size": "30"}))
    client.get(reverse("staff:surveys"))
    back = client.get(url)  # coming back to the page, with no choice in the address
    assert seed_of(back) == first
    assert "shown again, with the same sample" in back.content.decode()
    assert seed_of(client.get(url, {"audience": "sample", "sample_size": "30"})) == first
    redrawn = seed_of(client.get(url, {"audience": "sample", "sample_size": "30", "sample_seed": first,
                                       "redraw": "1"}))
    assert redrawn != first
    assert seed_of(client.get(url)) == redrawn
    assert 'name="sample_seed"' in client.get(url, {"fresh": "1"}).content.decode()
    assert "shown again" not in client.get(url).content.decode()


def test_reminder_asks_for_confirmation_and_sends_once(council, reachable, staff_client, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    survey = build_survey(council)
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_send(council=council, actor=None, survey=survey, filters={})
    mailoutbox.clear()
    client = staff_client("manager")
    url = reverse("staff:survey_remind", args=[survey.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send a reminder to 12 members who have not answered?" in html
    assert "Reminder: Traffic" in html
    assert not Wave.objects.filter(kind="reminder").exists() and mailoutbox == []
    token = CONFIRMATION.search(html).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirmation": token})
        client.post(url, {"confirmation": token})
    assert Wave.objects.filter(survey=survey, kind="reminder").count() == 1 and len(mailoutbox) == 12
    assert client.post(url, {}).status_code == 200  # no key: the confirmation page, nothing sent
    assert Wave.objects.filter(survey=survey, kind="reminder").count() == 1
    assert staff_client("analyst").get(url).status_code == 403

