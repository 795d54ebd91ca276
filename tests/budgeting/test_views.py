"""The pages: residents propose, vote (within the limits) and read the result; staff run the round."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicpanel.budgeting import counting, services, voting
from civicpanel.budgeting.models import Ballot, Idea, PaperEntry, Project, Round
from civicpanel.members.views import SESSION_COUNCIL, SESSION_MEMBER
from tests.budgeting.factories import build_round, image_bytes, voter_member

pytestmark = pytest.mark.django_db


def resident_client(council, member=None):
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    if member is not None:
        session = client.session
        session[SESSION_MEMBER] = member.pk
        session[SESSION_COUNCIL] = member.council_id
        session.save()
    return client


def test_round_page_shows_timeline_money_and_rule(council):
    rnd = build_round(council)
    page = resident_client(council).get(reverse("budgeting:round", args=[rnd.pk])).content.decode()
    assert "Citizens&#x27; budget 2027" in page or "Citizens' budget 2027" in page
    assert 'aria-current="step"' in page and "Voting" in page
    assert "Equal Shares" in page and "100,000" in page


def test_unpublished_round_is_not_found(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    rnd.published = False
    rnd.save()
    assert resident_client(council).get(reverse("budgeting:round", args=[rnd.pk])).status_code == 404


def test_other_council_cannot_see_round(council, other_council):
    rnd = build_round(council)
    assert resident_client(other_council).get(reverse("budgeting:round", args=[rnd.pk])).status_code == 404


def test_propose_idea_with_picture_then_staff_publish(council, staff_client):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    member = voter_member(council)
    client = resident_client(council, member)
    response = client.post(reverse("budgeting:idea_new", args=[rnd.pk]), {
        "title": "Shelter at the bus stop", "description": "Rain shelter", "category": "traffic",
        "place": "Valby Langgade 10", "cost_estimate": "50000",
        "image_1": SimpleUploadedFile("stop.png", image_bytes(), content_type="image/png")})
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.author_member == member and idea.images.count() == 1
    key = idea.images.get().key
    # Not public before screening: the list and the picture are hidden.
    public = resident_client(council)
    assert "Shelter at the bus stop" not in public.get(reverse("budgeting:ideas", args=[rnd.pk])).content.decode()
    assert public.get(reverse("budgeting:image", args=[key])).status_code == 404
    staff = staff_client("manager")
    assert staff.post(reverse("staff:pb_idea_screen", args=[rnd.pk, idea.pk]), {"action": "publish"}).status_code == 302
    assert "Shelter at the bus stop" in public.get(reverse("budgeting:ideas", args=[rnd.pk])).content.decode()
    image = public.get(reverse("budgeting:image", args=[key]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["X-Content-Type-Options"] == "nosniff" and "sandbox" in image["Content-Security-Policy"]


def test_disguised_script_upload_gives_a_clear_message(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    client = resident_client(council, voter_member(council))
    response = client.post(reverse("budgeting:idea_new", args=[rnd.pk]), {
        "title": "x", "description": "y", "category": "other",
        "image_1": SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")})
    assert response.status_code == 200
    assert "is not a picture" in response.content.decode()
    assert not Idea.objects.exists()


def test_idea_form_asks_to_log_in(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    page = resident_client(council).get(reverse("budgeting:idea_new", args=[rnd.pk])).content.decode()
    assert "Log in to take part" in page


def test_vote_page_and_server_side_limit(council):
    rnd = build_round(council, ballot_kind=Round.BallotKind.KNAPSACK)
    client = resident_client(council, voter_member(council))
    url = reverse("budgeting:vote", args=[rnd.pk, "city"])
    page = client.get(url).content.decode()
    assert "budgeting-vote.js" in page and 'data-budget="100000"' in page and "<script>" not in page
    too_much = client.post(url, {"project": ["1", "2", "3", "4"]})
    assert too_much.status_code == 400 and "more than the budget" in too_much.content.decode()
    assert not Ballot.objects.exists()
    ok = client.post(url, {"project": ["1", "2"]})
    assert ok.status_code == 302
    assert Ballot.objects.get().choices == [1, 2]
    mine = client.get(reverse("budgeting:my", args=[rnd.pk])).content.decode()
    assert "Project 1" in mine and "Change my ballot" in mine


def test_points_and_ranking_ballots_through_the_page(council):
    rnd = build_round(council, ballot_kind=Round.BallotKind.POINTS, points_total=10)
    client = resident_client(council, voter_member(council))
    url = reverse("budgeting:vote", args=[rnd.pk, "city"])
    assert client.post(url, {"project": ["1", "2", "3"], "points_1": "6", "points_2": "6"}).status_code == 400
    assert client.post(url, {"project": ["1", "2", "3"], "points_1": "6", "points_2": "4"}).status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.choices, ballot.points) == ([1, 2], [6, 4])
    rnd2 = build_round(council, ballot_kind=Round.BallotKind.RANKING, max_projects=3)
    url2 = reverse("budgeting:vote", args=[rnd2.pk, "city"])
    assert client.post(url2, {"rank_2": "1", "rank_4": "1"}).status_code == 400
    assert client.post(url2, {"rank_2": "2", "rank_4": "1", "rank_1": ""}).status_code == 302
    assert Ballot.objects.get(round=rnd2).choices == [4, 2]


def test_vote_needs_login(council):
    rnd = build_round(council)
    page = resident_client(council).get(reverse("budgeting:vote", args=[rnd.pk, "city"])).content.decode()
    assert "Log in to take part" in page


def _counted_round(council):
    rnd = build_round(council)
    for choices in [[1, 2]] * 4 + [[1]] * 2 + [[3]] * 3 + [[4]]:
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city",
                           choices=choices)
    return counting.round_count(council=council, actor=rnd.actor, round=rnd)


def test_results_page_explains_every_project(council):
    rnd = _counted_round(council)
    page = resident_client(council).get(reverse("budgeting:results", args=[rnd.pk])).content.decode()
    for project in rnd.projects.all():
        assert project.name in page
    assert page.count("Funded:") + page.count("Not funded:") >= 4
    assert "most votes first" in page.lower()


def test_danish_results_page_has_no_english_explanations(council):
    rnd = _counted_round(council)
    client = resident_client(council)
    client.cookies["django_language"] = "da"
    with translation.override("da"):
        page = client.get(reverse("budgeting:results", args=[rnd.pk]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    for english in ("Funded", "supporters", "Not funded", "Equal Shares:", "votes,", "the budget"):
        assert english not in text, english
    assert "Finansieret" in text or "finansieret" in text


def test_my_page_says_which_projects_the_ballot_helped_pay_for(council):
    rnd = build_round(council)
    member = voter_member(council)
    voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="city", choices=[1, 2])
    for choices in [[1, 2]] * 3 + [[3]] * 3:
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city",
                           choices=choices)
    rnd = counting.round_count(council=council, actor=rnd.actor, round=rnd)
    page = resident_client(council, member).get(reverse("budgeting:my", args=[rnd.pk])).content.decode()
    assert "helped pay for" in page
    helped = Ballot.objects.filter(round=rnd, choices=[1, 2]).first().helped_pay
    assert helped and all(f"{n}. Project {n}" in page for n in helped)


# --- Staff pages -----------------------------------------------------------------------------

def test_staff_create_round_assess_open_paper_count(council, staff_client):
    vigerslev, _gammel = council.districts.order_by("order")
    admin = staff_client("admin")
    response = admin.post(reverse("staff:pb_round_create"), {
        "title_da": "Borgermillionen", "title_en": "The citizens' million", "published": "on",
        "currency": "DKK", "citywide_budget": "0", f"budget_{vigerslev.pk}": "500000",
        "rule": "mes", "completion": "add1", "ballot_kind": "approval", "max_projects": "3", "min_age": "15",
        "allow_members": "on", "allow_codes": "on", "allow_change": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    rnd = Round.objects.get()
    assert rnd.district_budgets.get().budget == 500_000
    response = admin.post(reverse("staff:pb_project_create", args=[rnd.pk]), {
        "title_da": "Legeplads", "district": vigerslev.pk, "cost": "200000", "legality": "legal",
        "decision": "to_vote", "decision_reason_da": "Lovligt og muligt."})
    assert response.status_code == 302
    assert admin.post(reverse("staff:pb_round_stage", args=[rnd.pk]), {"stage": "voting"}).status_code == 302
    rnd.refresh_from_db()
    assert rnd.stage == Round.Stage.VOTING and rnd.projects_frozen_at
    codes = admin.post(reverse("staff:pb_codes", args=[rnd.pk]), {"count": "2"}).content.decode("utf-8-sig")
    code = codes.splitlines()[1].strip()
    response = admin.post(reverse("staff:pb_paper", args=[rnd.pk]), {
        "code": code, "pot": "district", "district": vigerslev.pk, "choices": "1"})
    assert response.status_code == 302
    entry = PaperEntry.objects.get()
    own = admin.post(reverse("staff:pb_paper_decide", args=[rnd.pk, entry.pk, "confirm"]), follow=True)
    assert "Another staff member" in own.content.decode()
    second = staff_client("manager")
    second.post(reverse("staff:pb_paper_decide", args=[rnd.pk, entry.pk, "confirm"]))
    assert Ballot.objects.filter(round=rnd, paper=True).count() == 1
    # Rules refused now.
    response = admin.post(reverse("staff:pb_round_edit", args=[rnd.pk]), {
        "title_da": "Borgermillionen", "published": "on", "currency": "DKK", "citywide_budget": "0",
        f"budget_{vigerslev.pk}": "600000", "rule": "greedy", "completion": "add1", "ballot_kind": "approval",
        "min_age": "15", "allow_members": "on", "allow_codes": "on", "allow_change": "on"})
    assert "Ballots have been cast" in response.content.decode()
    assert admin.post(reverse("staff:pb_round_count", args=[rnd.pk])).status_code == 302
    rnd.refresh_from_db()
    assert rnd.is_counted and rnd.projects.get().funded


def test_status_update_on_funded_project_is_public_and_mails_voters(council, staff_client,
                                                                    django_capture_on_commit_callbacks):
    from civicpanel.outreach.models import Delivery

    rnd = _counted_round(council)
    project = rnd.projects.filter(funded=True).first()
    admin = staff_client("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("staff:pb_project_update", args=[rnd.pk, project.pk]), {
            "status": "building", "date": "2027-05-01", "text_da": "Vi bygger nu.", "text_en": "Building now.",
            "image_1": SimpleUploadedFile("site.png", image_bytes(), content_type="image/png")})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.BUILDING
    page = resident_client(council).get(reverse("budgeting:built")).content.decode()
    assert "Building now." in page and "Being built" in page
    assert Delivery.objects.filter(mailing__message_type="pb_project_update").count() == 10


def test_staff_pages_render(council, staff_client):
    rnd = _counted_round(council)
    admin = staff_client("admin")
    for name, args in [("staff:pb_rounds", []), ("staff:pb_round_create", []), ("staff:pb_round", [rnd.pk]),
                       ("staff:pb_round_edit", [rnd.pk]), ("staff:pb_ideas", [rnd.pk]),
                       ("staff:pb_project", [rnd.pk, rnd.projects.first().pk])]:
        assert admin.get(reverse(name, args=args)).status_code == 200, name
    assert staff_client("analyst").get(reverse("staff:pb_rounds")).status_code == 403


def test_member_export_and_leaving_keep_ballots_counted(council):
    from civicpanel.members.erasure import member_data, member_erase

    rnd = build_round(council)
    member = voter_member(council)
    voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="city", choices=[1])
    data = member_data(member)
    assert data["pb_votes"][0]["vote"] == "city" and data["pb_votes"][0]["ballot"] == ["Project 1"]
    voter = voting.voter_for_member(member)
    member_erase(member=member)
    assert Ballot.objects.filter(round=rnd).count() == 1
    assert not rnd.voter_records.filter(member=member).exists()
    assert voting.ballot_of(rnd, voter, "city") is None  # nobody can find it any more


def test_turnout_by_district_age_and_gender_beside_population(council, staff_client):
    from civicpanel.members.models import MemberAnswer
    from civicpanel.panel.models import PopulationFigure, ProfileOption

    vigerslev, gammel = council.districts.order_by("order")
    for district, count in ((vigerslev, 9000), (gammel, 1000)):
        PopulationFigure.objects.create(council=council, option=ProfileOption.objects.get(district=district),
                                        count=count)
    rnd = build_round(council)
    woman = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    for i in range(4):
        member = voter_member(council, district=vigerslev if i < 3 else gammel, birth_year=2000)
        if i == 0:
            MemberAnswer.objects.create(member=member, question=woman.question, option=woman)
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="city", choices=[1])
    page = staff_client("analyst").get(reverse("staff:pb_turnout", args=[rnd.pk])).content.decode()
    assert "<svg" in page and "Share of residents" in page
    assert re.search(r"Vigerslev</th><td class=\"num\">3</td><td class=\"num\">75\.0\s%</td>"
                     r"<td class=\"num\">9,000</td><td class=\"num\">90\.0\s%", page), page[page.find("Vigerslev</th>"):][:300]
    assert "Woman" in page


def test_resident_with_confirmed_email_proposes_and_votes(council, django_capture_on_commit_callbacks):
    from django.core import mail

    from civicpanel.budgeting.models import Resident

    rnd = build_round(council, allow_residents=True, min_age=16)
    client = resident_client(council)
    url = reverse("budgeting:resident_join", args=[rnd.pk])
    assert "take part with your e-mail" in client.get(reverse("budgeting:round", args=[rnd.pk])).content.decode()
    refused = client.post(url, {"email": "a@example.net", "postal_code": "9999", "birth_year": "1990"})
    assert "not in Valby" in refused.content.decode()
    young = client.post(url, {"email": "a@example.net", "postal_code": "2500", "birth_year": "2020"})
    assert "at least 16" in young.content.decode()
    member = voter_member(council, email="member@example.net")
    again = client.post(url, {"email": "MEMBER@example.net", "postal_code": "2500", "birth_year": "1990"})
    assert "log in as a member" in again.content.decode()
    assert not Resident.objects.exists() and member
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"email": "a@example.net", "postal_code": "2450", "birth_year": "1990"})
    assert "Check your e-mail" in sent.content.decode()
    resident = Resident.objects.get()
    assert resident.district.name == "Gammel Valby" and resident.confirmed_at is None
    link = re.search(r"https?://[^/\s]+(/pb/\S+)", mail.outbox[-1].body).group(1)
    assert resident.token_hash and link.split("/")[-2] not in resident.token_hash  # only the hash is kept
    opened = client.get(link)  # the token leaves the address; the page has a button
    assert opened.status_code == 302 and opened["Location"] == f"/pb/{rnd.pk}/confirm/"
    assert client.get(opened["Location"]).status_code == 200
    assert Resident.objects.get().confirmed_at is None
    assert client.post(link).status_code == 302
    assert client.post(link).status_code == 410  # used up
    vote = client.post(reverse("budgeting:vote", args=[rnd.pk, "city"]), {"project": ["2"]})
    assert vote.status_code == 302
    record = rnd.voter_records.get()
    assert record.channel == "resident" and record.resident == resident
    assert Ballot.objects.get(round=rnd).choices == [2]


def test_residents_cannot_join_a_round_that_does_not_allow_it(council):
    rnd = build_round(council)
    assert resident_client(council).get(reverse("budgeting:resident_join", args=[rnd.pk])).status_code == 404


def test_pictures_waiting_for_screening_are_shown_to_staff_only(council, staff_client):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    idea = services.idea_submit(council=council, round=rnd, author_member=voter_member(council), title="Pond",
                                description="d", uploads=[SimpleUploadedFile("p.png", image_bytes())])
    url = reverse("budgeting:image", args=[idea.images.get().key])
    assert resident_client(council).get(url).status_code == 404
    staff = staff_client("manager")
    response = staff.get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert url in staff.get(reverse("staff:pb_ideas", args=[rnd.pk])).content.decode()


def test_changing_a_district_ballot_stays_in_its_district(council):
    vigerslev, gammel = council.districts.order_by("order")
    rnd = build_round(council, districts={vigerslev: [10, 20], gammel: [15]}, citywide_budget=0)
    member = voter_member(council, district=None)
    client = resident_client(council, member)
    url = reverse("budgeting:vote", args=[rnd.pk, "district"])
    assert "Choose your district" in client.get(url).content.decode()
    assert client.post(url, {"district": gammel.pk, "project": ["3"]}).status_code == 302
    page = client.get(url + f"?district={vigerslev.pk}").content.decode()
    assert "Vote in Gammel Valby" in page and 'id="p-3"' in page and "checked" in page


def test_a_paper_ballot_may_record_age_band_and_home_district_for_the_turnout(council, staff_client):
    from civicpanel.budgeting.turnout import turnout
    from civicpanel.members.models import ProfileOption

    rnd = build_round(council, allow_codes=True)
    band = ProfileOption.objects.filter(question__council=council, question__kind="birth_year").order_by("order")[2]
    home = council.districts.order_by("pk").last()
    codes = voting.codes_create(council=council, actor=rnd.actor, round=rnd, count=2)
    admin = staff_client("admin")
    page = admin.get(reverse("staff:pb_paper", args=[rnd.pk])).content.decode()
    assert 'name="age_band"' in page and f'value="{band.code}"' in page
    refused = admin.post(reverse("staff:pb_paper", args=[rnd.pk]), {
        "code": codes[0], "pot": "city", "choices": "1", "age_band": "no-such-band"})
    assert refused.status_code == 200 and not PaperEntry.objects.exists()
    response = admin.post(reverse("staff:pb_paper", args=[rnd.pk]), {
        "code": codes[0], "pot": "city", "district": home.pk, "age_band": band.code, "choices": "1"})
    assert response.status_code == 302
    # The second paper gives neither: both stay optional.
    assert admin.post(reverse("staff:pb_paper", args=[rnd.pk]), {
        "code": codes[1], "pot": "city", "choices": "2"}).status_code == 302
    listing = admin.get(reverse("staff:pb_paper", args=[rnd.pk])).content.decode()
    assert home.name in listing and band.code in listing  # the second staff member checks them too
    second = staff_client("manager")
    for entry in PaperEntry.objects.order_by("pk"):
        second.post(reverse("staff:pb_paper_decide", args=[rnd.pk, entry.pk, "confirm"]))
    assert Ballot.objects.filter(round=rnd, paper=True, district__isnull=True).count() == 2  # city-wide ballots
    records = {(r.district_id, r.age_band) for r in rnd.voter_records.all()}
    assert records == {(home.pk, band.code), (None, "")}
    tables = {t.title: t for t in turnout(rnd)}
    by_district = {row.label: row.voters for row in tables["District"].rows}
    assert by_district[home.name] == 1
    assert any(row.voters == 1 and row.label == band.text for row in tables["Age"].rows)
