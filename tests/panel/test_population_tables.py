"""Joint population tables (counts by two or more profile questions at once) from the statistics
banks' CSV layouts: read, checked line by line, stored; and the figures of a part of the
population worked out from them."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.panel.models import PopulationTable, ProfileQuestion
from civicpanel.panel.population import PopulationCsvError, population_import_csv
from civicpanel.panel.population_tables import (
    audience_figures,
    describe_population,
    parse_age,
    stored_tables,
)

pytestmark = pytest.mark.django_db

AGES = ["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-120"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _statbank(rows: dict[tuple[str, str, str], int], *, extra: str = "") -> str:
    """District x gender x age as StatBank exports it: title lines, the period heading, repeated
    categories left empty."""
    lines = ['"Befolkningen 1. januar 2026 efter område, køn og alder"', '"Enhed: antal"', ';;;"2026K1"']
    last = ("", "")
    for (district, gender, age), count in rows.items():
        lines.append(";".join([f'"{district}"' if district != last[0] else "",
                               f'"{gender}"' if (district, gender) != last else "", f'"{age}"', str(count)]))
        last = (district, gender)
    return "\n".join(lines) + "\n" + extra


def _full(district_counts=None) -> dict[tuple[str, str, str], int]:
    rows = {}
    for d, base in (district_counts or {"Vigerslev": 100, "Gammel Valby": 200}).items():
        for g, factor in (("Mænd", 1), ("Kvinder", 2)):
            for k, age in enumerate(AGES):
                rows[(d, g, f"{age} år" if age != "75-120" else "75 år og derover")] = base * factor + k
    return rows


def _import(council, text: str, dry_run=False):
    return population_import_csv(council=council, actor=None, data=text.encode(), dry_run=dry_run)


def _problems(council, text: str):
    with pytest.raises(PopulationCsvError) as caught:
        _import(council, text)
    return [(p.line, p.message) for p in caught.value.problems]


def _zero_other(council):
    """Statistics do not count 'other' for gender: its own figure is 0, so the table may omit it."""
    _import(council, "question;category;count\ngender;woman;2\ngender;man;1\ngender;other;0\n")


def test_statbank_export_by_district_gender_and_age_imports_with_its_date(council, staff_client):
    _zero_other(council)
    preview = _import(council, _statbank(_full()), dry_run=True)
    assert not PopulationTable.objects.exists()
    table = preview.tables[0].table
    assert [q.key for q in table.questions] == ["gender", "birth_year", "district"]
    assert table.reference_date == date(2026, 1, 1)
    assert table.total == sum(_full().values())
    _import(council, _statbank(_full()))
    stored = stored_tables(council=council)
    assert len(stored) == 1 and stored[0].total == table.total
    assert stored[0].reference_date == date(2026, 1, 1)
    event = AuditEvent.objects.filter(action="population.import").order_by("pk").last()
    assert event.detail["tables"] == [["gender", "birth_year", "district"]]
    # The same file again changes nothing; a new one replaces the table of the same questions.
    _import(council, _statbank(_full()))
    assert AuditEvent.objects.filter(action="population.import").order_by("pk").last().detail["changed"] == 0
    _import(council, _statbank(_full({"Vigerslev": 10, "Gammel Valby": 20})))
    assert PopulationTable.objects.count() == 1


def test_five_year_age_groups_add_up_into_the_bands_and_children_are_left_out(council):
    _zero_other(council)
    rows = {}
    for d in ("Vigerslev", "Gammel Valby"):
        for g in ("Mænd", "Kvinder"):
            rows[(d, g, "0-14 år")] = 999
            for low in range(15, 100, 5):
                rows[(d, g, f"{low}-{low + 4} år")] = 10
            rows[(d, g, "100 år og derover")] = 1
    preview = _import(council, _statbank(rows), dry_run=True)
    table = preview.tables[0].table
    margin = {o.code: c for o, c, _s in table.margin(1)}
    assert margin == {"15-24": 80, "25-34": 80, "35-44": 80, "45-54": 80, "55-64": 80, "65-74": 80,
                      "75-120": 5 * 40 + 4}
    assert table.outside == 4 * 999


def test_ssb_layout_with_named_columns_and_a_year(council, other_council):
    # Statistics Norway: a heading line that names the columns; the year is the counting date (1 January).
    gender = ProfileQuestion.objects.get(council=other_council, key="gender")
    lines = ['"07459: Befolkning, etter region, kjønn, alder og år"', "",
             '"Bydel";"Kjønn";"Fødselsår";"Personer 2026"']
    for d in ("Vigerslev", "Gammel Valby"):
        for g in ("Menn", "Kvinner"):
            for age in AGES:
                lines.append(f'"{d}";"{g}";"{age}";50')
    _import(other_council, "question;category;count\ngender;woman;1\ngender;man;1\ngender;other;0\n")
    preview = _import(other_council, "\n".join(lines) + "\n", dry_run=True)
    table = preview.tables[0].table
    assert gender in table.questions and table.reference_date == date(2026, 1, 1)
    assert table.total == 2 * 2 * 7 * 50


def test_plain_table_layout_with_a_column_per_question(council):
    lines = ["district;birth_year;count"]
    for d in ("Vigerslev", "Gammel Valby"):
        for age in AGES:
            lines.append(f"{d};{age};7")
    preview = _import(council, "\n".join(lines) + "\n", dry_run=True)
    assert [q.key for q in preview.tables[0].table.questions] == ["birth_year", "district"]
    assert preview.tables[0].table.reference_date is None


def test_every_problem_has_its_line_and_nothing_is_saved(council):
    _zero_other(council)
    rows = _full()
    rows[("Vigerslev", "Mænd", "15-24 år")] = -3  # line 4
    text = _statbank(rows).replace(';;"25-34 år";201', ';;"25-34 år";many')
    problems = _problems(council, text)
    assert (4, "the count -3 is negative") in problems
    assert (19, "the count many is not a whole number") in problems
    assert not PopulationTable.objects.exists()
    # A category no question has, a combination given twice, a missing combination.
    rows = _full()
    del rows[("Gammel Valby", "Kvinder", "45-54 år")]
    text = _statbank(rows).replace('"65-74 år";105', '"65-74 år";105\n;;"Mars";5')
    problems = _problems(council, text)
    assert any("unknown category “Mars” for Year of birth" in m for _l, m in problems), problems
    problems = _problems(council, _statbank(_full()) .replace(";;\"25-34 år\";101", ";;\"15-24 år\";101"))
    assert any("given twice (also on line 4)" in m for _l, m in problems)
    problems = _problems(council, _statbank(rows))
    assert problems[0][0] == 4
    assert "no count for Woman × 45–54 × Gammel Valby" in problems[0][1]


def test_ages_across_two_bands_and_a_wrong_total_are_refused(council):
    _zero_other(council)
    rows = _full()
    del rows[("Vigerslev", "Mænd", "15-24 år")]
    rows[("Vigerslev", "Mænd", "20-29 år")] = 5
    problems = _problems(council, _statbank(rows))
    assert any("the ages “20-29 år” fall in more than one age band" in m for _l, m in problems)
    total = sum(c for (d, g, _a), c in _full().items() if d == "Vigerslev" and g == "Mænd")
    text = _statbank(_full()).replace('"Kvinder";"15-24 år";200', f';"Alder i alt";{total + 1}\n;"Kvinder";"15-24 år";200')
    problems = _problems(council, text)
    assert any(f"the total {total + 1} does not match the sum of the lines it adds up ({total})" in m
               for _l, m in problems)


def test_parse_age():
    assert parse_age("15-19 år") == (15, 19)
    assert parse_age("20 år") == (20, 20)
    assert parse_age("100 år og derover")[0] == 100
    assert parse_age("85 years and over")[0] == 85
    assert parse_age("2026") is None


def test_audience_figures_of_one_district_come_from_the_table(council):
    _zero_other(council)
    _import(council, _statbank(_full()))
    questions = [q for q in ProfileQuestion.objects.filter(council=council).order_by("order")
                 if q.key in ("gender", "birth_year", "district", "education")]
    vigerslev = next(o for o in questions[[q.key for q in questions].index("district")].options.all()
                     if o.text == "Vigerslev")
    figures = audience_figures(council=council, filters=[{"district": [vigerslev.code]}], questions=questions)
    assert figures.restricted and figures.describable
    gender = figures.margins["gender"]
    assert gender.counts == [sum(200 + k for k in range(7)), sum(100 + k for k in range(7)), 0.0]
    assert [q.key for q in figures.missing] == ["education"]
    joint_questions, cells = figures.joint
    assert [q.key for q in joint_questions] == ["gender", "birth_year"]
    assert cells.sum() == sum(c for (d, _g, _a), c in _full().items() if d == "Vigerslev")
    text = describe_population(council=council, figures=figures, questions=questions)
    assert text == "residents of Vigerslev aged 15 or over, Jan. 1, 2026"
    with translation.override("da"):
        assert describe_population(council=council, figures=figures, questions=questions).endswith("1. januar 2026")


def test_a_filter_the_figures_cannot_describe_says_so(council):
    questions = list(ProfileQuestion.objects.filter(council=council).order_by("order"))
    figures = audience_figures(council=council, filters=[{"interests": ["nature"]}], questions=questions)
    assert not figures.describable
    assert "do not describe that part of the population" in figures.reason


def test_demo_table_imports_into_the_demo_council():
    from civicpanel.panel.defaults import council_setup_defaults
    from civicpanel.tenancy.models import District
    from tests.factories import CouncilFactory

    council = CouncilFactory(slug="valby", name="Valby Lokaludvalg")
    for order, name in enumerate(["Gammel Valby", "Carlsberg Byen", "Vigerslev", "Folehaven", "Valby Vest"]):
        District.objects.create(council=council, name=name, postal_codes=["2500"], order=order)
    council_setup_defaults(council=council)
    files = resources.files("civicpanel.panel").joinpath("data")
    population_import_csv(council=council, actor=None, data=files.joinpath("valby_population_illustrative.csv")
                          .read_bytes(), dry_run=False)
    preview = population_import_csv(
        council=council, actor=None, dry_run=False,
        data=files.joinpath("valby_population_by_district_age_gender_illustrative.csv").read_bytes())
    table = preview.tables[0].table
    assert "ILLUSTRATIVE" in preview.source
    assert table.total == 50000 and table.reference_date == date(2026, 1, 1)
    # Its margins agree with the one-way figures exactly.
    for margin in preview.tables[0].margins:
        assert all(row.count == row.previous for row in margin.rows)


def test_upload_page_previews_a_table_then_saves_it(council, staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    _zero_other(council)
    admin = staff_client("admin")
    page = admin.post(reverse("staff:settings_population_upload"),
                      {"file": SimpleUploadedFile("folk1a.csv", _statbank(_full()).encode())})
    html = page.content.decode()
    assert page.status_code == 200 and not PopulationTable.objects.exists()
    assert "Køn × Fødselsår × Bydel" in html and "1. januar 2026" in html
    confirm = {"confirm": "1", "data": _statbank(_full()), "source": ""}
    assert admin.post(reverse("staff:settings_population_upload"), confirm).status_code == 302
    assert PopulationTable.objects.count() == 1
    html = admin.get(reverse("staff:settings_population")).content.decode()
    assert "Køn × Fødselsår × Bydel" in html
    # A bad line: the page lists it with its line number and saves nothing new.
    page = admin.post(reverse("staff:settings_population_upload"),
                      {"file": SimpleUploadedFile("bad.csv", _statbank(_full()).replace(";201", ";x").encode())})
    assert page.status_code == 422


def test_problems_read_in_the_staff_members_language(council):
    _zero_other(council)
    missing_rows = _full()
    del missing_rows[("Gammel Valby", "Kvinder", "45-54 år")]
    negative = _statbank(_full()).replace('"15-24 år";100', '"15-24 år";-4')
    expected = {
        "da": ("linje", "antallet -4 er negativt", "intet antal for Kvinde × 45–54 år × Gammel Valby"),
        "nb": ("linje", "antallet -4 er negativt", "ikke noe antall for Kvinne × 45–54 år × Gammel Valby"),
        "en": ("line", "the count -4 is negative", "no count for Woman × 45–54 × Gammel Valby"),
    }
    for language, (_line, negative_text, missing_text) in expected.items():
        with translation.override(language):
            assert [(4, negative_text)] == _problems(council, negative)
            assert missing_text in _problems(council, _statbank(missing_rows))[0][1]
