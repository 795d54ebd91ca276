"""Population figures: how many residents fall in each profile category (from Statistics
Denmark or Statistics Norway). They are the margins that representativeness and weighting
aim at.

A CSV upload is read line by line and every problem is reported with its line number; nothing
is saved while any line is wrong. Two layouts are accepted (docs/population-figures.md):

plain   a header line with the columns question;category;count (and optionally source),
        questions by key or label, categories by code or label, in any of the council's languages;
export  as a statistics office exports a table: title lines, then rows whose first column
        names the question (left empty for "same as above"), the second column the category
        and the last column the count; a total row ("I alt", "Total", ...) is checked against
        the sum of its categories and not stored.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion
from civicpanel.panel.population_tables import (
    JointFigures,
    read_joint,
    reference_date_in,
    save_table,
)
from civicpanel.tenancy.models import Council

Kind = ProfileQuestion.Kind
# Questions a resident answers with exactly one category, so the counts add up to the population.
FIGURE_KINDS = (Kind.SINGLE, Kind.BIRTH_YEAR, Kind.DISTRICT)
PLAIN_COLUMNS = {
    "question": {"question", "spørgsmål", "spørsmål"},
    "category": {"category", "kategori"},
    "count": {"count", "antal", "antall", "number"},
    "source": {"source", "kilde"},
}
TOTAL_WORDS = {"i alt", "total", "totalt", "alle", "sum", "i alt i alt", "begge køn", "begge kjønn",
               "alle aldre", "alder i alt", "køn i alt", "kjønn i alt", "hele kommunen", "all"}
# How Statistics Denmark and Statistics Norway name the standard categories, where that differs
# from the option labels (tables count "Mænd", the question asks "Mand").
QUESTION_ALIASES: dict[str, tuple[str, ...]] = {
    "gender": ("sex",),
    "birth_year": ("alder", "age"),
    "district": ("område", "area", "region"),
}
STATISTICS_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("gender", "woman"): ("kvinder", "kvinner", "women", "females", "female"),
    ("gender", "man"): ("mænd", "menn", "men", "males", "male"),
}
MAX_BYTES = 2 * 1024 * 1024
DEMO_CSV = Path(__file__).resolve().parent / "data" / "valby_population_illustrative.csv"


@dataclass(frozen=True)
class LineProblem:
    line: int | None
    message: str


class PopulationCsvError(ValueError):
    """The file has problems; nothing was saved. `problems` lists every one with its line."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}: {p.message}" if p.line else p.message for p in problems))


@dataclass
class FigureRow:
    option: ProfileOption
    count: int | None
    share: float | None = None
    previous: int | None = None  # the figure saved now, shown beside a file's figure in the preview


@dataclass
class QuestionFigures:
    question: ProfileQuestion
    rows: list[FigureRow] = field(default_factory=list)
    total: int = 0
    complete: bool = True

    @property
    def empty(self) -> bool:
        return all(row.count is None for row in self.rows)


@dataclass
class TablePreview:
    """A joint table as read, with each question's figures from it beside the saved ones."""

    table: JointFigures
    margins: list[QuestionFigures]


@dataclass
class PopulationPreview:
    layout: str
    source: str
    questions: list[QuestionFigures]
    saved: bool = False
    tables: list[TablePreview] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(q.rows) for q in self.questions) + sum(t.table.cell_count for t in self.tables)


def _norm(text: str) -> str:
    text = (text or "").replace("\u00a0", " ").strip().strip('"').casefold()
    text = re.sub(r"\s*[-‐‑‒–—]\s*", "-", text)
    return re.sub(r"\s+", " ", text)


