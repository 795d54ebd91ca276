"""Pabulib files: every vote type is read exactly, broken files are refused with the line, and
what we write reads back the same."""

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.budgeting import (
    PabulibError,
    make_election,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)

DATA = Path(__file__).parent / "data" / "pabulib"


def test_approval_file_is_read_with_every_field():
    e = read_pabulib(DATA / "approval_small.pb")
    assert e.vote_type == "approval"
    assert e.budget == 100
    assert list(e.projects) == ["1", "2", "3", "4"]
    assert e.projects["2"].cost == 50 and e.projects["2"].name == "Bike lane"
    assert e.projects["1"].extra["selected"] == "1"
    assert [b.projects for b in e.ballots] == [("1", "2"), ("1", "2", "3"), ("1", "3"), ("1", "2"), ()]
    assert e.vote_counts() == {"1": 4, "2": 3, "3": 2, "4": 0}


def test_empty_ballot_is_kept_as_a_voter():
    e = read_pabulib(DATA / "approval_small.pb")
    assert len(e.ballots) == 5
    assert e.ballots[-1].voter_id == "e" and e.ballots[-1].projects == ()


def test_cumulative_file_keeps_points_and_decimal_costs():
    e = read_pabulib(DATA / "cumulative_small.pb")
    assert e.vote_type == "cumulative"
    assert e.projects["z"].cost == Fraction(5, 2)
    assert e.ballots[0].projects == ("x", "y") and e.ballots[0].points == (4, 1)
    assert e.ballots[2].extra == {"age": "52"}


def test_ordinal_file_keeps_the_ranking_order():
    e = read_pabulib(DATA / "ordinal_small.pb")
    assert e.vote_type == "ordinal"
    assert e.ballots[2].projects == ("C", "D", "B")


def test_scoring_file_reads_points():
    e = read_pabulib(DATA / "scoring_small.pb")
    assert e.vote_type == "scoring"
    assert e.ballots[0].points == (1, 2, 3)


GOOD = """META
key;value
budget;100
vote_type;approval
max_length;2
PROJECTS
project_id;cost;name
1;60;A
2;50;B
3;40;C
VOTES
voter_id;vote
a;1,2
b;3
"""


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (broken("b;3\n", "b;7\n"), 14, ["'7'", "not in PROJECTS"]),
        (broken("2;50;B", "2;fifty;B"), 9, ["'fifty'", "not a number"]),
        (broken("b;3\n", "b;1,2,3\n"), 14, ["3 projects", "max_length 2"]),
        (broken("a;1,2\n", "a;1,1\n"), 13, ["same project twice"]),
        (broken("3;40;C", "3;40"), 10, ["2 fields", "header has 3"]),
        (broken("1;60;A", "2;60;A"), 9, ["'2'", "listed twice"]),
        (broken("vote_type;approval", "vote_type;likert"), 4, ["likert"]),
        (broken("budget;100", "budget;lots"), 3, ["'lots'", "not a number"]),
    ],
)
def test_broken_file_names_the_line_and_the_problem(text, line, words):
    with pytest.raises(PabulibError) as err:
        parse_pabulib(text, path="round.pb")
    assert err.value.line == line
    message = str(err.value)
    assert message.startswith(f"round.pb, line {line}: ")
    for w in words:
        assert w in message


def test_missing_votes_section_is_refused():
    text = GOOD.split("VOTES")[0]
    with pytest.raises(PabulibError, match="no VOTES section"):
        parse_pabulib(text, path="round.pb")


def test_missing_projects_section_is_refused_before_anything_is_counted():
    text = GOOD.replace("PROJECTS\nproject_id;cost;name\n1;60;A\n2;50;B\n3;40;C\n", "")
    with pytest.raises(PabulibError) as err:
        parse_pabulib(text)
    # the votes name projects that do not exist, or the section is missing: either way, refused
    assert "PROJECTS" in str(err.value)


def test_points_must_match_the_projects():
    text = (DATA / "cumulative_small.pb").read_text().replace("1;x,y;4,1;30", "1;x,y;4;30")
    with pytest.raises(PabulibError, match=r"line 19: .*2 projects but 1 points"):
        parse_pabulib(text)


def test_unreadable_path_is_a_pabulib_error(tmp_path):
    with pytest.raises(PabulibError, match="cannot open"):
        read_pabulib(tmp_path / "nope.pb")


@pytest.mark.parametrize("name", ["approval_small.pb", "cumulative_small.pb", "ordinal_small.pb", "scoring_small.pb"])
def test_written_file_reads_back_the_same(name, tmp_path):
    e = read_pabulib(DATA / name)
    out = tmp_path / name
    write_pabulib(e, out)
    again = read_pabulib(out)
    assert again.meta == e.meta | {"num_projects": str(len(e.projects)), "num_votes": str(len(e.ballots))} or \
        again.meta == e.meta
    assert again.projects == e.projects
    assert [p.extra for p in again.projects.values()] == [p.extra for p in e.projects.values()]
    assert again.ballots == e.ballots
    assert [b.extra for b in again.ballots] == [b.extra for b in e.ballots]


@settings(max_examples=40, deadline=None)
@given(
    costs=st.lists(st.fractions(min_value=0, max_value=10**6).map(lambda f: Fraction(round(f * 100), 100)),
                   min_size=1, max_size=6),
    data=st.data(),
)
def test_any_round_made_in_civicpanel_survives_a_round_trip(costs, data):
    ids = [f"p{i}" for i in range(len(costs))]
    ballots = data.draw(st.lists(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)), max_size=8))
    e = make_election(budget=sum(costs), projects=dict(zip(ids, costs, strict=True)), ballots=ballots,
                      names={i: f"Project; \"{i}\"" for i in ids})
    again = parse_pabulib(write_pabulib(e))
    assert again.projects == e.projects
    assert [p.name for p in again.projects.values()] == [p.name for p in e.projects.values()]
    assert [b.projects for b in again.ballots] == [b.projects for b in e.ballots]
    assert again.budget == e.budget
