"""A representative sample as the audience of a survey sending."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import PopulationFigure
from civicpanel.surveys import services
from civicpanel.surveys.audience import audience_plan
from civicpanel.surveys.models import Invitation, Survey, Wave
from civicpanel.surveys.sampling import (
    SHRINK_INVITATIONS,
    SampleRequest,
    member_categories,
    population_features,
    response_propensities,
    sample_draw,
)
from tests.surveys.factories import build_survey, confirm_and_send
from tests.surveys.sample_panel import build_panel, options, set_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(council):
    set_population(council)
    return build_panel(council, size=150)


def pool_of(council, survey):
    return audience_plan(council=council, survey=survey, filters={}, with_composition=False).member_ids


def test_sample_matches_population_on_every_stratified_feature(council, panel):
    survey = build_survey(council)
    wave = services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=40, seed=7))
    invited = list(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True))
    assert len(invited) == 40 == wave.recipient_count
    features = population_features(council=council)
    assert {f.key for f in features if f.usable} == {"gender", "birth_year", "district"}
    for feature in features:
        categories = member_categories(council=council, feature=feature)
        drawn = Counter(categories[m] for m in invited)
        for option in feature.options:
            target = feature.population_share(option) * 40
            assert abs(drawn[option.pk] - target) < 1, (feature.key, option.code, drawn[option.pk], target)
    assert wave.sample["seed"] == 7 and wave.sample["size"] == 40
    assert set(wave.sample["features"]) == {"gender", "birth_year", "district"}
    event = AuditEvent.objects.get(action="survey.send")
    assert event.detail["sample"]["seed"] == 7 and event.detail["sample"]["size"] == 40


def test_same_seed_same_members_and_probabilities_stored(council, panel):
    survey = build_survey(council)
    pool = pool_of(council, survey)
    first = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(size=30, seed=11))
    again = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(size=30, seed=11))
    other = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(size=30, seed=12))
    assert first.ok and first.selected == again.selected and first.selected != other.selected
    assert first.inclusion_sum == pytest.approx(30, abs=1e-6)
    wave = services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=30, seed=11))
    stored = dict(Invitation.objects.filter(wave=wave).values_list("member_id", "inclusion_probability"))
    assert sorted(stored) == first.selected
    assert all(stored[m] == pytest.approx(first.inclusion[m]) and 0 < stored[m] <= 1 for m in stored)
    # Men are a third of the panel but half the population: on average likelier to be drawn.
    man = options(council, "gender")[1]
    men = set(MemberAnswer.objects.filter(option=man).values_list("member_id", flat=True))
    women = [first.inclusion[m] for m in pool if m not in men]
    assert sum(first.inclusion[m] for m in men) / len(men) > 1.5 * sum(women) / len(women)


def test_left_out_members_are_removed_before_drawing(council, panel):
    survey = build_survey(council)
    paused, no_surveys = panel[0], panel[1]
    Member.objects.filter(pk=paused.pk).update(status=Member.Status.PAUSED)
    Member.objects.filter(pk=no_surveys.pk).update(wants_surveys=False)
    MemberAnswer.objects.filter(member=panel[2]).delete()  # no gender: cannot be placed in a stratum
    wave = services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=30, seed=3))
    invited = set(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True))
    assert not invited & {paused.pk, no_surveys.pk, panel[2].pk}
    assert wave.left_out["not_active"] == 1 and wave.left_out["no_surveys"] == 1
    assert wave.left_out["profile_incomplete"] == 1 and wave.sample["pool"] == 147


@pytest.mark.parametrize("case", ["too_big", "empty_category"])
def test_impossible_sample_gives_a_message_and_no_invitations(council, panel, case):
    survey = build_survey(council)
    if case == "empty_category":
        valby = council.districts.order_by("order")[1]
        Member.objects.filter(council=council, district=valby).update(district=council.districts.order_by("order")[0])
    size = 500 if case == "too_big" else 20
    with pytest.raises(ValidationError) as error:
        services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=size, seed=1))
    text = " ".join(error.value.messages)
    if case == "too_big":
        assert "A sample of 500 cannot be drawn from a pool of 150 members" in text
    else:
        assert "District Gammel Valby: the sample needs 8 answers from this category, but those who can be invited can give " \
               "at most 0 (0 people)." in text
    assert not Invitation.objects.filter(survey=survey).exists() and not Wave.objects.filter(survey=survey).exists()


def test_no_population_figures_means_no_sample(council):
    build_panel(council, size=20)
    survey = build_survey(council)
    draw = sample_draw(council=council, survey=survey, member_ids=pool_of(council, survey),
                       request=SampleRequest(size=5, seed=1))
    assert not draw.ok and "No profile question has complete population figures" in draw.errors[0]


def test_feature_with_a_missing_figure_is_skipped_and_said(council, panel):
    PopulationFigure.objects.filter(option__question__key="gender", option__code="other").delete()
    survey = build_survey(council)
    draw = sample_draw(council=council, survey=survey, member_ids=pool_of(council, survey),
                       request=SampleRequest(size=20, seed=1))
    assert draw.ok and [f.key for f in draw.features] == ["birth_year", "district"]
    assert "Gender is not used: no population figure for Other / prefer not to say." in draw.notes


def test_the_same_sample_is_not_sent_twice(council, panel):
    survey = build_survey(council)
    services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=20, seed=5))
    with pytest.raises(ValidationError, match="already been sent"):
        services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=20, seed=5))
    assert Invitation.objects.filter(survey=survey).count() == 20


def test_adjusting_for_response_rates_invites_more_where_fewer_answer(council, panel):
    """History: men answered 1 in 5 earlier invitations, women 4 in 5."""
    earlier = Survey.objects.create(council=council, title={"en": "Earlier"}, status=Survey.Status.CLOSED)
    wave = Wave.objects.create(survey=earlier, kind=Wave.Kind.INVITATION, send_at=timezone.now() - timedelta(days=60))
    man = options(council, "gender")[1]
    men = set(MemberAnswer.objects.filter(option=man).values_list("member_id", flat=True))
    rows = []
    for i, member in enumerate(panel):
        answered = (i % 5 == 0) if member.pk in men else (i % 5 != 0)
        rows.append(Invitation(survey=earlier, member=member, wave=wave, token_salt=f"s{i}",
                               invited_at=wave.send_at, completed_at=wave.send_at if answered else None))
    Invitation.objects.bulk_create(rows)
    survey = build_survey(council)
    pool = pool_of(council, survey)
    rates, average = response_propensities(council=council, survey=survey, member_ids=pool)
    some_man = next(m for m in pool if m in men)
    assert average == pytest.approx(sum(1 for r in rows if r.completed_at) / len(rows))
    assert rates[some_man] == pytest.approx(((1 if panel.index(next(p for p in panel if p.pk == some_man)) % 5 == 0 else 0)
                                             + SHRINK_INVITATIONS * average) / (1 + SHRINK_INVITATIONS))
    draw = sample_draw(council=council, survey=survey, member_ids=pool,
                       request=SampleRequest(size=20, seed=2, adjust_for_response=True))
    assert draw.ok and draw.adjusted
    assert draw.expected_completes == pytest.approx(20, abs=1e-6)
    assert sum(draw.inclusion[m] * rates[m] for m in pool) == pytest.approx(20, abs=1e-6)
    invited_men = sum(1 for m in draw.selected if m in men)
    assert invited_men > len(draw.selected) - invited_men  # equal expected answers need more men invited


def test_send_page_previews_and_sends_the_sample(council, panel, staff_client, django_assert_max_num_queries):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    with django_assert_max_num_queries(60):
        page = client.get(url, {"audience": "sample", "sample_size": "30"})
    html = page.content.decode()
    assert "A representative sample of 30 members (seed " in html
    seed = int(html.split("A representative sample of 30 members (seed ")[1].split(")")[0])
    assert f'name="sample_seed" value="{seed}"' in html
    assert "Sample beside the population and the panel: Gender" in html
    assert "removed before drawing" in html
    response = confirm_and_send(client, url, {"audience": "sample", "sample_size": "30", "sample_seed": str(seed)})
    assert response.status_code == 302
    wave = Wave.objects.get(survey=survey)
    assert wave.sample["seed"] == seed and wave.recipient_count == 30
    assert Invitation.objects.filter(wave=wave, inclusion_probability__isnull=False).count() == 30
    progress = client.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
    assert f"Representative sample of 30 (seed {seed})" in progress


def test_send_page_says_why_a_sample_is_impossible(council, panel, staff_client):
    survey = build_survey(council)
    client = staff_client("admin")
    url = reverse("staff:survey_send", args=[survey.pk])
    html = client.get(url, {"audience": "sample", "sample_size": "900", "sample_seed": "4"}).content.decode()
    assert "The sample cannot be drawn" in html and "A sample of 900 cannot be drawn from a pool of 150" in html
    assert 'value="send"' not in html
    html = client.post(url, {"audience": "sample", "sample_size": "900", "sample_seed": "4", "action": "send"}).content.decode()
    assert "A sample of 900 cannot be drawn" in html
    assert not Invitation.objects.filter(survey=survey).exists()
    html = client.get(url, {"audience": "sample"}).content.decode()
    assert "Give the number of members in the sample." in html


def test_sampling_roles_and_councils(council, other_council, panel, staff_client):
    survey = build_survey(council)
    url = reverse("staff:survey_send", args=[survey.pk])
    assert staff_client("analyst").get(url, {"audience": "sample", "sample_size": "5"}).status_code == 403
    assert staff_client("admin", council=other_council).get(url, {"audience": "sample", "sample_size": "5"}).status_code == 404


def test_staff_choose_the_questions_to_stratify_on(council, panel, staff_client):
    survey = build_survey(council)
    pool = pool_of(council, survey)
    draw = sample_draw(council=council, survey=survey, member_ids=pool,
                       request=SampleRequest(size=30, seed=1, features=("district",)))
    assert draw.ok and [f.key for f in draw.features] == ["district"]
    assert {row["feature"].key for row in draw.composition} == {"district"}
    too_many = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(
        size=30, seed=1, features=("gender", "birth_year", "district", "education", "housing")))
    assert too_many.ok  # only questions with figures count: education and housing have none
    PopulationFigure.objects.bulk_create([PopulationFigure(council=council, option=o, count=10)
                                          for key in ("education", "housing") for o in options(council, key)])
    five = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(
        size=30, seed=1, features=("gender", "birth_year", "district", "education", "housing")))
    # No cap on the number of questions: all five are used, and what stops this draw is only that
    # these members never answered the education and housing questions.
    assert len(five.features) == 5 and five.profile_incomplete == len(pool)
    assert five.errors == ["A sample of 30 cannot be drawn from a pool of 0 members who can be invited. "
                           "Choose a smaller sample or a wider audience."]
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    html = client.get(url, {"audience": "sample", "sample_size": "30", "sample_features": "district"}).content.decode()
    assert "Sample beside the population and the panel: District" in html
    assert "Sample beside the population and the panel: Gender" not in html
    assert '<input type="hidden" name="sample_features" value="district">' in html
    confirm_and_send(client, url, {"audience": "sample", "sample_size": "30", "sample_seed": "3",
                                   "sample_features": "district"})
    assert Wave.objects.get(survey=survey).sample["features"] == ["district"]


def test_a_sent_sample_is_replayed_exactly_from_the_seed_stored_on_its_wave(council, panel):
    """Anyone holding the wave's record (the audit log has the same) and the pool draws the same
    members again: the seed was random, and only the stored one is used for the replay."""
    from civicpanel.surveys.sampling import new_seed

    survey = build_survey(council)
    pool = pool_of(council, survey)
    wave = services.wave_send(council=council, actor=None, survey=survey,
                              sample=SampleRequest(size=25, seed=new_seed(), features=("gender", "district")))
    stored = Wave.objects.get(pk=wave.pk).sample
    invited = sorted(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True))
    replay = sample_draw(council=council, survey=survey, member_ids=pool,
                         request=SampleRequest(size=stored["size"], seed=stored["seed"],
                                               adjust_for_response=stored["adjust_for_response"],
                                               features=tuple(stored["features"])))
    assert replay.ok and sorted(replay.selected) == invited
    logged = AuditEvent.objects.get(action="survey.send").detail["sample"]
    assert logged["seed"] == stored["seed"] and logged["features"] == stored["features"]


def test_category_codes_are_the_categories_members_fall_in(council, panel, other_council):
    """The arrays the sample's pool is built from say what member_categories says, member by
    member: no answer, no birth year or no district is -1; a member of another council is none."""
    from civicpanel.members.categories import category_codes

    gender = options(council, "gender")
    someone = panel[0]
    Member.objects.filter(pk=panel[1].pk).update(birth_year=None, district=None)
    MemberAnswer.objects.filter(member=panel[2]).delete()
    # Two answers to a single-choice question (older data): the first option counts, as before.
    MemberAnswer.objects.filter(member=someone).delete()
    MemberAnswer.objects.bulk_create([MemberAnswer(member=someone, question=o.question, option=o) for o in gender[:2]])
    stranger = build_panel(other_council, size=3, seed=9)[0]
    features = [f for f in population_features(council=council) if f.usable]
    ids = [m.pk for m in reversed(panel)] + [stranger.pk]
    codes = category_codes(council=council, features=features, member_ids=ids)
    assert codes.shape == (len(ids), len(features))
    for j, feature in enumerate(features):
        categories = member_categories(council=council, feature=feature)
        position = {o.pk: k for k, o in enumerate(feature.options)}
        assert codes[:, j].tolist() == [position[categories[m]] if m in categories else -1 for m in ids]
    assert codes[-1].tolist() == [-1] * len(features)
    keys = [f.key for f in features]
    assert codes[ids.index(panel[1].pk), keys.index("birth_year")] == -1
    assert codes[ids.index(panel[1].pk), keys.index("district")] == -1
    assert codes[ids.index(panel[2].pk), keys.index("gender")] == -1
    assert codes[ids.index(someone.pk), keys.index("gender")] == 0