def _parse_count(text: str) -> tuple[int | None, str | None]:
    """A whole, non-negative number; thousands may be grouped with spaces or dots (12 345, 12.345)."""
    raw = (text or "").replace("\u00a0", " ").strip()
    if not raw:
        return None, _("the count is missing")
    compact = raw.replace(" ", "")
    if re.fullmatch(r"-\d[\d.]*", compact):
        return None, _("the count %(value)s is negative") % {"value": raw}
    if re.fullmatch(r"\d+", compact) or re.fullmatch(r"\d{1,3}(\.\d{3})+", compact):
        return int(compact.replace(".", "")), None
    return None, _("the count %(value)s is not a whole number") % {"value": raw}


class _Index:
    """Find a council's questions and categories by key/code or by label in any language."""

    def __init__(self, council: Council):
        self.questions = list(
            ProfileQuestion.objects.filter(council=council).prefetch_related("options").order_by("order", "id")
        )
        self.by_name: dict[str, ProfileQuestion] = {}
        self.options: dict[int, dict[str, ProfileOption]] = {}
        for question in self.questions:
            for name in (question.key, *question.label.values()):
                self.by_name.setdefault(_norm(name), question)
            names: dict[str, ProfileOption] = {}
            for option in question.options.all():
                candidates = [option.code, *option.label.values(),
                              *STATISTICS_ALIASES.get((question.key, option.code), ())]
                if option.min_age is not None and option.max_age is not None:
                    candidates.append(f"{option.min_age}-{option.max_age}")
                for name in candidates:
                    names.setdefault(_norm(name), option)
            self.options[question.pk] = names
        # The statistics offices' names for the standard questions, unless a question is called so.
        for question in self.questions:
            for name in QUESTION_ALIASES.get(question.key, ()):
                self.by_name.setdefault(_norm(name), question)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), or Windows-1252 as older Excel saves CSV."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # pragma: no cover - cp1252 decodes nearly anything


def _rows(text: str) -> list[tuple[int, list[str]]]:
    lines = text.splitlines()
    candidates = [";", "\t", ","]
    delimiter = max(candidates, key=lambda d: (sum(1 for line in lines if d in line), -candidates.index(d)))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for values in reader:
        rows.append((reader.line_num, [v.strip() for v in values]))
    return rows


def _filled(values: list[str]) -> list[str]:
    return [v for v in values if v.strip()]


