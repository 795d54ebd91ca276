"""The representativeness dashboard: active panel beside the population, figures that equal a
direct count in the database, the groups furthest below named, open to analysts."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from civicpanel.analysis.representativeness import representativeness
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source texts, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(staff_client):
    def make(*args, **kwargs):
        client = staff_client(*args, **kwargs)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def answer(member, key, code):
    question = ProfileQuestion.objects.get(council=member.council, key=key)
    MemberAnswer.objects.create(member=member, question=question, option=question.options.get(code=code))


def figures(council, key, counts):
    for code, count in counts.items():
        option = ProfileOption.objects.get(question__council=council, question__key=key, code=code)
        PopulationFigure.objects.create(council=council, option=option, count=count)


@pytest.fixture
def panel(council):
    """20 active members (16 women, 4 men; 1 aged 15-24), plus members who must not count."""
    vigerslev = council.districts.get(name="Vigerslev")
    for i in range(20):
        member = MemberFactory(council=council, birth_year=YEAR - (20 if i == 0 else 40),
                               district=vigerslev if i < 15 else None)
        answer(member, "gender", "woman" if i < 16 else "man")
    for status in (Member.Status.PENDING, Member.Status.PAUSED, Member.Status.LEFT):
        member = MemberFactory(council=council, status=status, birth_year=YEAR - 20, district=vigerslev)
        answer(member, "gender", "man")
    figures(council, "gender", {"woman": 5000, "man": 5000})
    figures(council, "birth_year", {"15-24": 1400, "25-34": 2000, "35-44": 2000, "45-54": 1600, "55-64": 1200,
                                    "65-74": 1000, "75-120": 800})
    return council


def test_figures_equal_direct_database_counts(panel):
    council = panel
    report = representativeness(council=council)
    active = Member.objects.filter(council=council, status=Member.Status.ACTIVE)
    assert report.active_members == active.count() == 20
    by_key = {c.question.key: c for c in report.questions}
    assert set(by_key) == {"gender", "birth_year"}  # the only questions with population figures
    gender = {row.option.code: row for row in by_key["gender"].rows}
    for code, row in gender.items():
        direct = MemberAnswer.objects.filter(member__in=active, question__key="gender", option__code=code).count()
        assert row.panel_count == direct
    assert gender["woman"].panel_count == 16 and gender["woman"].panel_share == pytest.approx(0.8)
    assert gender["man"].population_share == pytest.approx(0.5)
    assert gender["man"].gap_points == pytest.approx(-30)
    ages = {row.option.code: row for row in by_key["birth_year"].rows}
    assert ages["15-24"].panel_count == active.filter(birth_year__gte=YEAR - 24, birth_year__lte=YEAR - 15).count() == 1
    assert ages["35-44"].panel_count == 19
    assert ages["15-24"].population_share == pytest.approx(0.14)
    assert by_key["birth_year"].unknown == 0 and by_key["gender"].answered == 20


def test_page_names_the_groups_furthest_below_and_draws_accessible_charts(panel, staff_client):
    response = staff_client("analyst").get("/staff/representativeness/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    below = [row.label for row in response.context["report"].furthest_below]
    assert below[0] == "Gender: Man"  # 20 % of the panel, 50 % of residents
    assert "Gender: Man: 20\xa0% of the panel, 50\xa0% of residents" in page
    assert "Ages 25–34: 0\xa0% of the panel, 20\xa0% of residents" in page
    assert len(below) == 3 and "Ages 15–24" not in below  # only the three furthest below
    assert page.count('class="bar-chart"') == 2 and "<title id=" in page and "<desc id=" in page
    # The numbers are always in a table beside the chart.
    assert "<th scope=\"row\">Woman</th>" in page and "30 below" in page
    # Aggregates only: no e-mail address of any member on the page.
    assert "@example.net" not in page


def test_without_population_figures_the_page_says_what_to_do(council, staff_client):
    MemberFactory(council=council)
    response = staff_client("manager").get("/staff/representativeness/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No population figures have been entered yet" in response.content.decode()


def test_dashboard_is_scoped_to_the_council(panel, other_council, staff_client):
    MemberFactory.create_batch(3, council=other_council)
    report = representativeness(council=other_council)
    assert report.active_members == 3 and report.questions == []
    client = staff_client("analyst", council=panel)
    client.defaults["HTTP_HOST"] = f"{other_council.slug}.localhost"
    assert client.get("/staff/representativeness/").status_code == 404


def test_query_count_is_fixed(panel, staff_client, django_assert_max_num_queries):
    client = staff_client("analyst")
    with django_assert_max_num_queries(20):
        assert client.get("/staff/representativeness/").status_code == 200


def test_counts_are_kept_until_profiles_or_figures_change_and_say_when(panel, staff_client,
                                                                        django_capture_on_commit_callbacks):
    from civicpanel.members.profile import member_profile_set

    client = staff_client("analyst")
    page = client.get("/staff/representativeness/").content.decode()
    assert "Counted at" in page and "every 10 minutes" in page
    newcomer = MemberFactory(council=panel)
    answer(newcomer, "gender", "man")
    # A member added without a profile change: the kept count (20 active members) stands.
    assert "The 20 active members" in client.get("/staff/representativeness/").content.decode()
    # A profile answer changes: counted afresh.
    with django_capture_on_commit_callbacks(execute=True):
        member_profile_set(member=newcomer, values={"gender": "woman"})
    assert "The 21 active members" in client.get("/staff/representativeness/").content.decode()
