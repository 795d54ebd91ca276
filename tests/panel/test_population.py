"""Population figures from CSV: both layouts import; every kind of bad line is reported with its
line number and nothing is saved; the demo's illustrative file imports into the demo council."""

from __future__ import annotations

from importlib import resources

import pytest
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.panel.models import PopulationFigure
from civicpanel.panel.population import (
    PopulationCsvError,
    population_import_csv,
    population_overview,
    population_update_question,
)
from civicpanel.tenancy.models import District

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The assertions read the English messages, whatever translations exist."""
    with translation.override("en"):
        yield

GOOD_PLAIN = """question;category;count
gender;woman;510
gender;man;490
gender;other;0
Bydel;Vigerslev;600
district;gammel-valby;400
"""


def _problems(council, text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(PopulationCsvError) as caught:
        population_import_csv(council=council, actor=None, data=text.encode(), dry_run=False)
    return [(p.line, p.message) for p in caught.value.problems]


def _figures(council) -> dict[str, int]:
    return {f"{f.option.question.key}:{f.option.code}": f.count
            for f in PopulationFigure.objects.filter(council=council).select_related("option__question")}


def test_plain_layout_imports_and_writes_audit_row(council, staff_client):
    admin = staff_client("admin").user
    preview = population_import_csv(council=council, actor=admin, data=GOOD_PLAIN.encode(), dry_run=False)
    assert preview.saved and preview.layout == "plain"
    assert _figures(council) == {"gender:woman": 510, "gender:man": 490, "gender:other": 0,
                                 "district:vigerslev": 600, "district:gammel-valby": 400}
    event = AuditEvent.objects.get(council=council, action="population.import")
    assert event.actor == admin and event.detail["questions"] == ["gender", "district"]
    shares = {qf.question.key: {r.option.code: r.share for r in qf.rows} for qf in population_overview(council=council)}
    assert shares["gender"]["woman"] == pytest.approx(0.51)
    assert shares["district"]["vigerslev"] == pytest.approx(0.6)


def test_dry_run_saves_nothing_and_reimport_is_idempotent(council):
    preview = population_import_csv(council=council, actor=None, data=GOOD_PLAIN.encode(), dry_run=True)
    assert not preview.saved and preview.row_count == 5
    assert not PopulationFigure.objects.exists()
    population_import_csv(council=council, actor=None, data=GOOD_PLAIN.encode(), dry_run=False)
    population_import_csv(council=council, actor=None, data=GOOD_PLAIN.encode(), dry_run=False)
    assert PopulationFigure.objects.filter(council=council).count() == 5
    again = population_import_csv(council=council, actor=None, data=GOOD_PLAIN.replace("510", "520").encode(),
                                  dry_run=True)
    woman = next(r for r in again.questions[0].rows if r.option.code == "woman")
    assert (woman.previous, woman.count) == (510, 520)


def test_statbank_export_layout_with_title_total_and_windows_encoding(council):
    text = (
        '"Befolkningen 1. januar 2025 efter køn (ILLUSTRATIVE)"\n'
        '"Enhed: antal"\n'
        ';;"2025K1"\n'
        '"Køn";"Mænd";"24.600"\n'
        ';"Kvinder";25400\n'
        ';"Andet / ønsker ikke at oplyse";0\n'
        ';"I alt";50000\n'
        '\n'
        '"Kilde: illustrative"\n'
    )
    preview = population_import_csv(council=council, actor=None, data=text.encode("cp1252"), dry_run=False)
    assert preview.layout == "export"
    assert preview.source == "Befolkningen 1. januar 2025 efter køn (ILLUSTRATIVE)"
    assert _figures(council) == {"gender:man": 24600, "gender:woman": 25400, "gender:other": 0}


def test_every_bad_line_is_reported_with_its_line_and_nothing_is_saved(council):
    text = (
        "question;category;count\n"          # 1
        "gender;woman;510\n"                 # 2
        "gender;woman;400\n"                 # 3 duplicate
        "gender;man;-5\n"                    # 4 negative
        "\n"                                 # 5 empty inside data
        "shoe size;42;10\n"                  # 6 unknown question
        "education;phd;10\n"                 # 7 unknown category
        "education;basic;many\n"             # 8 not a number
        "interests;green;100\n"              # 9 multiple choice
        "housing;owner;12,5\n"               # 10 not a whole number
    )
    problems = _problems(council, text)
    lines = [line for line, _ in problems]
    assert set(range(3, 11)) <= set(lines)
    messages = dict(problems)
    assert "given twice (also on line 2)" in messages[3]
    assert "negative" in messages[4]
    assert "empty line" in messages[5]
    assert "unknown question" in messages[6] and "shoe size" in messages[6]
    assert "unknown category" in messages[7] and "phd" in messages[7]
    assert "not a whole number" in messages[8]
    assert "multiple-choice" in messages[9]
    assert "not a whole number" in messages[10]
    # gender's "other" and "man" are missing or broken: reported at the question's first line.
    assert any(line == 2 and "no count for" in message for line, message in problems)
    assert not PopulationFigure.objects.exists()
    assert not AuditEvent.objects.filter(action="population.import").exists()


def test_a_wrong_file_leaves_earlier_figures_untouched(council):
    population_import_csv(council=council, actor=None, data=GOOD_PLAIN.encode(), dry_run=False)
    before = _figures(council)
    _problems(council, GOOD_PLAIN.replace("gender;man;490", "gender;man;x"))
    assert _figures(council) == before


def test_missing_categories_and_wrong_total(council):
    problems = _problems(council, "Title line\nKøn;Mænd;10\n;Kvinder;20\n;I alt;31\n")
    assert problems == [(2, "Gender: no count for Other / prefer not to say "
                            "(every category needs a count; write 0 if it has none)")]
    problems = _problems(council, "Title line\nKøn;Mænd;10\n;Kvinder;20\n;Andet / ønsker ikke at oplyse;0\n;I alt;31\n")
    assert problems == [(5, problems[0][1])] and "does not match" in problems[0][1] and "(30)" in problems[0][1]


def test_bad_header_and_empty_file(council):
    assert _problems(council, "question;count\ngender;1\n")[0][0] == 1
    assert "empty" in _problems(council, "\n\n")[0][1]
    assert "No figures" in _problems(council, "just a title\n;;2025K1\n")[0][1]


def test_by_hand_update_and_audit(council, staff_client):
    admin = staff_client("admin").user
    question = council.profile_questions.get(key="gender")
    counts = {o.pk: n for o, n in zip(question.options.all(), [10, 20, 0], strict=True)}
    figures = population_update_question(council=council, actor=admin, question=question, counts=counts, source="hand")
    assert figures.total == 30
    assert _figures(council) == {"gender:woman": 10, "gender:man": 20, "gender:other": 0}
    assert AuditEvent.objects.filter(council=council, action="population.update", actor=admin).count() == 1
    with pytest.raises(PopulationCsvError):
        population_update_question(council=council, actor=admin, question=question, counts={}, source="")


def test_figures_are_per_council(council, other_council):
    population_import_csv(council=council, actor=None, data=GOOD_PLAIN.encode(), dry_run=False)
    assert not PopulationFigure.objects.filter(council=other_council).exists()
    # Another council's district names are unknown here.
    problems = _problems(other_council, "question;category;count\ndistrict;Vigerslev;10\n")
    assert "no count for" in problems[0][1] or "unknown" in problems[0][1]


def test_demo_file_imports_into_the_demo_council():
    from civicpanel.panel.defaults import council_setup_defaults
    from tests.factories import CouncilFactory

    council = CouncilFactory(slug="valby", name="Valby Lokaludvalg")
    for order, name in enumerate(["Gammel Valby", "Carlsberg Byen", "Vigerslev", "Folehaven", "Valby Vest"]):
        District.objects.create(council=council, name=name, postal_codes=["2500"], order=order)
    council_setup_defaults(council=council)
    data = resources.files("civicpanel.panel").joinpath("data/valby_population_illustrative.csv").read_bytes()
    preview = population_import_csv(council=council, actor=None, data=data, dry_run=False)
    assert "ILLUSTRATIVE" in preview.source
    assert {qf.question.key: qf.total for qf in preview.questions} == {
        "gender": 50000, "birth_year": 50000, "district": 50000, "education": 50000,
        "employment": 50000, "housing": 50000}


def test_the_documented_export_example_imports(council):
    text = (
        '"Befolkningen 1. januar 2025 efter køn og alder (Valby)"\n"Enhed: antal"\n;;"2025K1"\n'
        '"Køn";"Mænd";24600\n;"Kvinder";25400\n;"Andet / ønsker ikke at oplyse";0\n;"I alt";50000\n'
        '"Alder";"15–24 år";6100\n;"25–34 år";12400\n;"35–44 år";9300\n;"45–54 år";7200\n'
        ';"55–64 år";5800\n;"65–74 år";5000\n;"75 år og derover";4200\n\n"Kilde: Danmarks Statistik"\n'
    )
    preview = population_import_csv(council=council, actor=None, data=text.encode(), dry_run=False)
    assert {qf.question.key: qf.total for qf in preview.questions} == {"gender": 50000, "birth_year": 50000}
    assert _figures(council)["birth_year:75-120"] == 4200


def test_danish_header_names_and_comma_separator(council):
    text = "spørgsmål,kategori,antal\nKøn,Kvinde,\"1 000\"\nKøn,Mand,900\nKøn,other,0\n"
    population_import_csv(council=council, actor=None, data=text.encode(), dry_run=False)
    assert _figures(council) == {"gender:woman": 1000, "gender:man": 900, "gender:other": 0}
