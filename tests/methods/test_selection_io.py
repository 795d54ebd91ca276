"""The people and features sheets, and the `civicpanel select` command."""

from __future__ import annotations

import csv
import json

import pytest

from civicpanel import cli
from civicpanel.methods.selection import InputFileError, read_features, read_people

FEATURES = """feature,value,min,max
gender,female,2,3
gender,male,2,3
district,Valby,1,4
district,Vigerslev,1,4
"""

PEOPLE_ROWS = [("a1", "female", "Valby"), ("a2", "female", "Vigerslev"), ("a3", "male", "Valby"),
               ("a4", "male", "Vigerslev"), ("a5", "female", "Valby"), ("a6", "male", "Valby"),
               ("a7", "female", "Vigerslev"), ("a8", "male", "Valby")]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def people_csv(rows=PEOPLE_ROWS, sep=","):
    lines = [sep.join(["id", "name", "gender", "district"])]
    lines += [sep.join([pid, f"Name {pid}", g, d]) for pid, g, d in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def files(tmp_path):
    return write(tmp_path / "people.csv", people_csv()), write(tmp_path / "features.csv", FEATURES)


def test_reads_the_sortition_foundation_layout(files):
    people, features_path = files
    features = read_features(features_path)
    assert features.names == ("gender", "district")
    assert features.quota("district", "Vigerslev").min == 1
    pool, table = read_people(people, features)
    assert pool.ids == tuple(r[0] for r in PEOPLE_ROWS)
    assert pool.values["district"][1] == "Vigerslev"
    assert table.header == ["id", "name", "gender", "district"]


def test_semicolons_a_byte_order_mark_and_case_are_accepted(tmp_path):
    features = read_features(write(tmp_path / "f.csv", "\ufeff" + FEATURES.replace(",", ";")))
    rows = [(pid, g.upper(), d.lower()) for pid, g, d in PEOPLE_ROWS]
    pool, _ = read_people(write(tmp_path / "p.csv", people_csv(rows, sep=";")), features)
    assert pool.values["gender"][0] == "female" and pool.values["district"][1] == "Vigerslev"


def test_old_category_name_headers_and_flex_columns(tmp_path):
    text = "category,name,min,max,min_flex,max_flex\ngender,female,2,3,1,5\ngender,male,2,3,,\n"
    features = read_features(write(tmp_path / "f.csv", text))
    assert features.quota("gender", "female").min_flex == 1
    assert features.quota("gender", "female").max_flex == 5
    assert features.quota("gender", "male").min_flex is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feature,value,minimum,max\ngender,female,1,2\n", "f.csv, line 1: need 'min' and 'max' columns"),
        ("feature,min,max\ngender,1,2\n", "f.csv, line 1: no column 'value'"),
        ("feature,value,min,max\ngender,female,1,2\n\ngender,male,1,2\n", "f.csv, line 3: empty line"),
        ("feature,value,min,max\ngender,female,one,2\n", "f.csv, line 2: min 'one' is not a whole number"),
        ("feature,value,min,max\ngender,female,3,2\n", "f.csv, line 2: min 3 is greater than max 2"),
        ("feature,value,min,max\ngender,female,1,2\ngender,Female,1,2\n", "f.csv, line 3: gender Female is already on line 2"),
        ("feature,value,min,max,min_flex,max_flex\ngender,female,1,2,2,3\n", "f.csv, line 2: min_flex 2 is greater than min 1"),
    ],
)
def test_feature_file_problems_name_the_file_and_line(tmp_path, text, message):
    with pytest.raises(InputFileError) as err:
        read_features(write(tmp_path / "f.csv", text))
    assert any(message in p for p in err.value.problems), err.value.problems


