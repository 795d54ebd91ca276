"""`civicpanel weight` and `civicpanel estimate` on files, as a staff member runs them."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from civicpanel import cli

MARGINS = """feature,value,share
gender,woman,0.51
gender,man,0.49
age,15-24,0.15
age,25-44,0.33
age,45-64,0.31
age,65+,0.21
"""


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(11)
    n = 600
    gender = rng.choice(["woman", "man"], n, p=[0.35, 0.65])
    age = rng.choice(["15-24", "25-44", "45-64", "65+"], n, p=[0.08, 0.3, 0.37, 0.25])
    district = rng.choice(["North", "South", "East"], n).astype(object)
    district[:3] = "Islands"  # a district with 3 respondents
    q1 = rng.choice(["yes", "no"], n)
    rating = rng.integers(1, 11, n).astype(str)
    rating[rng.random(n) < 0.1] = ""
    resp = tmp_path / "respondents.csv"
    with resp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "gender", "age", "district", "q1", "rating"])
        for i in range(n):
            w.writerow([i + 1, gender[i], age[i], district[i], q1[i], rating[i]])
    margins = tmp_path / "margins.csv"
    margins.write_text(MARGINS)
    return resp, margins, tmp_path


def _read(path):
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_weight_writes_weights_and_reports_json(files, capsys):
    resp, margins, tmp = files
    out = tmp / "weighted.csv"
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins),
                     "--out", str(out), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("converged", "iterations", "max_margin_error", "design_effect", "effective_n",
                "seconds"):
        assert key in report
    assert report["converged"] is True and report["max_margin_error"] < 1e-9
    rows = _read(out)
    assert len(rows) == 600 and list(rows[0])[:6] == ["id", "gender", "age", "district", "q1", "rating"]
    w = np.array([float(r["weight"]) for r in rows])
    women = sum(wi for wi, r in zip(w, rows, strict=True) if r["gender"] == "woman")
    assert women / w.sum() == pytest.approx(0.51, rel=1e-9)


def test_weight_with_trim_reports_the_cap(files, capsys):
    resp, margins, tmp = files
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins),
                     "--trim", "1.5", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["trim"]["cap_ratio"] == 1.5
    assert "cap_met" in report["trim"]


def test_weight_names_file_line_and_category_of_bad_input(files, capsys):
    resp, margins, tmp = files
    margins.write_text(MARGINS.replace("age,65+,0.21\n", "age,65+,0.11\nage,80+,0.10\n"))
    out = tmp / "weighted.csv"
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins),
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "'80+'" in err and "margins.csv line 8" in err and "Merge '80+' into '65+'" in err
    assert not out.exists()


def test_weight_unknown_category_names_respondent_lines(files, capsys):
    resp, margins, _ = files
    margins.write_text(MARGINS.replace("age,65+,0.21\n", "age,65-79,0.21\n"))
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins)]) == 2
    err = capsys.readouterr().err
    assert "category '65+'" in err and "respondents.csv line" in err


def test_weight_that_does_not_converge_writes_nothing(tmp_path, capsys):
    resp = tmp_path / "r.csv"
    resp.write_text("id,a,b\n1,x,p\n2,x,p\n3,y,q\n4,y,q\n")
    margins = tmp_path / "m.csv"
    margins.write_text("feature,value,share\na,x,0.5\na,y,0.5\nb,p,0.2\nb,q,0.8\n")
    out = tmp_path / "w.csv"
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins),
                     "--out", str(out), "--format", "json", "--max-iterations", "50"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["converged"] is False and report["feature"] in {"a", "b"}
    assert not out.exists()


def test_estimate_shares_by_district_with_suppression(files, capsys):
    resp, margins, tmp = files
    out = tmp / "weighted.csv"
    assert cli.main(["weight", "--respondents", str(resp), "--margins", str(margins),
                     "--out", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["estimate", "--respondents", str(out), "--variable", "q1", "--by",
                     "district", "--margins", str(margins), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "shares" and "raking" in report["se_method"]
    cells = {(e["group"], e["option"]): e for e in report["estimates"]}
    assert cells[("Islands", "yes")]["suppressed"] == "primary"
    assert cells[("Islands", "yes")]["estimate"] is None
    shown = [e for e in report["estimates"] if not e["suppressed"]]
    assert shown and all(e["n"] >= 5 for e in shown)
    every = cells[("All", "yes")]
    assert every["moe"] == pytest.approx(1.959963984540054 * every["se"])
    for key in ("effective_n", "design_effect", "ci_low", "ci_high", "group_n"):
        assert every[key] is not None


def test_estimate_mean_text(files, capsys):
    resp, margins, tmp = files
    out = tmp / "weighted.csv"
    cli.main(["weight", "--respondents", str(resp), "--margins", str(margins), "--out", str(out)])
    capsys.readouterr()
    assert cli.main(["estimate", "--respondents", str(out), "--variable", "rating", "--by", "age",
                     "--margins", str(margins)]) == 0
    text = capsys.readouterr().out
    assert "weighted mean by age" in text and "15-24" in text and "65+" in text


def test_estimate_without_weight_column_says_what_to_do(files, capsys):
    resp, _, _ = files
    assert cli.main(["estimate", "--respondents", str(resp), "--variable", "q1"]) == 2
    err = capsys.readouterr().err
    assert "no column 'weight'" in err


def test_estimate_multiple_choice_splits_answers(tmp_path, capsys):
    resp = tmp_path / "w.csv"
    lines = ["id,transport,weight"]
    rng = np.random.default_rng(12)
    for i in range(200):
        chosen = [o for o in ("bus", "bike", "car") if rng.random() < 0.4]
        lines.append(f"{i},{';'.join(chosen)},{rng.uniform(0.5, 2):.6f}")
    resp.write_text("\n".join(lines) + "\n")
    assert cli.main(["estimate", "--respondents", str(resp), "--variable", "transport",
                     "--type", "multiple", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "multiple" and set(report["options"]) == {"bus", "bike", "car"}
    assert "fixed" in report["se_method"]  # no --margins: weights taken as fixed
    answered = [ln.split(",") for ln in lines[1:] if ln.split(",")[1]]
    w = np.array([float(a[2]) for a in answered])
    bus = np.array(["bus" in a[1].split(";") for a in answered])
    est = next(e for e in report["estimates"] if e["option"] == "bus")
    assert est["estimate"] == pytest.approx(np.sum(w * bus) / w.sum(), rel=1e-9)
