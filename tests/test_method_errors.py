"""Every error the methods raise reaches a page as a sentence in the staff member's language:
each kind is raised for real, and its text is checked in Danish, Norwegian Bokmål and English."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from django.utils import translation

from civicpanel.common.method_errors import MESSAGES, method_error_text, problem_text
from civicpanel.methods.budgeting import count
from civicpanel.methods.budgeting.counting import make_election
from civicpanel.methods.budgeting.districts import count_districts
from civicpanel.methods.budgeting.pabulib import parse_pabulib, read_pabulib
from civicpanel.methods.budgeting.profile import build_profile
from civicpanel.methods.budgeting.ties import tie_order
from civicpanel.methods.disclosure import suppress_line, suppress_linked, suppress_table
from civicpanel.methods.errors import MethodError, Problem
from civicpanel.methods.estimation import (
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)
from civicpanel.methods.representativity import r_indicator
from civicpanel.methods.selection import (
    Features,
    Pool,
    Quota,
    read_features,
    read_people,
    select_panel,
    stratified_sample,
)
from civicpanel.methods.weighting import (
    Margin,
    check_margins,
    encode_feature,
    poststratify,
    rake,
    read_margins_csv,
)
from civicpanel.methods.weighting.raking import build_calibration
from civicpanel.methods.weighting.table import parse_numbers, read_table

ROOT = Path(__file__).resolve().parents[1] / "civicpanel" / "methods"
CODE = re.compile(r'code\s*=\s*"([a-z_]+\.[a-z_]+)"')


def _codes_in_methods() -> set[str]:
    return {code for path in ROOT.rglob("*.py") if "cli" not in path.name for code in CODE.findall(path.read_text())}


def _m(name, shares, kind="share"):
    return Margin(name, tuple(f"c{i}" for i in range(len(shares))), tuple(shares), kind)


def _codes(*values):
    return np.array(values, dtype=np.int64)


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _triggers(tmp_path):
    """code -> a call that raises that error kind for real."""
    g = _m("g", (0.5, 0.5))
    quota = (Quota("g", "a", 0, 10, population=1.0), Quota("g", "b", 0, 10, population=1.0))
    features = Features(quota)
    pool = Pool.build(["1", "2", "3"], {"g": ["a", "b", "a"]}, features)
    cal = calibration_from_weights(np.ones(4))
    people = "id,g\n1,a\n2,b\n"
    return {
        "weighting.no_margins": lambda: check_margins([]),
        "weighting.mixed_kinds": lambda: check_margins([g, _m("h", (5, 5), "count")]),
        "weighting.feature_twice": lambda: check_margins([g, g]),
        "weighting.figure_count": lambda: check_margins([Margin("g", ("a", "b"), (1.0,))]),
        "weighting.no_categories": lambda: check_margins([Margin("g", (), ())]),
        "weighting.category_twice": lambda: check_margins([Margin("g", ("a", "a"), (0.5, 0.5))]),
        "weighting.bad_figure": lambda: check_margins([_m("g", (-0.5, 1.5))]),
        "weighting.all_zero": lambda: check_margins([_m("g", (0, 0), "count")]),
        "weighting.shares_sum": lambda: check_margins([_m("g", (0.5, 0.3))]),
        "weighting.counts_differ": lambda: check_margins([_m("g", (5, 5), "count"), _m("h", (50, 50), "count")]),
        "weighting.zero_population": lambda: rake({"g": _codes(0, 1)}, [_m("g", (1.0, 0.0))]),
        "weighting.empty_category": lambda: rake({"g": _codes(0, 0)}, [g]),
        "weighting.not_converged": lambda: rake({"g": _codes(0, 1, 1), "h": _codes(0, 1, 1)},
                                                [_m("g", (0.5, 0.5)), _m("h", (0.9, 0.1))], max_iterations=3),
        "weighting.empty_cell": lambda: poststratify({"g": _codes(0, 0)}, ["g"], [("a", "b")], np.array([1, 1])),
        "weighting.zero_population_cell": lambda: poststratify({"g": _codes(0, 1)}, ["g"], [("a", "b")],
                                                               np.array([1, 0])),
        "weighting.table_shape": lambda: poststratify({"g": _codes(0, 1)}, ["g"], [("a", "b")], np.ones(3)),
        "weighting.table_values": lambda: poststratify({"g": _codes(0, 1)}, ["g"], [("a", "b")], np.zeros(2)),
        "weighting.empty_value": lambda: encode_feature(["a", ""], Margin("g", ("a",), (1.0,))),
        "weighting.unknown_category": lambda: encode_feature(["a", "z"], Margin("g", ("a",), (1.0,))),
        "weighting.missing_feature": lambda: rake({}, [g]),
        "weighting.codes_not_integers": lambda: rake({"g": np.array([0.5, 1.0])}, [g]),
        "weighting.length_differs": lambda: rake({"g": _codes(0, 1), "h": _codes(0)}, [g, _m("h", (0.5, 0.5))]),
        "weighting.code_out_of_range": lambda: rake({"g": _codes(0, 2)}, [g]),
        "weighting.no_respondents": lambda: rake({"g": _codes()}, [g]),
        "weighting.weight_count": lambda: rake({"g": _codes(0, 1)}, [g], design_weights=np.ones(3)),
        "weighting.bad_weight": lambda: rake({"g": _codes(0, 1)}, [g], design_weights=np.array([1.0, -1.0])),
        "weighting.too_many_cells": lambda: build_calibration([_codes(0)] * 4, [2**16] * 4, ["a", "b", "c", "d"]),
        "weighting.bad_tolerance": lambda: rake({"g": _codes(0, 1)}, [g], tolerance=0),
        "weighting.bad_trim": lambda: rake({"g": _codes(0, 1)}, [g], trim=0.5),
        "weighting.file_open": lambda: read_margins_csv(tmp_path / "nowhere.csv"),
        "weighting.margins_file_empty": lambda: read_margins_csv(_file(tmp_path, "m0.csv", "")),
        "weighting.margins_header": lambda: read_margins_csv(_file(tmp_path, "m1.csv", "a,b\n")),
        "weighting.margins_fields": lambda: read_margins_csv(_file(tmp_path, "m2.csv", "feature,value,share\ng,a\n")),
        "weighting.margins_empty_cell": lambda: read_margins_csv(_file(tmp_path, "m3.csv",
                                                                       "feature,value,share\ng,,1\n")),
        "weighting.margins_not_number": lambda: read_margins_csv(_file(tmp_path, "m4.csv",
                                                                       "feature,value,share\ng,a,x\n")),
        "weighting.margins_negative": lambda: read_margins_csv(_file(tmp_path, "m5.csv",
                                                                     "feature,value,share\ng,a,-1\n")),
        "weighting.margins_twice": lambda: read_margins_csv(_file(tmp_path, "m6.csv",
                                                                  "feature,value,share\ng,a,1\ng,a,1\n")),
        "weighting.margins_no_rows": lambda: read_margins_csv(_file(tmp_path, "m7.csv", "feature,value,share\n")),
        "weighting.no_column": lambda: read_table(_file(tmp_path, "r1.csv", "id\n1\n")).column("g", "feature"),
        "weighting.respondents_file_empty": lambda: read_table(_file(tmp_path, "r2.csv", "")),
        "weighting.column_twice": lambda: read_table(_file(tmp_path, "r3.csv", "id,id\n1,2\n")),
        "weighting.fields": lambda: read_table(_file(tmp_path, "r4.csv", "id,g\n1\n")),
        "weighting.respondents_no_rows": lambda: read_table(_file(tmp_path, "r5.csv", "id,g\n")),
        "weighting.number_empty": lambda: parse_numbers(read_table(_file(tmp_path, "r6.csv", "id,w\n1,\n")), "w",
                                                        "weight", allow_empty=False),
        "weighting.not_number": lambda: parse_numbers(read_table(_file(tmp_path, "r7.csv", "id,w\n1,x\n")), "w",
                                                      "weight", allow_empty=True),
        "estimation.length_differs": lambda: estimate_mean(cal, np.ones(3)),
        "estimation.negative_code": lambda: calibration_from_weights(np.ones(2), {"g": _codes(0, -1)}, {"g": 2}),
        "estimation.bad_confidence": lambda: estimate_mean(cal, np.ones(4), confidence=2),
        "estimation.group_codes": lambda: estimate_mean(cal, np.ones(4), by=np.ones(4) / 2, by_labels=["a"]),
        "estimation.group_labels": lambda: estimate_mean(cal, np.ones(4), by=_codes(0, 1, 2, 2), by_labels=["a"]),
        "estimation.answer_code": lambda: estimate_shares(cal, _codes(0, 1, 5, 0), ["a", "b"]),
        "estimation.multiple_shape": lambda: estimate_multiple(cal, np.ones((4, 3)), ["a", "b"]),
        "disclosure.shape": lambda: suppress_table(np.ones(3)),
        "disclosure.counts": lambda: suppress_line(np.array([1, -2])),
        "disclosure.linked": lambda: suppress_linked(np.array([5, 6]), [np.array([[2, 2], [3, 3]])]),
        "representativity.too_few": lambda: r_indicator({"g": _codes(0)}, {"g": 1}, [True]),
        "representativity.length": lambda: r_indicator({"g": _codes(0, 1, 0)}, {"g": 2}, [True, False]),
        "representativity.category": lambda: r_indicator({"g": _codes(0, 5)}, {"g": 2}, [True, False]),
        "representativity.design_weights": lambda: r_indicator({"g": _codes(0, 1)}, {"g": 2}, [True, False],
                                                               design_weights=np.array([1.0, 0.0])),
        "selection.population_missing": lambda: stratified_sample(
            Pool.build(["1"], {"g": ["a"]}, Features((Quota("g", "a"),))), Features((Quota("g", "a"),)), 1, 1),
        "selection.population_zero": lambda: stratified_sample(
            Pool.build(["1"], {"g": ["a"]}, Features((Quota("g", "a", population=0.0),))),
            Features((Quota("g", "a", population=0.0),)), 1, 1),
        "selection.bad_size": lambda: stratified_sample(pool, features, 0, 1),
        "selection.bad_seed": lambda: stratified_sample(pool, features, 1, -1),
        "selection.unknown_design": lambda: stratified_sample(pool, features, 1, 1, design="by hand"),
        "selection.bad_reserve": lambda: select_panel(pool, features, 1, 1, reserve=-1),
        "selection.unknown_method": lambda: select_panel(pool, features, 1, 1, method="lucky"),
        "selection.quota_listed_twice": lambda: Features((Quota("g", "a"), Quota("g", "a"))),
        "selection.bounds_order": lambda: Features((Quota("g", "a", 3, 1),)),
        "selection.pool": lambda: Pool.build(["1", "1"], {"g": ["a", "z"]}, features),
        "selection.infeasible_quotas": lambda: select_panel(
            pool, Features((Quota("g", "a", 3, 3), Quota("g", "b", 0, 3))), 3, 1),
        "selection.input_file": lambda: read_features(_file(tmp_path, "f1.csv", "feature,value,min,max\ng,a,x,1\n")),
        "selection.file_not_found": lambda: read_features(tmp_path / "missing.csv"),
        "selection.not_utf8": lambda: read_features(_bytes(tmp_path, "f2.csv", b"feature\xff\n")),
        "selection.file_empty": lambda: read_features(_file(tmp_path, "f3.csv", "")),
        "selection.empty_line": lambda: read_features(_file(tmp_path, "f4.csv", "feature,value,min,max\n\ng,a,0,1\n")),
        "selection.cells": lambda: read_features(_file(tmp_path, "f5.csv", "feature,value,min,max\ng,a\n")),
        "selection.column_twice": lambda: read_features(_file(tmp_path, "f6.csv", "feature,feature,value,min,max\n"
                                                                                 "g,g,a,0,1\n")),
        "selection.no_column": lambda: read_features(_file(tmp_path, "f7.csv", "value,min,max\na,0,1\n")),
        "selection.min_max_together": lambda: read_features(_file(tmp_path, "f8.csv", "feature,value,min,population\n"
                                                                                     "g,a,0,1\n")),
        "selection.no_bounds": lambda: read_features(_file(tmp_path, "f9.csv", "feature,value\ng,a\n")),
        "selection.feature_value_empty": lambda: read_features(_file(tmp_path, "fa.csv", "feature,value,min,max\n"
                                                                                        ",a,0,1\n")),
        "selection.quota_twice": lambda: read_features(_file(tmp_path, "fb.csv", "feature,value,min,max\ng,a,0,1\n"
                                                                                "g,a,0,1\n")),
        "selection.bound_missing": lambda: read_features(_file(tmp_path, "fc.csv", "feature,value,min,max\ng,a,,1\n")),
        "selection.not_whole": lambda: read_features(_file(tmp_path, "fd.csv", "feature,value,min,max\ng,a,x,1\n")),
        "selection.bad_population": lambda: read_features(_file(tmp_path, "fe.csv", "feature,value,population\n"
                                                                                   "g,a,-1\n")),
        "selection.min_negative": lambda: read_features(_file(tmp_path, "ff.csv", "feature,value,min,max\ng,a,-1,1\n")),
        "selection.min_above_max": lambda: read_features(_file(tmp_path, "fg.csv", "feature,value,min,max\ng,a,2,1\n")),
        "selection.min_flex": lambda: read_features(_file(tmp_path, "fh.csv", "feature,value,min,max,min_flex\n"
                                                                             "g,a,1,2,3\n")),
        "selection.max_flex": lambda: read_features(_file(tmp_path, "fi.csv", "feature,value,min,max,max_flex\n"
                                                                             "g,a,1,2,1\n")),
        "selection.no_features": lambda: read_features(_file(tmp_path, "fj.csv", "feature,value,min,max\n")),
        "selection.no_id": lambda: read_people(_file(tmp_path, "p1.csv", "id,g\n,a\n"), features),
        "selection.id_twice": lambda: read_people(_file(tmp_path, "p2.csv", "id,g\n1,a\n1,b\n"), features),
        "selection.unknown_value": lambda: read_people(_file(tmp_path, "p3.csv", "id,g\n1,z\n"), features),
        "selection.bad_rate": lambda: read_people(_file(tmp_path, "p4.csv", people.replace("id,g", "id,g,r")
                                                        .replace("1,a", "1,a,2").replace("2,b", "2,b,0.5")),
                                                  features, response_rate_column="r"),
    }


PB = "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;50\n2;60\nVOTES\nvoter_id;vote\n"


def _pb(text: str):
    return lambda: parse_pabulib(text, path="round.pb")


def _budgeting(tmp_path):
    election = make_election(budget=100, projects={"1": 50, "2": 60}, ballots=[["1"], ["2"]])
    big = make_election(budget=100, projects={"1": 50}, ballots=[{"1": 10**9}], vote_type="cumulative")
    return {
        "budgeting.bad_option_value": lambda: count(election, "mes", completion="none-such"),
        "budgeting.bad_step": lambda: count(election, "mes", step=0),
        "budgeting.unknown_option": lambda: count(election, "mes", colour="red"),
        "budgeting.options_twice": lambda: count(election, "mes", options=count.__globals__["Options"](), step=1),
        "budgeting.unknown_rule": lambda: count(election, "lottery"),
        "budgeting.ballot_project": lambda: make_election(budget=10, projects={"1": 5}, ballots=[["9"]]),
        "budgeting.district_twice": lambda: count_districts([election, election]),
        "budgeting.table_too_large": lambda: count(big, "utilitarian"),
        "budgeting.pabulib_file": lambda: read_pabulib(tmp_path / "none.pb"),
        "budgeting.file_open": lambda: read_pabulib(tmp_path / "none.pb"),
        "budgeting.not_utf8": lambda: read_pabulib(_bytes(tmp_path, "bad.pb", b"META\xff\n")),
        "budgeting.pabulib_text": lambda: parse_pabulib("budget;1\n"),
        "budgeting.section_twice": _pb(PB + "META\n"),
        "budgeting.no_meta_first": _pb("key;value\n"),
        "budgeting.fields": _pb(PB.replace("1;50", "1;50;x")),
        "budgeting.project_id_empty": _pb(PB.replace("1;50", ";50")),
        "budgeting.project_twice": _pb(PB.replace("2;60", "1;60")),
        "budgeting.cost_not_number": _pb(PB.replace("1;50", "1;x")),
        "budgeting.cost_negative": _pb(PB.replace("1;50", "1;-5")),
        "budgeting.no_section": _pb(PB.split("VOTES")[0]),
        "budgeting.no_header": _pb(PB.split("VOTES")[0] + "VOTES\n"),
        "budgeting.no_budget": _pb(PB.replace("budget;100\n", "")),
        "budgeting.budget_not_number": _pb(PB.replace("budget;100", "budget;lots")),
        "budgeting.budget_negative": _pb(PB.replace("budget;100", "budget;-1")),
        "budgeting.vote_type": _pb(PB.replace("vote_type;approval", "vote_type;shouting")),
        "budgeting.no_points": _pb(PB.replace("vote_type;approval", "vote_type;cumulative")),
        "budgeting.voter_twice": _pb(PB + "a;1\na;2\n"),
        "budgeting.unknown_project": _pb(PB + "a;7\n"),
        "budgeting.project_named_twice": _pb(PB + "a;1,1\n"),
        "budgeting.too_many_projects": _pb(PB.replace("vote_type;approval", "vote_type;approval\nmax_length;1")
                                           + "a;1,2\n"),
        "budgeting.choose_one": _pb(PB.replace("vote_type;approval", "vote_type;choose-1") + "a;1,2\n"),
        "budgeting.points_count": _pb(PB.replace("vote_type;approval", "vote_type;cumulative")
                                      .replace("voter_id;vote", "voter_id;vote;points") + "a;1,2;5\n"),
        "budgeting.points_not_numbers": _pb(PB.replace("vote_type;approval", "vote_type;cumulative")
                                            .replace("voter_id;vote", "voter_id;vote;points") + "a;1;x\n"),
        "budgeting.points_negative": _pb(PB.replace("vote_type;approval", "vote_type;cumulative")
                                         .replace("voter_id;vote", "voter_id;vote;points") + "a;1;-5\n"),
        "budgeting.meta_header": _pb(PB.replace("key;value", "k;v")),
        "budgeting.header_column": _pb(PB.replace("project_id;cost", "project_id;price")),
        "budgeting.header_twice": _pb(PB.replace("project_id;cost", "project_id;cost;cost").replace("1;50", "1;50;50")
                                      .replace("2;60", "2;60;60")),
        "budgeting.meta_not_whole": _pb(PB.replace("vote_type;approval", "vote_type;approval\nmax_length;x")),
        "budgeting.ordinal": lambda: build_profile(election, ordinal_scoring="sideways"),
        "budgeting.ties": lambda: tie_order(build_profile(election), "coin"),
    }


def _bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# Problems inside a list (of a file, of the pool, of the quotas) are kinds of their own.
LISTED = {"selection.pool_id_twice", "selection.pool_no_column", "selection.pool_length",
          "selection.pool_unknown_value", "selection.pool_rates", "selection.pool_too_small",
          "selection.min_unavailable", "selection.mins_too_high", "selection.maxes_too_low", "selection.colliding",
          "selection.shortfall"}
# Raised only for input the web layer never builds (internal consistency of a solver run).
NOT_RAISED_FROM_INPUT = {"selection.no_sample", "budgeting.pabulib_error"}


def _raised(call) -> MethodError:
    with pytest.raises(MethodError) as caught:
        call()
    return caught.value


def _all_problems(error) -> list[Problem]:
    found = []
    for value in error.params.values():
        if isinstance(value, list):
            found += [p for p in value if isinstance(p, Problem)]
        elif isinstance(value, Problem):
            found.append(value)
    return found


def test_every_code_the_methods_raise_has_a_sentence():
    codes = _codes_in_methods()
    assert len(codes) > 100
    assert codes <= set(MESSAGES), sorted(codes - set(MESSAGES))


def test_every_error_kind_is_raised_and_read_in_three_languages(tmp_path):
    triggers = {**_triggers(tmp_path), **_budgeting(tmp_path)}
    seen: set[str] = set()
    for code, call in triggers.items():
        error = _raised(call)
        listed = {p.code for p in _all_problems(error)}
        if code in ("budgeting.ordinal", "budgeting.ties"):
            code = "budgeting.bad_option_value"
        assert code == error.code or code in listed, (code, error.code, str(error))
        seen.update({error.code} | listed)
        texts = {}
        for language in ("en", "da", "nb"):
            with translation.override(language):
                texts[language] = method_error_text(error)
        assert "%(" not in "".join(texts.values()), texts
        # The English sentence is the catalogue's own; Danish and Norwegian are translated.
        with translation.override("en"):
            english = str(MESSAGES[error.code])
        assert texts["en"].startswith(english.split("%(")[0])
        assert texts["da"] != texts["en"] and texts["nb"] != texts["en"], (code, texts)
        # The values reach the sentence (a feature's name, a file's name).
        for key in ("feature", "file", "category", "voter", "project"):
            value = error.params.get(key)
            if isinstance(value, str) and value:
                assert all(value in text for text in texts.values()), (code, key, texts)
    # Every problem listed inside an error reads in all three languages too.
    shortfall = stratified_sample(Pool.build(["1", "2"], {"g": ["a", "a"]}, Features((
        Quota("g", "a", population=1.0), Quota("g", "b", population=1.0)))),
        Features((Quota("g", "a", population=1.0), Quota("g", "b", population=1.0))), 2, 1).shortfalls
    seen.update(p.code for p in shortfall)
    pool = Pool.build(["1", "2"], {"g": ["a", "b"]}, Features((Quota("g", "a"), Quota("g", "b"))))
    for quotas, size in (((Quota("g", "a", 3, 3), Quota("g", "b", 0, 3)), 3),
                         ((Quota("g", "a", 2, 2), Quota("g", "b", 2, 2)), 2),
                         ((Quota("g", "a", 0, 0), Quota("g", "b", 0, 1)), 2),
                         ((Quota("g", "a", 1, 1), Quota("g", "b", 0, 0)), 2)):
        seen.update(p.code for p in _all_problems(_raised(lambda q=quotas, s=size: select_panel(pool, Features(q), s, 1))))
    bad_pool = _raised(lambda: Pool.build(["1", "1"], {"h": ["a"]}, Features((Quota("g", "a"),))))
    seen.update(p.code for p in _all_problems(bad_pool))
    for problem in _all_problems(bad_pool) + list(shortfall):
        for language in ("da", "nb"):
            with translation.override(language):
                assert problem_text(problem) != str(problem)
    missing = (set(MESSAGES) - {c for c in MESSAGES if c.endswith(".error")}) - seen - NOT_RAISED_FROM_INPUT
    missing -= {"selection.pool_length", "selection.pool_unknown_value", "selection.pool_rates",
                "selection.colliding"}  # built the same way as the pool and quota problems raised above
    assert not missing, sorted(missing)
    assert LISTED & seen


def test_a_weighting_error_on_a_danish_page_reads_in_danish():
    error = _raised(lambda: rake({"Køn": _codes(0, 0)}, [Margin("Køn", ("Kvinde", "Mand"), (0.5, 0.5))]))
    with translation.override("da"):
        assert method_error_text(error) == (
            "Køn, “Mand”: befolkningen har borgere i kategorien, men ingen svarperson er i den, så ingen vægt kan "
            "opveje det. Slå den sammen med “Kvinde”.")
    with translation.override("nb"):
        assert method_error_text(error).startswith("Køn, «Mand»: befolkningen har innbyggere i kategorien")
    error = _raised(lambda: rake({"g": _codes(0, 1, 1), "h": _codes(0, 1, 1)},
                                 [_m("g", (0.5, 0.5)), _m("h", (0.9, 0.1))], max_iterations=3))
    with translation.override("da"):
        text = method_error_text(error)
    assert "efter 3 runder" in text and "," in text.split("afviger stadig ")[1].split(" %")[0]