def test_people_file_problems_are_all_reported_with_their_lines(tmp_path):
    features = read_features(write(tmp_path / "f.csv", FEATURES))
    text = people_csv(PEOPLE_ROWS[:3] + [("a2", "male", "Valby"), ("a9", "other", "Valby")])
    text = text.replace("a3,Name a3,male,Valby\n", "a3,Name a3,male,Valby\n\n")
    with pytest.raises(InputFileError) as err:
        read_people(write(tmp_path / "p.csv", text), features)
    problems = err.value.problems
    assert any("p.csv, line 5: empty line" in p for p in problems), problems
    # once the empty line is fixed, the other problems are reported together
    with pytest.raises(InputFileError) as err:
        read_people(write(tmp_path / "p.csv", text.replace("\n\n", "\n")), features)
    problems = err.value.problems
    assert any("p.csv, line 5: duplicate id 'a2' (also on line 3)" in p for p in problems), problems
    assert any("p.csv, line 6: unknown gender 'other' (the features file lists: female, male)" in p
               for p in problems), problems


def test_people_file_without_a_feature_column(tmp_path):
    features = read_features(write(tmp_path / "f.csv", FEATURES))
    text = "id,gender\na1,female\n"
    with pytest.raises(InputFileError) as err:
        read_people(write(tmp_path / "p.csv", text), features)
    assert err.value.problems == [f"{tmp_path / 'p.csv'}, line 1: no column 'district' (the header is: id, gender)"]


def run(capsys, *args):
    code = cli.main(["select", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_is_one_object_with_what_a_council_needs(files, capsys, tmp_path):
    people, features = files
    out_path = tmp_path / "selected.csv"
    code, out, _ = run(capsys, "--people", people, "--features", features, "--size", 4, "--seed", 7,
                       "--reserve", 2, "--out", out_path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data["selected"]) == 4 and len(data["reserve"]) == 2
    assert data["quotas_met"] is True and data["seed"] == 7 and data["method"] == "leximin"
    assert set(data["probabilities"]) == {r[0] for r in PEOPLE_ROWS}
    assert sum(data["probabilities"].values()) == pytest.approx(4)
    assert data["min_probability"] == pytest.approx(min(data["probabilities"].values()))
    assert data["panels_mixed"] >= 1 and data["seconds"] >= 0
    with open(out_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows if r["status"] == "selected"] == data["selected"]
    assert [r["id"] for r in rows if r["status"] == "reserve"] == data["reserve"]
    assert rows[0]["name"].startswith("Name ")
    code, again, _ = run(capsys, "--people", people, "--features", features, "--size", 4, "--seed", 7,
                         "--reserve", 2, "--format", "json")
    assert json.loads(again)["selected"] == data["selected"]


def test_cli_text_output_and_maximin(files, capsys):
    people, features = files
    code, out, _ = run(capsys, "--people", people, "--features", features, "--size", 4, "--seed", 1,
                       "--method", "maximin")
    assert code == 0
    assert "maximin panel of 4, seed 1: all quotas met: yes" in out
    assert "district Vigerslev:" in out


def test_cli_infeasible_quotas_draw_nothing_and_explain(tmp_path, capsys):
    people = write(tmp_path / "p.csv", people_csv())
    features = write(tmp_path / "f.csv", FEATURES.replace("district,Vigerslev,1,4", "district,Vigerslev,5,6"))
    code, out, err = run(capsys, "--people", people, "--features", features, "--size", 6, "--seed", 1)
    assert code == 2 and out == ""
    assert "Nothing was drawn." in err
    assert "district Vigerslev: min 5, but only 3 such volunteers" in err
    assert "district Vigerslev: min 5 -> 3" in err
    code, out, _ = run(capsys, "--people", people, "--features", features, "--size", 6, "--seed", 1,
                       "--format", "json")
    data = json.loads(out)
    assert data["error"] == "InfeasibleQuotasError"
    assert {"feature": "district", "value": "Vigerslev", "bound": "min", "old": 5, "new": 3} in data["relaxation"]


def test_cli_bad_file_draws_nothing(tmp_path, capsys):
    people = write(tmp_path / "p.csv", people_csv(PEOPLE_ROWS + [("a1", "male", "Valby")]))
    features = write(tmp_path / "f.csv", FEATURES)
    code, out, err = run(capsys, "--people", people, "--features", features, "--size", 4, "--seed", 1)
    assert code == 2 and out == ""
    assert "p.csv, line 10: duplicate id 'a1' (also on line 2)" in err
