"""Who gets a letter: proportional and over-sampled draws, the refresh plan's groups, and the
allocation arithmetic."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civicpanel.members.models import Member
from civicpanel.recruitment.models import Letter, LetterBatch
from civicpanel.recruitment.planner import members_needed, refresh_plan
from civicpanel.recruitment.sampling import Person, allocate, draw
from tests.factories import MemberFactory
from tests.recruitment.helpers import YEAR, age_figures, age_option, batch, extract, residents


def test_allocation_is_proportional_to_size_times_weight_and_capped():
    sizes = {("a",): 100, ("b",): 100, ("c",): 10}
    assert allocate(sizes, {("a",): 1, ("b",): 1, ("c",): 1}, 42) == {("a",): 20, ("b",): 20, ("c",): 2}
    # c would get 3 x its share but holds only 10: the rest goes to a and b in proportion.
    result = allocate(sizes, {("a",): 1, ("b",): 1, ("c",): 30}, 100)
    assert result[("c",)] == 10 and result[("a",)] + result[("b",)] == 90
    assert allocate(sizes, {}, 10_000) == sizes  # never more letters than addressees


def test_draw_is_reproducible_from_its_seed():
    people = [Person(id=i, cell=(i % 3, None, None)) for i in range(60)]
    plan = {(0, None, None): 5, (1, None, None): 5, (2, None, None): 0}
    first = [p.id for p in draw(people, plan, seed=11)]
    assert first == [p.id for p in draw(people, plan, seed=11)]
    assert first != [p.id for p in draw(people, plan, seed=12)]
    assert sum(1 for i in first if i % 3 == 2) == 0 and len(first) == 10


@pytest.fixture
def old_panel(council):
    """A panel of 40 members aged 60: the young are missing entirely."""
    age_figures(council)
    for _ in range(40):
        MemberFactory(council=council, birth_year=YEAR - 60)
    return council


def _young_share(made) -> float:
    letters = Letter.objects.filter(batch=made)
    young = letters.filter(age_option=age_option(made.council, "15-24")).count()
    return young / letters.count()


@pytest.mark.django_db
def test_the_over_sampled_draw_sends_more_letters_to_the_group_the_panel_lacks(old_panel):
    council = old_panel
    the_extract = extract(council, residents(300, age=20) + residents(300, age=60, start=1000))
    proportional = batch(council, the_extract, method=LetterBatch.Method.PROPORTIONAL, size=100)
    assert _young_share(proportional) == pytest.approx(0.5, abs=0.01)
    oversampled = batch(council, the_extract, method=LetterBatch.Method.OVERSAMPLED, size=100)
    # Young residents are 1500/10000 of the population and none of the panel (lack 3); those
    # aged 55-64 are over-represented (lack 1). Both groups had 50 letters and no member yet,
    # so their conversion weighs alike: 3 x 250 against 1 x 250 addressees.
    assert _young_share(oversampled) == pytest.approx(0.75, abs=0.01)
    factors = {entry["key"]: entry["factor"] for entry in oversampled.allocation}
    assert factors[f"age:{age_option(council, '15-24').pk}"] == pytest.approx(1.5, abs=0.03)
    assert factors[f"age:{age_option(council, '55-64').pk}"] == pytest.approx(0.5, abs=0.03)
    # Nobody gets two letters from one extract.
    addressees = list(Letter.objects.filter(batch__extract=the_extract).values_list("addressee_id", flat=True))
    assert len(addressees) == len(set(addressees)) == 200


@pytest.mark.django_db
def test_a_group_that_answers_letters_less_gets_more_of_them(old_panel):
    council = old_panel
    # The young are now as present as the old in the panel, so only conversion differs.
    for _ in range(40):
        MemberFactory(council=council, birth_year=YEAR - 20)
    from tests.recruitment.helpers import figures

    figures(council, "birth_year", {"15-24": 1000, "25-34": 0, "35-44": 0, "45-54": 0, "55-64": 1000,
                                    "65-74": 0, "75-120": 0})
    the_extract = extract(council, residents(400, age=20) + residents(400, age=60, start=1000))
    earlier = batch(council, the_extract, method=LetterBatch.Method.PROPORTIONAL, size=400)
    # Earlier letters: 10 of 200 young became members, 40 of 200 old (who have left again, so
    # that the panel's composition stays as it was).
    young = age_option(council, "15-24")
    converted = {"council": council, "status": Member.Status.LEFT, "confirmed_at": timezone.now()}
    for letter in Letter.objects.filter(batch=earlier, age_option=young)[:10]:
        letter.member = MemberFactory(**converted)
        letter.save()
    for letter in Letter.objects.filter(batch=earlier).exclude(age_option=young)[:40]:
        letter.member = MemberFactory(**converted)
        letter.save()
    later = batch(council, the_extract, method=LetterBatch.Method.OVERSAMPLED, size=100)
    # Overall (50 + 50 x 0.03) / 450 = 0.1144; the young (10 + 50 x 0.1144) / 250 = 0.0629, the
    # old 0.1829: factors 1.820 and 0.626, on 200 addressees left in each group.
    assert _young_share(later) == pytest.approx(1.820 / (1.820 + 0.626), abs=0.01)


@pytest.mark.django_db
def test_the_refresh_plan_and_its_letter_batch(old_panel):
    council = old_panel
    the_extract = extract(council, residents(500, age=20) + residents(100, age=60, start=1000))
    plan = refresh_plan(council=council)
    young = next(row for row in plan.rows if row.key == f"age:{age_option(council, '15-24').pk}")
    # 40 members, none young; residents' share 15 %: x = (0.15 x 40 - 0) / 0.85 -> 8 members,
    # at the assumed 3 % conversion 267 letters; 500 young addresses are available.
    assert young.members_needed == 8 and young.letters == 267 and young.available == 500
    assert plan.rows[0] is young  # the largest gap comes first
    made = batch(council, the_extract, method=LetterBatch.Method.PLANNED, plan=plan.as_plan)
    assert Letter.objects.filter(batch=made, age_option=age_option(council, "15-24")).count() == 267
    assert Letter.objects.filter(batch=made).count() == plan.to_send


def test_members_needed_reaches_the_share():
    x = members_needed(share=0.2, count=10, total=100)
    assert (10 + x) / (100 + x) >= 0.2 > (10 + x - 1) / (100 + x - 1)
    assert members_needed(share=0.2, count=30, total=100) == 0
