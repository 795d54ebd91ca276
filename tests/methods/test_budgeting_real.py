"""Real Pabulib files: where a file records its rule and its selected projects, our rule with the
right options gives exactly the official set. Skipped when the shared data folder is absent."""

from pathlib import Path

import pytest

from civicpanel.methods.budgeting import count, read_pabulib

PABULIB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"

pytestmark = pytest.mark.skipif(not PABULIB.is_dir(), reason="shared Pabulib files not present")


def load(name: str):
    path = PABULIB / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    return read_pabulib(path)


def official(e) -> set[str]:
    return {pid for pid, p in e.projects.items() if p.extra.get("selected") == "1"}


def test_wieliczka_2023_official_outcome_needs_add1_without_stopping_early():
    e = load("Poland_Wieliczka_2023_Green_Budget.pb")
    out = count(e, "mes", completion="add1")
    assert set(out.winners) == official(e)
    assert (len(out.winners), out.total_cost) == (30, 995079)
    # pabutools' add-one stops at the first exhaustive outcome, which was not the official one
    early = count(e, "mes", completion="add1-exhaustive")
    assert (len(early.winners), early.total_cost) == (31, 984579)


def test_swiecie_2023_official_outcome_with_its_low_support_exclusion():
    e = load("Poland_Swiecie_2023.pb")
    out = count(e, "mes", completion="add1", exclude_low_support="1/3")
    assert out.excluded == ("c22",)
    assert set(out.winners) == official(e)


def test_assen_2024_official_outcome():
    e = load("Netherlands_Assen_2024.pb")
    assert set(count(e, "mes", completion="add1").winners) == official(e)


def test_krakow_2024_nowa_huta_greedy_with_3_2_1_points():
    e = load("Poland_Krakow_2024_Nowa_Huta.pb")
    out = count(e, "greedy", ordinal_scoring="max-length")
    assert set(out.winners) == official(e)
    # the file's score column is the 3-2-1 count
    scores = {pid: int(p.extra["score"]) for pid, p in e.projects.items()}
    ex = count(e, "greedy", ordinal_scoring="max-length", explain=True).explanations
    assert all(ex[pid]["votes"] == scores[pid] for pid in scores)


def test_warszawa_2026_greedy_with_its_vote_threshold():
    e = load("Poland_Warszawa_2026.pb")
    assert e.meta["min_project_score_threshold"] == "3000"
    assert set(count(e, "greedy", min_votes=3000).winners) == official(e)
    assert set(count(e, "greedy").winners) != official(e)


def test_gdansk_cumulative_points_match_the_file_scores():
    e = load("Poland_Gdansk_2020_Chelm.pb")
    ex = count(e, "greedy", explain=True).explanations
    assert all(ex[pid]["votes"] == int(p.extra["score"]) for pid, p in e.projects.items())


@pytest.mark.parametrize("name", ["Switzerland_Zurich_D10.pb", "France_Toulouse_2022.pb",
                                  "Poland_Gdansk_2020_Chelm.pb"])
def test_every_file_reads_and_counts_within_budget(name):
    e = load(name)
    assert len(e.ballots) == int(e.meta["num_votes"])
    assert len(e.projects) == int(e.meta["num_projects"])
    for rule in ("greedy", "mes"):
        out = count(e, rule, completion="none")
        assert out.total_cost <= e.budget