def population_parse_csv(*, council: Council, data: bytes) -> PopulationPreview:
    """Read and check a figures file; raise PopulationCsvError listing every problem."""
    if len(data) > MAX_BYTES:
        raise PopulationCsvError([LineProblem(None, _("The file is too large (at most 2 MB)."))])
    rows = _rows(decode_csv(data))
    if not any(_filled(values) for _, values in rows):
        raise PopulationCsvError([LineProblem(None, _("The file is empty."))])
    index = _Index(council)
    problems: list[LineProblem] = []
    first = next(values for _, values in rows if _filled(values))
    header = [_norm(v) for v in first]
    columns = {name: next((i for i, h in enumerate(header) if h in words), None)
               for name, words in PLAIN_COLUMNS.items()}
    source = ""
    entries: list[tuple[int, str, str, str, str]] = []  # line, question, category, count, source

    named_questions = [h for h in header if h and h in index.by_name]
    if columns["question"] is None and columns["category"] is None and len(named_questions) >= 2:
        header_line = next(line for line, values in rows if _filled(values))
        body = [(line, values) for line, values in rows if line > header_line]
        return _joint_preview(index, council, body, problems, header=first, header_line=header_line, titles=[],
                              layout="plain-table")
    if columns["question"] is not None or columns["category"] is not None:
        layout = "plain"
        header_line = next(line for line, values in rows if _filled(values))
        missing = [name for name in ("question", "category", "count") if columns[name] is None]
        if missing:
            raise PopulationCsvError([LineProblem(header_line, _(
                "the header line lacks the column(s) %(missing)s; it must name question;category;count")
                % {"missing": ", ".join(missing)})])
        body = [(line, values) for line, values in rows if line > header_line]
        body = _check_blank_lines(body, problems, lambda values: bool(_filled(values)))

        def cell(values: list[str], name: str) -> str:
            i = columns[name]
            return values[i] if i is not None and i < len(values) else ""

        for line, values in body:
            entries.append((line, cell(values, "question"), cell(values, "category"), cell(values, "count"),
                            cell(values, "source")))
        source = next((e[4] for e in entries if e[4]), "")
    else:
        layout = "export"
        source = " ".join(_filled(first))[:300] if len(_filled(first)) == 1 else ""
        # The table starts at the first line that ends in a count; lines above it are the title and
        # column headings. Lines after the last table line are footnotes.
        table_start = next((k for k, (_, values) in enumerate(rows)
                            if len(_filled(values)) >= 2 and (_parse_count(values[-1])[0] is not None
                                                               or re.fullmatch(r"-\s*\d[\d. ]*", values[-1].strip()))),
                           None)
        if table_start is None:
            raise PopulationCsvError([LineProblem(None, _(
                "No figures found: no line ends in a count. See the accepted layouts."))])
        table = rows[table_start:]
        last = max(k for k, (_, values) in enumerate(table) if len(_filled(values)) >= 2)
        table = _check_blank_lines(table[: last + 1], problems, lambda values: bool(_filled(values)))
        # A table by two or more questions at once: no line names a question in its first column.
        first_column = {_norm(values[0]) for _, values in table if values and values[0].strip()} - TOTAL_WORDS
        if table and not any(name in index.by_name for name in first_column) and \
                max(len(values) for _, values in table) >= 3:
            above = [values for _, values in rows[:table_start] if _filled(values)]
            header_values = rows[table_start - 1][1] if table_start and _filled(rows[table_start - 1][1]) else None
            return _joint_preview(index, council, table, problems, header=header_values,
                                  header_line=rows[table_start - 1][0] if header_values else None,
                                  titles=[" ".join(_filled(v)) for v in above], layout="export-table",
                                  source=source)
        current = ""
        for line, values in table:
            if len(values) < 3:
                problems.append(LineProblem(line, _(
                    "expected at least three columns: question, category and count")))
                continue
            if values[0] and _norm(values[0]) not in TOTAL_WORDS:
                current = values[0]
            entries.append((line, values[0] if _norm(values[0]) in TOTAL_WORDS else current,
                            values[1], values[-1], ""))

    figures = _check_entries(index, entries, problems)
    if problems:
        raise PopulationCsvError(sorted(problems, key=lambda p: (p.line or 0)))
    saved = dict(PopulationFigure.objects.filter(council=council, option__question__in=[f.question for f in figures])
                 .values_list("option_id", "count"))
    for row in (row for qf in figures for row in qf.rows):
        row.previous = saved.get(row.option.pk)
    return PopulationPreview(layout=layout, source=source, questions=figures)


def _joint_preview(index: _Index, council: Council, body, problems: list[LineProblem], *, header, header_line,
                   titles: list[str], layout: str, source: str = "") -> PopulationPreview:
    if not body:
        raise PopulationCsvError([LineProblem(None, _("No figures found in the file."))])
    zero = frozenset(PopulationFigure.objects.filter(council=council, count=0).values_list("option_id", flat=True))
    read = read_joint(index, body, header=header, header_line=header_line, titles=titles, norm=_norm,
                      parse_count=_parse_count, total_words=TOTAL_WORDS, zero_options=zero)
    problems += [LineProblem(line, message) for line, message in read.problems]
    if problems or read.table is None:
        raise PopulationCsvError(sorted(problems, key=lambda p: (p.line or 0)))
    saved = dict(PopulationFigure.objects.filter(council=council, option__question__in=read.table.questions)
                 .values_list("option_id", "count"))
    margins = []
    for axis, question in enumerate(read.table.questions):
        figures = _figures(question, {o.pk: c for o, c, _share in read.table.margin(axis)})
        for row in figures.rows:
            row.previous = saved.get(row.option.pk)
        margins.append(figures)
    return PopulationPreview(layout=layout, source=source, questions=[],
                             tables=[TablePreview(table=read.table, margins=margins)])


