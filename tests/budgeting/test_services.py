"""Rounds, ideas, assessment, the ballot box and the count, through the services."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicpanel.audit.models import AuditEvent
from civicpanel.budgeting import counting, services, voting
from civicpanel.budgeting.models import (
    Ballot,
    Idea,
    IdeaImage,
    PaperEntry,
    Project,
    Round,
    VoterRecord,
)
from tests.budgeting.factories import build_round, image_bytes, voter_member
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def cast(rnd, member, choices, pot="city", **kwargs):
    return voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot=pot, choices=choices, **kwargs)


# --- Rounds and the rules freeze ---------------------------------------------------------------

def test_round_needs_money(council):
    with pytest.raises(ValidationError, match="money"):
        services.round_create(council=council, actor=staff_user(council, "admin"), title={"en": "x"},
                              citywide_budget=0, budgets={})


def test_phases_must_be_in_order(council):
    import datetime

    with pytest.raises(ValidationError, match="in order"):
        services.round_create(council=council, actor=staff_user(council, "admin"), title={"en": "x"},
                              citywide_budget=10, ideas_starts=datetime.date(2027, 3, 1),
                              voting_starts=datetime.date(2027, 2, 1))


def test_vote_cannot_open_without_projects(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    with pytest.raises(ValidationError, match="No project goes to the vote"):
        services.round_set_stage(council=council, actor=rnd.actor, round=rnd, stage=Round.Stage.VOTING)


def test_projects_are_frozen_when_voting_opens(council):
    rnd = build_round(council)
    project = rnd.projects.first()
    with pytest.raises(ValidationError, match="frozen"):
        services.project_update(council=council, actor=rnd.actor, project=project, cost=1)
    with pytest.raises(ValidationError, match="frozen"):
        services.project_create(council=council, actor=rnd.actor, round=rnd, title={"en": "late"}, cost=5)
    project.refresh_from_db()
    assert project.cost == 40_000


def test_rules_refused_once_the_first_ballot_is_in(council):
    rnd = build_round(council)
    services.round_update(council=council, actor=rnd.actor, round=rnd, max_projects=3)  # no ballot yet: fine
    cast(rnd, voter_member(council), [1])
    with pytest.raises(ValidationError, match="Ballots have been cast"):
        services.round_update(council=council, actor=rnd.actor, round=rnd, rule=Round.Rule.GREEDY)
    with pytest.raises(ValidationError, match="Ballots have been cast"):
        services.round_update(council=council, actor=rnd.actor, round=rnd, citywide_budget=1)
    rnd.refresh_from_db()
    assert (rnd.rule, rnd.citywide_budget, rnd.max_projects) == (Round.Rule.MES, 100_000, 3)
    # Texts may still change.
    services.round_update(council=council, actor=rnd.actor, round=rnd, intro={"en": "Now voting"})


def test_vote_cannot_go_back_once_opened(council):
    rnd = build_round(council)
    with pytest.raises(ValidationError, match="cannot go back"):
        services.round_set_stage(council=council, actor=rnd.actor, round=rnd, stage=Round.Stage.IDEAS)


def test_to_vote_needs_legality_reason_and_cost_within_budget(council):
    rnd = build_round(council, stage=Round.Stage.ASSESSMENT, costs=())
    base = {"title": {"en": "Bench"}, "cost": 500, "legality": Project.Legality.LEGAL,
            "decision": Project.Decision.TO_VOTE}
    with pytest.raises(ValidationError, match="public reason"):
        services.project_create(council=council, actor=rnd.actor, round=rnd, **base)
    with pytest.raises(ValidationError, match="powers"):
        services.project_create(council=council, actor=rnd.actor, round=rnd,
                                **(base | {"legality": Project.Legality.UNKNOWN, "decision_reason": {"en": "ok"}}))
    with pytest.raises(ValidationError, match="more than the budget"):
        services.project_create(council=council, actor=rnd.actor, round=rnd,
                                **(base | {"cost": 10**6, "decision_reason": {"en": "ok"}}))


# --- Ideas and images --------------------------------------------------------------------------

def _ideas_round(council):
    return build_round(council, stage=Round.Stage.IDEAS, costs=())


def test_idea_with_image_is_reencoded_without_metadata(council):
    rnd = _ideas_round(council)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x8825] = {1: "N", 2: (55.0, 40.0, 0.0)}  # GPS
    jpeg = image_bytes("JPEG", size=(3000, 2000), exif=exif.tobytes())
    idea = services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="Bench",
                                description="A bench by the lake", uploads=[SimpleUploadedFile("p.jpg", jpeg)])
    image = idea.images.get()
    stored = bytes(image.data)
    assert b"SecretCam" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG"
        assert max(img.size) == 1600
        assert not img.getexif()
    assert idea.status == Idea.Status.SUBMITTED


def test_script_disguised_as_image_is_refused_and_nothing_is_saved(council):
    rnd = _ideas_round(council)
    fake = SimpleUploadedFile("cat.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationError, match="not a picture"):
        services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="x",
                             description="y", uploads=[fake])
    gif = SimpleUploadedFile("a.png", b"GIF89a" + b"\x00" * 40, content_type="image/png")
    with pytest.raises(ValidationError, match="not a picture"):
        services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="x",
                             description="y", uploads=[gif])
    assert not Idea.objects.exists() and not IdeaImage.objects.exists()


def test_oversized_image_is_refused(council):
    rnd = _ideas_round(council)
    big = SimpleUploadedFile("big.png", image_bytes() + b"\x00" * (8 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(ValidationError, match="larger than 8 MB"):
        services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="x",
                             description="y", uploads=[big])
    assert not Idea.objects.exists()


def test_at_most_three_images(council):
    rnd = _ideas_round(council)
    files = [SimpleUploadedFile(f"{i}.png", image_bytes()) for i in range(4)]
    with pytest.raises(ValidationError, match="three"):
        services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="x",
                             description="y", uploads=files)


def test_ideas_only_while_the_round_takes_them(council):
    rnd = build_round(council)
    with pytest.raises(ValidationError, match="does not take ideas"):
        services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="x",
                             description="y")


def test_screening_hide_needs_reason_and_merge(council):
    rnd = _ideas_round(council)
    author = voter_member(council)
    a = services.idea_submit(council=council, round=rnd, author_member=author, title="Bench", description="d")
    b = services.idea_submit(council=council, round=rnd, author_member=author, title="Benches", description="d")
    with pytest.raises(ValidationError, match="reason"):
        services.idea_screen(council=council, actor=rnd.actor, idea=a, action="hide")
    services.idea_screen(council=council, actor=rnd.actor, idea=a, action="publish")
    services.idea_screen(council=council, actor=rnd.actor, idea=b, action="merge", merge_into=a)
    b.refresh_from_db()
    assert b.status == Idea.Status.MERGED and b.merged_into == a
    assert AuditEvent.objects.filter(action="pb.idea.merge", object_id=str(b.pk)).exists()


def test_several_ideas_become_one_project(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    author = voter_member(council)
    ideas = [services.idea_submit(council=council, round=rnd, author_member=author, title=f"i{i}", description="d")
             for i in range(2)]
    project = services.project_create(council=council, actor=rnd.actor, round=rnd, title={"en": "Both"},
                                      cost=100, ideas=ideas)
    assert set(project.ideas.all()) == set(ideas)


# --- The ballot box ----------------------------------------------------------------------------

def test_one_ballot_per_voter_and_change_replaces_it(council):
    rnd = build_round(council)
    member = voter_member(council)
    first = cast(rnd, member, [1, 2])
    second = cast(rnd, member, [3])
    assert first == second
    assert Ballot.objects.filter(round=rnd).count() == 1
    assert Ballot.objects.get(round=rnd).choices == [3]
    assert VoterRecord.objects.filter(round=rnd).count() == 1


def test_no_change_when_the_round_says_so(council):
    rnd = build_round(council, allow_change=False)
    member = voter_member(council)
    cast(rnd, member, [1])
    with pytest.raises(ValidationError, match="already voted"):
        cast(rnd, member, [2])
    assert Ballot.objects.get(round=rnd).choices == [1]


def test_ballot_box_keeps_no_link(council):
    rnd = build_round(council)
    member = voter_member(council)
    cast(rnd, member, [1])
    ballot = Ballot.objects.get(round=rnd)
    record = VoterRecord.objects.get(round=rnd)
    ballot_fields = {f.name for f in Ballot._meta.get_fields()}
    assert not ballot_fields & {"member", "voter", "voter_record", "created_at", "resident"}
    assert record.voter_key not in str(ballot.__dict__) and ballot.receipt_hash not in str(record.__dict__)
    assert voting.ballot_of(rnd, voting.voter_for_member(member), "city") == ballot


@pytest.mark.parametrize(("fields", "choices", "points", "message"), [
    ({"max_projects": 2}, [1, 2, 3], None, "at most 2"),
    ({"ballot_kind": Round.BallotKind.KNAPSACK}, [1, 2, 3, 4], None, "more than the budget"),
    ({"ballot_kind": Round.BallotKind.POINTS, "points_total": 10}, [1, 2], [8, 5], "you have 10"),
    ({"ballot_kind": Round.BallotKind.POINTS, "points_total": 10}, [1, 2], [8, 0], "at least one point"),
    ({"ballot_kind": Round.BallotKind.RANKING, "max_projects": 2}, [1, 2, 3], None, "at most 2"),
    ({}, [1, 1], None, "only once"),
    ({}, [99], None, "not on the list"),
    ({}, ["x"], None, "not on the list"),
    ({}, [], None, "at least one"),
])
def test_ballot_limits_are_enforced_on_the_server(council, fields, choices, points, message):
    rnd = build_round(council, **fields)
    with pytest.raises(ValidationError, match=message):
        cast(rnd, voter_member(council), choices, points=points)
    assert not Ballot.objects.exists() and not VoterRecord.objects.exists()


def test_age_limit_and_who_may_vote(council):
    rnd = build_round(council, min_age=16)
    import datetime

    young = voter_member(council, birth_year=datetime.date.today().year - 14)
    with pytest.raises(ValidationError, match="at least 16"):
        cast(rnd, young, [1])
    rnd2 = build_round(council, allow_members=False, allow_codes=True)
    with pytest.raises(ValidationError, match="does not take votes this way"):
        cast(rnd2, voter_member(council), [1])


def test_district_round_one_ballot_per_pot(council):
    vigerslev, gammel = council.districts.order_by("order")
    rnd = build_round(council, districts={vigerslev: [10, 20], gammel: [15]}, citywide_budget=50)
    member = voter_member(council, district=vigerslev)
    cast(rnd, member, [1], pot="district")
    with pytest.raises(ValidationError, match="not on the list"):  # project 3 is Gammel Valby's
        cast(rnd, member, [3], pot="district")
    with pytest.raises(ValidationError, match="another district"):
        cast(rnd, member, [3], pot="district", district=gammel)
    assert Ballot.objects.filter(round=rnd).count() == 1


def test_paper_ballot_needs_a_second_staff_member(council):
    rnd = build_round(council, allow_codes=True)
    first, second = staff_user(council, "manager"), staff_user(council, "manager")
    code = voting.codes_create(council=council, actor=first, round=rnd, count=2)[0]
    entry = voting.paper_enter(council=council, actor=first, round=rnd, code=code.lower().replace("-", " "),
                               pot="city", choices=[1, 2])
    assert not Ballot.objects.exists()
    with pytest.raises(ValidationError, match="Another staff member"):
        voting.paper_confirm(council=council, actor=first, entry=entry)
    voting.paper_confirm(council=council, actor=second, entry=entry)
    assert Ballot.objects.get(round=rnd).paper is True
    assert not PaperEntry.objects.exists()
    with pytest.raises(ValidationError, match="already been counted"):
        voting.paper_enter(council=council, actor=first, round=rnd, code=code, pot="city", choices=[1])
    with pytest.raises(ValidationError, match="does not belong"):
        voting.paper_enter(council=council, actor=first, round=rnd, code="AAAA-BBBB-CCCC", pot="city", choices=[1])


def test_count_refused_while_paper_ballots_wait(council):
    rnd = build_round(council, allow_codes=True)
    staff = staff_user(council, "manager")
    code = voting.codes_create(council=council, actor=staff, round=rnd, count=1)[0]
    voting.paper_enter(council=council, actor=staff, round=rnd, code=code, pot="city", choices=[1])
    with pytest.raises(ValidationError, match="waiting"):
        counting.round_count(council=council, actor=staff, round=rnd)


# --- The count ---------------------------------------------------------------------------------

def _vote_many(rnd, council, ballots, pot="city", **kwargs):
    for choices in ballots:
        cast(rnd, voter_member(council), choices, pot=pot, **kwargs)


def test_count_equal_shares_with_explanations_and_helped_pay(council):
    # 100,000: project 1 (40k) has 6 voters, 2 (30k) has 4, 3 (30k) has 3, 4 (20k) a different 3.
    rnd = build_round(council)
    _vote_many(rnd, council, [[1, 2]] * 4 + [[1]] * 2 + [[3]] * 3 + [[4]])
    actor = rnd.actor
    rnd = counting.round_count(council=council, actor=actor, round=rnd)
    assert rnd.stage == Round.Stage.RESULT and rnd.is_counted
    pot = rnd.result["pots"][0]
    funded = {p.number for p in rnd.projects.filter(funded=True)}
    assert funded == set(pot["winners"])
    assert pot["voters"] == 10
    p1 = rnd.projects.get(number=1)
    assert p1.votes == 6 and p1.funded and p1.status == Project.Status.APPROVED
    assert p1.explanation["how"] == "equal shares"
    # Every ballot that chose a project bought by Equal Shares helped pay for it (all had money).
    for ballot in Ballot.objects.filter(round=rnd):
        bought = {n for n in ballot.choices if rnd.projects.get(number=n).explanation.get("how") == "equal shares"}
        assert set(ballot.helped_pay) <= set(ballot.choices)
        assert bought <= set(ballot.helped_pay) or not bought
    with pytest.raises(ValidationError, match="already been counted"):
        counting.round_count(council=council, actor=actor, round=rnd)


def test_helped_pay_water_filling_matches_equal_shares():
    from fractions import Fraction
    from types import SimpleNamespace

    rnd = Round(ballot_kind=Round.BallotKind.APPROVAL)
    ballots = [SimpleNamespace(choices=c) for c in ([1], [1, 2], [2], [2])]
    # per voter 10: project 1 costs 20 -> voters 0 and 1 pay 10 each (all they have); project 2
    # costs 15 -> voter 1 has nothing, voters 2 and 3 pay 7.5 each.
    paid = counting.helped_pay(rnd, ballots, {1: 20, 2: 15}, [1, 2], Fraction(10))
    assert paid == [[1], [1], [2], [2]]


def test_count_by_district_with_citywide_pot(council):
    vigerslev, gammel = council.districts.order_by("order")
    rnd = build_round(council, districts={vigerslev: [10, 20], gammel: [15]}, citywide_budget=0,
                      rule=Round.Rule.GREEDY)
    a, b = voter_member(council, district=vigerslev), voter_member(council, district=gammel)
    cast(rnd, a, [2], pot="district")
    cast(rnd, b, [3], pot="district")
    rnd = counting.round_count(council=council, actor=rnd.actor, round=rnd)
    assert {p["district"] for p in rnd.result["pots"]} == {vigerslev.pk, gammel.pk}
    assert set(rnd.projects.filter(funded=True).values_list("number", flat=True)) == {2, 3, 1}
