"""Campaign and panel-health figures against direct counts, the forecast on a constructed
panel, leavers counted by group before their profile is erased, and the pages themselves."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from civicpanel.members.models import Member
from civicpanel.members.services import member_leave
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.panel.models import Campaign
from civicpanel.recruitment.campaigns import batch_figures, campaign_detail, campaigns_overview
from civicpanel.recruitment.health import add_months, month_start, panel_health
from civicpanel.recruitment.models import Departure, Letter, RecruitmentSettings
from civicpanel.recruitment.services import campaign_plan_save
from tests.factories import MemberFactory
from tests.recruitment.helpers import (
    YEAR,
    age_figures,
    age_option,
    answer,
    batch,
    extract,
    figures,
    residents,
)
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _years_ago(years: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=round(365.25 * years))


def test_campaign_figures_equal_direct_counts(council):
    age_figures(council)
    poster = Campaign.objects.create(council=council, code="plakat", name="Plakater", channel="poster")
    the_extract = extract(council, residents(10, age=20))
    letters = batch(council, the_extract)
    campaign = the_extract.campaign
    now = timezone.now()
    # The letter campaign: 4 sign-ups by code, 3 confirmed (2 active, 1 left), 1 pending.
    used = list(Letter.objects.filter(batch=letters)[:4])
    statuses = [Member.Status.ACTIVE, Member.Status.ACTIVE, Member.Status.LEFT, Member.Status.PENDING]
    for letter, status in zip(used, statuses, strict=True):
        member = MemberFactory(council=council, campaign=campaign, status=status, birth_year=YEAR - 20,
                               confirmed_at=None if status == Member.Status.PENDING else now)
        letter.used_at, letter.member = now, member
        letter.save()
    for _ in range(5):
        MemberFactory(council=council, campaign=poster, birth_year=YEAR - 70, confirmed_at=now)
    campaign_plan_save(council=council, actor=None, campaign=campaign, ends_on=None, cost=Decimal("1500"))

    overview = campaigns_overview(council=council)
    rows = {row.campaign.code: row for row in overview.campaigns}
    assert (rows[campaign.code].signups, rows[campaign.code].members, rows[campaign.code].active) == (4, 3, 2)
    assert rows[campaign.code].letters == 10 and rows[campaign.code].cost_per_member == Decimal("500")
    assert (rows["plakat"].signups, rows["plakat"].members, rows["plakat"].cost_per_member) == (5, 5, None)
    age_mix = next(mix for mix in overview.mixes if mix.title == "Age")
    young = next(row for row in age_mix.rows if row[0] == "Ages 15–24")
    letter_column = age_mix.columns.index("Letter")
    poster_column = age_mix.columns.index("Poster")
    assert young[1] == pytest.approx(0.15)
    assert young[2][letter_column] == 1.0 and young[2][poster_column] == 0.0  # the leaver's group is unknown

    figures_ = batch_figures(council=council, batch=letters)
    assert (figures_.letters, figures_.used, figures_.members) == (10, 4, 3)
    group = next(g for g in figures_.groups if g["key"] == f"age:{age_option(council, '15-24').pk}")
    assert (group["letters"], group["members"], group["conversion"]) == (10, 3, 0.3)
    detail = campaign_detail(council=council, campaign=campaign)
    assert detail.batches[0].members == 3 and detail.charts


def test_flows_dormancy_contact_load_and_term_ends_equal_direct_counts(council):
    now = timezone.now()
    today = timezone.localdate()
    this_month = month_start(today)
    members = [MemberFactory(council=council, confirmed_at=now, consent_given_at=now) for _ in range(3)]
    MemberFactory(council=council, status=Member.Status.LEFT, confirmed_at=_years_ago(1), left_at=now)
    # A member whose term (three years from the last consent) ends in two months.
    ending = MemberFactory(council=council, confirmed_at=_years_ago(3), consent_given_at=_years_ago(3) +
                           datetime.timedelta(days=62))
    survey_a, survey_b, survey_c = (build_survey(council) for _ in range(3))
    for survey in (survey_a, survey_b, survey_c):
        invite(survey, members[0])           # three invitations, none answered: dormant
        invitation, _token = invite(survey, members[1])
        invitation.completed_at = now        # answered: not dormant
        invitation.save()
    mailing = Mailing.objects.create(council=council, message_type="survey_invitation")
    for _ in range(4):
        Delivery.objects.create(mailing=Mailing.objects.create(council=council, message_type="x"), member=members[0],
                                state=Delivery.State.SENT, sent_at=now)
    Delivery.objects.create(mailing=mailing, member=members[1], state=Delivery.State.SENT, sent_at=now)
    Delivery.objects.create(mailing=mailing, member=members[2], state=Delivery.State.QUEUED)

    health = panel_health(council=council)
    assert health.active == 4
    flow = {f.month: f for f in health.flows}
    assert flow[this_month].joined == 3 and flow[this_month].left == 1
    assert (health.invited_3, health.dormant) == (2, 1)
    assert dict(health.contact_buckets) == {"0": 2, "1–2": 1, "3–5": 1, "6–10": 0, "11 or more": 0}
    assert health.contacts_mean == pytest.approx(5 / 4)
    ends = dict(health.term_ends)
    expected_month = month_start(timezone.localtime(ending.consent_given_at).date().replace(
        year=ending.consent_given_at.year + 3))
    assert ends[expected_month] == 1 and sum(ends.values()) == 1


def test_the_forecast_on_a_constructed_panel(council):
    """20 young members (10 of whose terms end in 3 months) and 20 older ones; over the last
    year 6 older members left on their own. Residents: half young, half older."""
    figures(council, "birth_year", {"15-24": 500, "25-34": 0, "35-44": 0, "45-54": 0, "55-64": 500, "65-74": 0,
                                    "75-120": 0})
    now = timezone.now()
    for i in range(20):
        start = _years_ago(3) + datetime.timedelta(days=90) if i < 10 else now
        MemberFactory(council=council, birth_year=YEAR - 20, confirmed_at=start, consent_given_at=start)
    for _ in range(20):
        MemberFactory(council=council, birth_year=YEAR - 60, confirmed_at=now, consent_given_at=now)
    old = age_option(council, "55-64")
    month = add_months(month_start(timezone.localdate()), -2)
    Departure.objects.create(council=council, month=month, option=None, reason="left", count=6)
    Departure.objects.create(council=council, month=month, option=old, reason="left", count=6)
    RecruitmentSettings.objects.create(council=council, warning_percent=80)

    health = panel_health(council=council)
    overall = 6 / (12 * 40)
    old_rate = (6 + 12 * overall * 20) / (12 * (20 + 20))
    young_rate = (0 + 12 * overall * 20) / (12 * (20 + 20))
    age = next(q for q in health.questions if q.title == "Age")
    young_row = next(r for r in age.rows if r.label == "Ages 15–24")
    old_row = next(r for r in age.rows if r.label == "Ages 55–64")
    assert young_row.counts[0] == 20 and old_row.counts[0] == 20
    assert young_row.counts[1] == pytest.approx(10 * (1 - young_rate) ** 6)
    assert young_row.counts[2] == pytest.approx(10 * (1 - young_rate) ** 12)
    assert old_row.counts[2] == pytest.approx(20 * (1 - old_rate) ** 12)
    share = young_row.counts[2] / (young_row.counts[2] + old_row.counts[2])
    assert young_row.shares[2] == pytest.approx(share)
    # Young: 50 % of residents, about a third of the panel in 6 months: under 80 % of 50 %.
    assert young_row.flags == [False, True, True] and old_row.flags == [False, False, False]
    assert health.totals[2] == pytest.approx(30 * (1 - overall) ** 12)


def test_a_leaver_is_counted_by_group_before_the_profile_is_erased(council):
    member = MemberFactory(council=council, birth_year=YEAR - 20, confirmed_at=timezone.now(),
                           consent_given_at=timezone.now())
    answer(member, "gender", "woman")
    member_leave(member=member)
    counted = {(d.option_id, d.reason): d.count for d in Departure.objects.filter(council=council)}
    woman = member.council.profile_questions.get(key="gender").options.get(code="woman")
    assert counted == {(None, "left"): 1, (age_option(council, "15-24").pk, "left"): 1, (woman.pk, "left"): 1}
    assert not Departure.objects.filter(council=council).values("count").exclude(count__gt=0).exists()


def test_the_pages_show_the_figures_to_those_allowed(council, staff_client):
    age_figures(council)
    for _ in range(10):
        MemberFactory(council=council, birth_year=YEAR - 60)
    the_extract = extract(council, residents(5, age=20))
    made = batch(council, the_extract, method="proportional", size=2)
    analyst = staff_client("analyst")
    for url in ("/staff/recruitment/", f"/staff/recruitment/campaigns/{the_extract.campaign_id}/",
                "/staff/recruitment/health/"):
        response = analyst.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        assert "Beboer" not in response.content.decode()
    assert analyst.get(f"/staff/recruitment/letters/{made.pk}/").status_code == 403
    assert analyst.get(f"/staff/recruitment/extracts/{the_extract.pk}/").status_code == 403
    health = staff_client("manager").get("/staff/recruitment/health/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Refresh planner" in health and "Make this letter batch" in health