def _check_blank_lines(rows, problems, is_filled):
    """An empty line is fine at the end; inside the data it is an error (it usually means a
    block was pasted in twice or a line was cut)."""
    last_filled = max((k for k, (_, values) in enumerate(rows) if is_filled(values)), default=-1)
    kept = []
    for k, (line, values) in enumerate(rows):
        if not is_filled(values):
            if k < last_filled:
                problems.append(LineProblem(line, _("empty line inside the data; remove it")))
            continue
        kept.append((line, values))
    return kept


def _check_entries(index: _Index, entries, problems: list[LineProblem]) -> list[QuestionFigures]:
    counts: dict[int, dict[int, tuple[int, int]]] = {}  # question -> option -> (count, line)
    first_line: dict[int, int] = {}
    totals: list[tuple[int, ProfileQuestion, int]] = []
    for line, question_text, category_text, count_text, _source in entries:
        if not question_text:
            problems.append(LineProblem(line, _("no question given (the first column is empty and no line above names one)")))
            continue
        if _norm(category_text) in TOTAL_WORDS or (not category_text and _norm(question_text) in TOTAL_WORDS):
            question = index.by_name.get(_norm(question_text))
            total, error = _parse_count(count_text)
            if error:
                problems.append(LineProblem(line, error))
            elif question is not None and category_text:
                totals.append((line, question, total))
            continue
        question = index.by_name.get(_norm(question_text))
        if question is None:
            known = ", ".join(q.key for q in index.questions if q.kind in FIGURE_KINDS)
            problems.append(LineProblem(line, _("unknown question “%(question)s” (known: %(known)s)")
                                        % {"question": question_text, "known": known}))
            continue
        if question.kind not in FIGURE_KINDS:
            problems.append(LineProblem(line, _(
                "“%(question)s” is a multiple-choice question; population figures are kept only for "
                "questions with one answer per person") % {"question": question_text}))
            continue
        option = index.options[question.pk].get(_norm(category_text))
        if option is None:
            known = ", ".join(o.text for o in question.options.all())
            problems.append(LineProblem(line, _("unknown category “%(category)s” for %(question)s (known: %(known)s)")
                                        % {"category": category_text, "question": question.text, "known": known}))
            continue
        count, error = _parse_count(count_text)
        if error:
            problems.append(LineProblem(line, error))
            continue
        given = counts.setdefault(question.pk, {})
        first_line.setdefault(question.pk, line)
        if option.pk in given:
            problems.append(LineProblem(line, _("“%(category)s” of %(question)s is given twice (also on line %(line)d)")
                                        % {"category": category_text, "question": question.text,
                                           "line": given[option.pk][1]}))
            continue
        given[option.pk] = (count, line)

    if not entries and not problems:
        problems.append(LineProblem(None, _("No figures found in the file.")))
    figures = []
    for question in index.questions:
        if question.pk not in counts:
            continue
        given = counts[question.pk]
        options = list(question.options.all())
        missing = [o.text for o in options if o.pk not in given]
        if missing:
            problems.append(LineProblem(first_line[question.pk], _(
                "%(question)s: no count for %(missing)s (every category needs a count; write 0 if it has none)")
                % {"question": question.text, "missing": ", ".join(missing)}))
            continue
        figures.append(_figures(question, {pk: c for pk, (c, _line) in given.items()}))
    by_question = {f.question.pk: f for f in figures}
    for line, question, total in totals:
        if question.pk in by_question and by_question[question.pk].total != total:
            problems.append(LineProblem(line, _(
                "the total %(total)d does not match the sum of the categories of %(question)s (%(sum)d)")
                % {"total": total, "question": question.text, "sum": by_question[question.pk].total}))
    return figures


