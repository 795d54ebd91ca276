"""`civicpanel pb`: JSON outcome, file check, and the error with its line number."""

import json
from pathlib import Path

from civicpanel import cli

DATA = Path(__file__).parent / "data" / "pabulib"


def test_outcome_json_has_sorted_winners_cost_budget_and_seconds(capsys):
    assert cli.main(["pb", "outcome", str(DATA / "approval_small.pb"), "--rule", "greedy", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["winners"] == ["1", "3"]
    assert data["total_cost"] == 100 and data["budget"] == 100
    assert data["seconds"] >= 0


def test_outcome_mes_with_completion(capsys):
    code = cli.main(["pb", "outcome", str(DATA / "approval_small.pb"), "--rule", "mes", "--completion", "none",
                     "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rule"] == "mes" and data["options"]["completion"] == "none"
    assert data["total_cost"] <= 100


def test_outcome_text_with_explanations(capsys):
    assert cli.main(["pb", "outcome", str(DATA / "approval_small.pb"), "--rule", "greedy", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "funded 2 of 4 projects for EUR 100 of EUR 100" in out
    assert "2: Not funded" in out


def test_check_prints_the_summary(capsys):
    assert cli.main(["pb", "check", str(DATA / "cumulative_small.pb")]) == 0
    out = capsys.readouterr().out
    for line in ("projects: 3", "voters: 3", "vote_type: cumulative", "budget: 10"):
        assert line in out


def test_check_of_a_broken_file_fails_with_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.pb"
    bad.write_text((DATA / "approval_small.pb").read_text().replace("c;1,3", "c;1,9"))
    assert cli.main(["pb", "check", str(bad)]) != 0
    err = capsys.readouterr().err
    assert "line 24" in err and "'9'" in err


def test_outcome_of_a_broken_file_computes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.pb"
    bad.write_text((DATA / "approval_small.pb").read_text().replace("2;50;3", "2;fifty;3"))
    assert cli.main(["pb", "outcome", str(bad), "--format", "json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "line 17" in captured.err


def test_prepare_compiles_the_counting_code_ahead_of_the_first_count(capsys):
    assert cli.main(["pb", "prepare"]) == 0
    assert "counting code ready" in capsys.readouterr().out
