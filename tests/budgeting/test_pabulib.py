"""A round out as a Pabulib file and back: `civicpanel pb check` accepts the export,
`civicpanel pb outcome` recounts it to the round's winners, and an import is a finished round."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicpanel.budgeting import counting, pabulib_io, voting
from civicpanel.budgeting.models import Ballot, Round
from tests.budgeting.factories import build_round, voter_member

pytestmark = pytest.mark.django_db


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "civicpanel.cli", "pb", *args], capture_output=True, text=True,
                          timeout=120)


def _counted(council, **fields):
    vigerslev, gammel = council.districts.order_by("order")
    rnd = build_round(council, districts={vigerslev: [40_000, 30_000, 30_000, 20_000], gammel: [50_000, 10_000]},
                      citywide_budget=0, **fields)
    patterns = [[1, 2]] * 5 + [[1]] * 3 + [[3]] * 4 + [[4, 3]] * 2
    for choices in patterns:
        member = voter_member(council, district=vigerslev)
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="district", choices=choices)
    for choices in [[5]] * 3 + [[6]] * 4 + [[5, 6]]:
        member = voter_member(council, district=gammel)
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="district", choices=choices)
    return counting.round_count(council=council, actor=rnd.actor, round=rnd), vigerslev, gammel


@pytest.mark.parametrize("rule", [Round.Rule.MES, Round.Rule.GREEDY, Round.Rule.PHRAGMEN])
def test_export_passes_check_and_recounts_to_the_same_winners(council, tmp_path, rule):
    rnd, vigerslev, gammel = _counted(council, rule=rule)
    for district in (vigerslev, gammel):
        path = tmp_path / f"{district.pk}.pb"
        path.write_text(pabulib_io.round_export(rnd, str(district.pk)), encoding="utf-8")
        check = _cli("check", str(path), "--format", "json")
        assert check.returncode == 0, check.stdout + check.stderr
        summary = json.loads(check.stdout)
        assert summary["voters"] == Ballot.objects.filter(round=rnd, district=district).count()
        args = ["outcome", str(path), "--rule", rule, "--format", "json"]
        if rule == Round.Rule.MES:
            args += ["--completion", "add1"]
        recount = _cli(*args)
        assert recount.returncode == 0, recount.stderr
        winners = {int(w) for w in json.loads(recount.stdout)["winners"]}
        funded = set(rnd.projects.filter(district=district, funded=True).values_list("number", flat=True))
        assert winners == funded
        assert "Resident" not in path.read_text()  # voter ids are positions, not people


def test_points_and_ranking_rounds_export_valid_files(council, tmp_path):
    for fields, choices, points in [({"ballot_kind": Round.BallotKind.POINTS, "points_total": 10}, [1, 2], [7, 3]),
                                    ({"ballot_kind": Round.BallotKind.RANKING, "max_projects": 3}, [2, 1], None)]:
        rnd = build_round(council, **fields)
        for _ in range(3):
            voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city",
                               choices=choices, points=points)
        rnd = counting.round_count(council=council, actor=rnd.actor, round=rnd)
        path = tmp_path / f"{rnd.pk}.pb"
        path.write_text(pabulib_io.round_export(rnd, "city"), encoding="utf-8")
        assert _cli("check", str(path)).returncode == 0


def test_import_makes_a_finished_counted_round(council, staff_client):
    rnd, vigerslev, _g = _counted(council)
    text = pabulib_io.round_export(rnd, str(vigerslev.pk))
    admin = staff_client("admin")
    response = admin.post(reverse("staff:pb_round_import"), {
        "file": SimpleUploadedFile("past.pb", text.encode()), "rule": "mes", "completion": "add1"})
    assert response.status_code == 302
    imported = Round.objects.get(imported=True)
    assert imported.is_counted and imported.stage == Round.Stage.RESULT and not imported.published
    assert Ballot.objects.filter(round=imported).count() == 14
    assert set(imported.projects.filter(funded=True).values_list("number", flat=True)) == set(
        rnd.projects.filter(district=vigerslev, funded=True).values_list("number", flat=True))
    # An imported round cannot be opened for voting again.
    from civicpanel.budgeting import services

    with pytest.raises(ValidationError, match="cannot go back|imported"):
        services.round_set_stage(council=council, actor=admin.user, round=imported, stage=Round.Stage.VOTING)


def test_bad_file_changes_nothing_and_names_the_line(council, staff_client):
    admin = staff_client("admin")
    bad = "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;50\nVOTES\nvoter_id;vote\n1;7\n"
    response = admin.post(reverse("staff:pb_round_import"), {
        "file": SimpleUploadedFile("bad.pb", bad.encode()), "rule": "mes", "completion": "add1"},
        HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    # Where and what, in the page's language: the vote for a project the file does not list.
    text = response.content.decode()
    assert "Dette er ikke en gyldig Pabulib-fil" in text
    assert "bad.pb, linje 10" in text and "stemmer på projektet “7”" in text
    assert not Round.objects.exists()
    response = admin.post(reverse("staff:pb_round_import"), {
        "file": SimpleUploadedFile("bin.pb", b"\xff\xfe\x00garbage"), "rule": "mes", "completion": "add1"})
    assert response.status_code == 200 and not Round.objects.exists()


def test_public_open_data_only_after_the_count(council):
    from django.test import Client

    rnd = build_round(council)
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    assert client.get(reverse("budgeting:pabulib", args=[rnd.pk, "city"])).status_code == 404
    voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city", choices=[1])
    counting.round_count(council=council, actor=rnd.actor, round=rnd)
    response = client.get(reverse("budgeting:pabulib", args=[rnd.pk, "city"]))
    assert response.status_code == 200 and b"VOTES" in response.content