def _figures(question: ProfileQuestion, counts: dict[int, int | None]) -> QuestionFigures:
    options = list(question.options.all())
    rows = [FigureRow(option=o, count=counts.get(o.pk)) for o in options]
    total = sum(r.count or 0 for r in rows)
    for row in rows:
        row.share = (row.count / total) if total and row.count is not None else None
    return QuestionFigures(question=question, rows=rows, total=total,
                           complete=all(r.count is not None for r in rows))


def _save(*, council: Council, figures: list[QuestionFigures], source: str) -> int:
    options = [row.option for qf in figures for row in qf.rows]
    existing = {f.option_id: f for f in PopulationFigure.objects.filter(council=council, option__in=options)}
    changed = 0
    for qf in figures:
        for row in qf.rows:
            figure = existing.get(row.option.pk)
            if figure is None:
                PopulationFigure.objects.create(council=council, option=row.option, count=row.count,
                                                source=source[:300])
                changed += 1
            elif figure.count != row.count or figure.source != source[:300]:
                figure.count, figure.source = row.count, source[:300]
                figure.save(update_fields=["count", "source", "updated_at"])
                changed += 1
    return changed


def population_import_csv(*, council: Council, actor, data: bytes, dry_run: bool, source: str = "",
                          request=None) -> PopulationPreview:
    """Check a figures file and, unless `dry_run`, store its figures for every question in it
    (replacing earlier ones for those questions). Raises PopulationCsvError, saving nothing,
    when any line is wrong. Importing the same file twice changes nothing the second time."""
    preview = population_parse_csv(council=council, data=data)
    preview.source = (source or preview.source).strip()[:300]
    for table in preview.tables:
        if table.table.reference_date is None:  # "FOLK1A, 1 January 2026" in the source names the day
            table.table.reference_date = reference_date_in([preview.source])
    if dry_run:
        return preview
    with transaction.atomic():
        changed = _save(council=council, figures=preview.questions, source=preview.source)
        for table in preview.tables:
            changed += save_table(council=council, table=table.table, source=preview.source)
        audit_record(council=council, actor=actor, action="population.import", target=council,
                     detail={"layout": preview.layout, "source": preview.source, "changed": changed,
                             "questions": [qf.question.key for qf in preview.questions],
                             "tables": [[q.key for q in t.table.questions] for t in preview.tables],
                             "rows": preview.row_count}, request=request)
    preview.saved = True
    return preview


def population_update_question(*, council: Council, actor, question: ProfileQuestion, counts: dict[int, int],
                               source: str = "", request=None) -> QuestionFigures:
    """Set the figures of one question by hand (`counts`: option id -> count, one per option)."""
    question = ProfileQuestion.objects.prefetch_related("options").get(pk=question.pk, council=council)
    if question.kind not in FIGURE_KINDS:
        raise PopulationCsvError([LineProblem(None, _("Population figures are kept only for questions with one answer per person."))])
    option_ids = {o.pk for o in question.options.all()}
    if set(counts) != option_ids or any(c is None or c < 0 for c in counts.values()):
        raise PopulationCsvError([LineProblem(None, _("Give a count of 0 or more for every category."))])
    figures = _figures(question, counts)
    with transaction.atomic():
        changed = _save(council=council, figures=[figures], source=source.strip())
        if changed:
            audit_record(council=council, actor=actor, action="population.update", target=question,
                         detail={"question": question.key, "source": source.strip()[:300],
                                 "counts": {o.code: counts[o.pk] for o in question.options.all()}},
                         request=request)
    return figures


def population_overview(*, council: Council) -> list[QuestionFigures]:
    """The stored figures and shares of every question that can have them, in question order."""
    questions = (ProfileQuestion.objects.filter(council=council, kind__in=FIGURE_KINDS)
                 .prefetch_related("options").order_by("order", "id"))
    counts = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
    return [_figures(q, {o.pk: counts.get(o.pk) for o in q.options.all()}) for q in questions]


def population_sources(*, council: Council) -> list[str]:
    return sorted(set(PopulationFigure.objects.filter(council=council).exclude(source="")
                      .values_list("source", flat=True)))
