"""Joint population tables: residents counted by two or more profile questions at once
(district x age band x gender), as Statistics Denmark's and Statistics Norway's statistics banks
publish them, and the figures of a part of the population worked out from them.

Reading (called by `population.population_parse_csv` when a file has two or more category
columns; docs/population-figures.md): every column before the count is a category column.
A column is recognised by its heading when the heading names a profile question, otherwise by
its values (district names, "Mænd"/"Kvinner", ages). A column with one value for every line
that is no category (the period "2026K1", "Personer") is ignored, and gives the date of the
figures. Empty cells mean "the same as the line above" (as StatBank exports). Ages may be
given in the council's age bands or in the statistics office's own groups ("15-19 år", "20 år",
"100 år og derover"): each is added to the band it falls in, ages below the youngest band are
left out. Every problem is reported with its line number and nothing is saved.

Audience figures (`audience_figures`): for the members a survey was sent to (one filter per
sending, e.g. {"district": ["vigerslev"]}), the figures of each profile question among the
residents those filters describe, from a table that holds the filter's questions and that
question; and the joint cells of the largest such table, for post-stratification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import product

import numpy as np
from django.utils.translation import gettext as _

from civicpanel.panel.models import (
    PopulationFigure,
    PopulationTable,
    ProfileOption,
    ProfileQuestion,
)

Kind = ProfileQuestion.Kind
FIGURE_KINDS = (Kind.SINGLE, Kind.BIRTH_YEAR, Kind.DISTRICT)
OPEN_AGE = 200  # "100 år og derover" reaches any age a band can name
SHOWN_MISSING = 5


@dataclass
class JointFigures:
    """One table as read or stored: its questions, their options (axis order) and the counts."""

    questions: list[ProfileQuestion]
    options: list[list[ProfileOption]]
    counts: np.ndarray
    reference_date: date | None = None
    source: str = ""
    pk: int | None = None
    outside: int = 0  # residents in the file whose age is below every band (left out)

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def title(self) -> str:
        return " × ".join(q.text for q in self.questions)

    @property
    def cell_count(self) -> int:
        return int(self.counts.size)

    def cells(self) -> list[list[int]]:
        out = []
        for index in product(*(range(len(o)) for o in self.options)):
            out.append([self.options[a][i].pk for a, i in enumerate(index)] + [int(self.counts[index])])
        return out

    def margin(self, axis: int) -> list[tuple[ProfileOption, int, float | None]]:
        """Count and share of each category of one question, from the table."""
        others = tuple(a for a in range(self.counts.ndim) if a != axis)
        sums = self.counts.sum(axis=others) if others else self.counts
        total = int(sums.sum())
        return [(o, int(sums[i]), (int(sums[i]) / total) if total else None)
                for i, o in enumerate(self.options[axis])]


# --- reading a file ---------------------------------------------------------------------------

_AGE_RANGE = re.compile(r"^(\d{1,3})\s*-\s*(\d{1,3})(?:\s*(?:år|years?|aar))?$")
_AGE_OPEN = re.compile(r"^(\d{1,3})\s*(?:\+|(?:år|years?)?\s*(?:og derover|og over|and over|or over|og eldre|\+))$")
_AGE_ONE = re.compile(r"^(\d{1,3})\s*(?:år|years?|aar)?$")
_QUARTER = re.compile(r"\b(\d{4})\s*K\s*([1-4])\b", re.IGNORECASE)
_FIRST_JANUARY = re.compile(r"\b1\.?\s*(?:januar|january|jan\.?)\s*(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")


def parse_age(text: str) -> tuple[int, int] | None:
    """'15-19 år' -> (15, 19); '20 år' -> (20, 20); '100 år og derover' -> (100, OPEN_AGE)."""
    text = text.strip().casefold()
    parsed = _parse_age(text)
    return parsed if parsed is not None and parsed[0] <= 130 else None


def _parse_age(text: str) -> tuple[int, int] | None:
    if m := _AGE_RANGE.match(text):
        low, high = int(m.group(1)), int(m.group(2))
        return (low, high) if low <= high else None
    if m := _AGE_OPEN.match(text):
        return int(m.group(1)), OPEN_AGE
    if m := _AGE_ONE.match(text):
        return int(m.group(1)), int(m.group(1))
    return None


def reference_date_in(texts: list[str]) -> date | None:
    """The day the residents were counted, read from a period ("2026K1": the first day of the
    quarter, as StatBank counts), "1. januar 2026", or a bare year (Statistics Norway counts
    on 1 January)."""
    for text in texts:
        if m := _QUARTER.search(text):
            return date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1)
    for text in texts:
        if m := _FIRST_JANUARY.search(text):
            return date(int(m.group(1)), 1, 1)
    for text in texts:
        if m := _YEAR.search(text):
            return date(int(m.group(1)), 1, 1)
    return None


@dataclass
class _Column:
    position: int
    question: ProfileQuestion | None = None
    constant: str = ""


@dataclass
class JointRead:
    table: JointFigures | None
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _band_for(question: ProfileQuestion, low: int, high: int) -> tuple[ProfileOption | None, str]:
    """The age band holding ages low..high; ("", "outside") below every band; (None, "straddles")."""
    bands = list(question.options.all())
    youngest = min((b.min_age or 0) for b in bands) if bands else 0
    if high < youngest:
        return None, "outside"
    for band in bands:
        top = band.max_age if band.max_age is not None else OPEN_AGE
        if (band.min_age or 0) <= low and high <= max(top, OPEN_AGE if top >= 99 else top):
            return band, ""
    return None, "straddles"


def read_joint(index, rows: list[tuple[int, list[str]]], *, header: list[str] | None, header_line: int | None,
               titles: list[str], norm, parse_count, total_words: set[str],
               zero_options: frozenset[int] = frozenset()) -> JointRead:
    """Read a joint table from its data lines (after the title lines); see the module docstring."""
    read = JointRead(table=None)
    problems = read.problems
    width = max(len(values) for _line, values in rows)
    count_position = width - 1
    if header:
        named = [k for k, h in enumerate(header) if norm(h) in {"count", "antal", "antall", "number"}]
        if named:
            count_position = named[0]
    for line, values in rows:
        if len(values) != width:
            problems.append((line, _("expected %(expected)d columns like the lines above, found %(found)d")
                             % {"expected": width, "found": len(values)}))
    if problems:
        return read
    label_positions = [k for k in range(width) if k != count_position]
    # Empty cells repeat the value above (StatBank leaves repeated categories empty).
    filled: list[tuple[int, list[str], str]] = []
    previous = [""] * width
    for line, values in rows:
        current = [values[k] if values[k].strip() else previous[k] for k in range(width)]
        filled.append((line, current, values[count_position]))
        previous = current
    columns: list[_Column] = []
    for k in label_positions:
        column = _Column(position=k)
        heading = header[k] if header and k < len(header) else ""
        named = index.by_name.get(norm(heading)) if heading else None
        values = {norm(v[k]) for _line, v, _c in filled if v[k].strip() and norm(v[k]) not in total_words}
        if named is not None:
            column.question = named
        else:
            fits = []
            partial: list[tuple[int, ProfileQuestion]] = []
            for question in index.questions:
                if question.kind not in FIGURE_KINDS:
                    continue
                names = index.options[question.pk]
                known = sum(1 for v in values if v in names or (question.kind == Kind.BIRTH_YEAR and parse_age(v)))
                if values and known == len(values):
                    fits.append(question)
                elif known * 2 >= len(values) > 1:
                    partial.append((known, question))
            if not fits and partial:
                # Mostly one question's categories: that question, with the strays reported by line.
                best = max(k for k, _q in partial)
                leaders = [q for k, q in partial if k == best]
                fits = leaders if len(leaders) == 1 else []
            if len(fits) == 1:
                column.question = fits[0]
            elif len(fits) > 1:
                problems.append((header_line or filled[0][0], _(
                    "column %(column)d: its categories fit several questions (%(questions)s); name the question "
                    "in the column's heading") % {"column": k + 1, "questions": ", ".join(q.text for q in fits)}))
                continue
            elif len(values) <= 1:
                column.constant = next(iter(values), "")
            else:
                example = next(v[k] for _line, v, _c in filled if v[k].strip() and norm(v[k]) not in total_words)
                problems.append((filled[0][0], _(
                    "column %(column)d: “%(value)s” and the other values in it are not categories of any profile "
                    "question with figures") % {"column": k + 1, "value": example}))
                continue
        if column.question is not None and column.question.kind not in FIGURE_KINDS:
            problems.append((header_line or filled[0][0], _(
                "“%(question)s” is a multiple-choice question; population figures are kept only for questions "
                "with one answer per person") % {"question": column.question.text}))
            continue
        columns.append(column)
    if problems:
        return read
    axes = [c for c in columns if c.question is not None]
    if len({c.question.pk for c in axes}) != len(axes):
        problems.append((header_line or filled[0][0], _("two columns name the same question")))
        return read
    if len(axes) < 2:
        problems.append((header_line or filled[0][0], _(
            "a table needs at least two category columns that are profile questions with figures")))
        return read
    # Axis order: the council's question order, so the same table always reads the same.
    order = {q.pk: i for i, q in enumerate(index.questions)}
    axes.sort(key=lambda c: order[c.question.pk])
    options = [list(c.question.options.all()) for c in axes]
    position = [{o.pk: i for i, o in enumerate(opts)} for opts in options]
    counts = np.zeros([len(o) for o in options], dtype=np.int64)
    given = np.zeros(counts.shape, dtype=bool)
    seen: dict[tuple[str, ...], int] = {}
    totals: list[tuple[int, list[int | None], int]] = []
    outside = 0
    covered: dict[int, list[tuple[int, int]]] = {}  # age band -> age ranges given
    for line, values, count_text in filled:
        labels = tuple(norm(values[c.position]) for c in axes)
        count, error = parse_count(count_text)
        if error:
            problems.append((line, error))
            continue
        if any(label in total_words for label in labels):
            cell: list[int | None] = []
            for c, label, pos in zip(axes, labels, position, strict=True):
                if label in total_words:
                    cell.append(None)
                else:
                    option = index.options[c.question.pk].get(label)
                    cell.append(pos[option.pk] if option is not None and option.pk in pos else -1)
            totals.append((line, cell, count))
            continue
        if labels in seen:
            problems.append((line, _("this combination of categories is given twice (also on line %(line)d)")
                             % {"line": seen[labels]}))
            continue
        seen[labels] = line
        cell_index = []
        skip = False
        for c, label, pos in zip(axes, labels, position, strict=True):
            question = c.question
            option = index.options[question.pk].get(label)
            if option is None and question.kind == Kind.BIRTH_YEAR and (ages := parse_age(label)):
                option, status = _band_for(question, *ages)
                if status == "outside":
                    outside += count
                    skip = True
                    break
                if option is None:
                    problems.append((line, _("the ages “%(ages)s” fall in more than one age band of %(question)s; "
                                             "use age groups that fit inside the bands")
                                     % {"ages": values[c.position], "question": question.text}))
                    skip = True
                    break
                covered.setdefault(option.pk, []).append(ages)
            elif option is not None and question.kind == Kind.BIRTH_YEAR and option.min_age is not None:
                covered.setdefault(option.pk, []).append((option.min_age, option.max_age or OPEN_AGE))
            if option is None:
                known = ", ".join(o.text for o in question.options.all())
                problems.append((line, _("unknown category “%(category)s” for %(question)s (known: %(known)s)")
                                 % {"category": values[c.position], "question": question.text, "known": known}))
                skip = True
                break
            cell_index.append(pos[option.pk])
        if skip:
            continue
        counts[tuple(cell_index)] += count
        given[tuple(cell_index)] = True
    if problems:
        return read
    first_line = filled[0][0]
    for axis, c in enumerate(axes):
        if c.question.kind != Kind.BIRTH_YEAR:
            continue
        for band in options[axis]:
            ranges = sorted(covered.get(band.pk, []))
            low, high = band.min_age or 0, band.max_age if band.max_age is not None else OPEN_AGE
            reach = low - 1
            for a, b in ranges:
                if a <= reach + 1:
                    reach = max(reach, b)
            if ranges and reach < min(high, OPEN_AGE if high >= 99 else high):
                problems.append((first_line, _("%(question)s: the ages %(low)d to %(high)d of “%(band)s” are not all "
                                               "in the file") % {"question": c.question.text, "low": low,
                                                                  "high": high, "band": band.text}))
    # A category the statistics do not count (its own figure is 0, e.g. "other / prefer not to
    # say" for gender) may be left out of the table altogether: it is 0 in every combination.
    for axis, opts in enumerate(options):
        for i, option in enumerate(opts):
            selection = tuple(i if a == axis else slice(None) for a in range(len(options)))
            if option.pk in zero_options and not given[selection].any():
                given[selection] = True
    missing = [index for index in product(*(range(len(o)) for o in options)) if not given[index]]
    if missing:
        shown = "; ".join(" × ".join(options[a][i].text for a, i in enumerate(m)) for m in missing[:SHOWN_MISSING])
        more = len(missing) - SHOWN_MISSING
        problems.append((first_line, _(
            "no count for %(cells)s%(more)s (every combination of categories needs a count; write 0 if it has none)")
            % {"cells": shown, "more": (_(" and %(n)d more") % {"n": more}) if more > 0 else ""}))
        return read
    if not outside:
        for line, cell, total in totals:
            if -1 in cell:
                continue
            selection = tuple(slice(None) if i is None else i for i in cell)
            expected = int(counts[selection].sum())
            if expected != total:
                problems.append((line, _("the total %(total)d does not match the sum of the lines it adds up "
                                         "(%(sum)d)") % {"total": total, "sum": expected}))
    if problems:
        return read
    texts = titles + ([" ".join(header)] if header else []) + [c.constant for c in columns if c.constant]
    read.table = JointFigures(questions=[c.question for c in axes], options=options, counts=counts,
                              reference_date=reference_date_in(texts), outside=outside)
    return read


# --- stored tables ----------------------------------------------------------------------------

def stored_tables(*, council) -> list[JointFigures]:
    """The council's tables that still match its profile questions (a table whose questions or
    categories have changed since it was loaded is not used: its cells no longer add up)."""
    questions = {q.pk: q for q in ProfileQuestion.objects.filter(council=council).prefetch_related("options")}
    out = []
    for table in PopulationTable.objects.filter(council=council):
        if not table.questions or any(pk not in questions for pk in table.questions):
            continue
        qs = [questions[pk] for pk in table.questions]
        options = [list(q.options.all()) for q in qs]
        position = [{o.pk: i for i, o in enumerate(opts)} for opts in options]
        counts = np.zeros([len(o) for o in options], dtype=np.int64)
        given = np.zeros(counts.shape, dtype=bool)
        ok = True
        for cell in table.cells:
            try:
                index = tuple(position[a][pk] for a, pk in enumerate(cell[:-1]))
            except (KeyError, IndexError):
                ok = False
                break
            counts[index] = int(cell[-1])
            given[index] = True
        if ok and given.all():
            out.append(JointFigures(questions=qs, options=options, counts=counts, reference_date=table.reference_date,
                                    source=table.source, pk=table.pk))
    return out


def save_table(*, council, table: JointFigures, source: str) -> bool:
    """Store a table, replacing an earlier one of the same questions; False when nothing changed."""
    key = sorted(q.pk for q in table.questions)
    cells = table.cells()
    for existing in PopulationTable.objects.filter(council=council):
        if sorted(existing.questions) == key:
            if (existing.questions == [q.pk for q in table.questions] and existing.cells == cells
                    and existing.source == source[:300] and existing.reference_date == table.reference_date):
                return False
            existing.questions, existing.cells = [q.pk for q in table.questions], cells
            existing.source, existing.reference_date = source[:300], table.reference_date
            existing.save(update_fields=["questions", "cells", "source", "reference_date", "updated_at"])
            return True
    PopulationTable.objects.create(council=council, questions=[q.pk for q in table.questions], cells=cells,
                                   source=source[:300], reference_date=table.reference_date)
    return True


# --- the figures of an audience ---------------------------------------------------------------

@dataclass
class QuestionMargin:
    """One question's figures among the audience's residents: option -> count."""

    question: ProfileQuestion
    options: list[ProfileOption]
    counts: list[float]
    table: JointFigures | None = None  # None: the council's one-way figures

    @property
    def live(self) -> list[ProfileOption]:
        return [o for o, c in zip(self.options, self.counts, strict=True) if c > 0]


@dataclass
class AudienceFigures:
    """What the population figures say about the residents an audience stands for.

    `restricted`: the audience is a part of the population (a filter on profile questions).
    `describable`: False when no figures describe that part (then `reason` says why).
    `margins`: question key -> its figures in that part; `missing`: questions with figures for
    the whole population but none for that part. `joint`: a table's cells restricted to the
    part, over the questions not fixed by the filter, for post-stratification."""

    restricted: bool
    describable: bool = True
    reason: str = ""
    margins: dict[str, QuestionMargin] = field(default_factory=dict)
    missing: list[ProfileQuestion] = field(default_factory=list)
    joint: tuple[list[ProfileQuestion], np.ndarray] | None = None
    reference_date: date | None = None
    filters: list[dict[str, list[str]]] = field(default_factory=list)


def _allowed(question: ProfileQuestion, options: list[ProfileOption], filters: list[dict]) -> list[list[bool]]:
    """Per filter: which options of `question` it lets through (all when it does not name it)."""
    out = []
    for f in filters:
        codes = f.get(question.key)
        out.append([True] * len(options) if not codes else [o.code in codes for o in options])
    return out


def _audience_mask(table: JointFigures, filters: list[dict]) -> np.ndarray:
    """Cells of the table inside the audience: in any sending's filter (OR), each filter being
    an AND over its questions."""
    mask = np.zeros(table.counts.shape, dtype=bool)
    for f in filters:
        one = np.ones(table.counts.shape, dtype=bool)
        for axis, (question, options) in enumerate(zip(table.questions, table.options, strict=True)):
            codes = f.get(question.key)
            if codes:
                keep = np.array([o.code in codes for o in options])
                shape = [1] * table.counts.ndim
                shape[axis] = len(options)
                one &= keep.reshape(shape)
        mask |= one
    return mask


def audience_figures(*, council, filters: list[dict[str, list[str]]], questions: list[ProfileQuestion],
                     one_way: dict[int, int | None] | None = None) -> AudienceFigures:
    """The figures of every question in `questions` (those with figures, in order) for the
    residents the `filters` describe; see AudienceFigures."""
    filters = [{k: list(v) for k, v in (f or {}).items() if v} for f in filters] or [{}]
    if any(not f for f in filters):
        filters = [{}]  # one sending to the whole panel: the audience is everyone
    by_key = {q.key: q for q in questions}
    filtered_keys = sorted({k for f in filters for k in f})
    figures = AudienceFigures(restricted=bool(filtered_keys), filters=filters)
    tables = stored_tables(council=council)
    if not filtered_keys:
        if one_way is None:
            one_way = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
        for question in questions:
            options = list(question.options.all())
            if options and all(one_way.get(o.pk) is not None for o in options):
                figures.margins[question.key] = QuestionMargin(question, options,
                                                               [float(one_way[o.pk]) for o in options])
        best = max((t for t in tables if all(q.key in figures.margins for q in t.questions)),
                   key=lambda t: (len(t.questions), -t.cell_count), default=None)
        if best is not None:
            figures.joint = (best.questions, best.counts.astype(float))
            figures.reference_date = best.reference_date
        return figures
    unknown = [k for k in filtered_keys if k not in by_key]
    covering = [t for t in tables if set(filtered_keys) <= {q.key for q in t.questions}]
    if unknown or not covering:
        names = [by_key[k].text if k in by_key else k for k in filtered_keys]
        figures.describable = False
        figures.reason = _(
            "The survey was sent to part of the panel (chosen by %(questions)s), and the population figures do "
            "not describe that part of the population: no table of figures counts residents by %(questions)s "
            "together with the other profile questions. The results are therefore unweighted; an administrator "
            "can upload such a table under Population figures.") % {"questions": ", ".join(names)}
        return figures
    for question in questions:
        table = max((t for t in covering if question.key in {q.key for q in t.questions}),
                    key=lambda t: (-len(t.questions), t.pk or 0), default=None)
        if table is None:
            figures.missing.append(question)
            continue
        restricted = np.where(_audience_mask(table, filters), table.counts, 0)
        axis = [q.key for q in table.questions].index(question.key)
        others = tuple(a for a in range(restricted.ndim) if a != axis)
        sums = restricted.sum(axis=others) if others else restricted
        figures.margins[question.key] = QuestionMargin(question, table.options[axis],
                                                       [float(v) for v in sums], table=table)
    best = max(covering, key=lambda t: (len(t.questions), -t.cell_count))
    figures.reference_date = best.reference_date
    free = [a for a, q in enumerate(best.questions) if q.key not in filtered_keys]
    if free:
        restricted = np.where(_audience_mask(best, filters), best.counts, 0).astype(float)
        fixed = tuple(a for a in range(restricted.ndim) if a not in free)
        figures.joint = ([best.questions[a] for a in free], restricted.sum(axis=fixed) if fixed else restricted)
    return figures


def describe_population(*, council, figures: AudienceFigures, questions: list[ProfileQuestion]) -> str:
    """The residents the weights stand for, in the page's language: "residents of Vigerslev aged
    15 or over, 1 January 2026"."""
    from django.utils.formats import date_format

    by_key = {q.key: q for q in questions}
    parts: list[str] = []
    descriptions = []
    for f in figures.filters:
        place = ""
        district = next((q for q in questions if q.kind == Kind.DISTRICT), None)
        if district is not None and f.get(district.key):
            names = [o.text for o in district.options.all() if o.code in f[district.key]]
            place = _("residents of %(places)s") % {"places": _join(names)}
        else:
            place = _("residents of the area of %(council)s") % {"council": council.name}
        age_question = next((q for q in questions if q.kind == Kind.BIRTH_YEAR), None)
        age = ""
        if age_question is not None:
            bands = [o for o in age_question.options.all()
                     if not f.get(age_question.key) or o.code in f[age_question.key]]
            margin = figures.margins.get(age_question.key)
            if margin is not None:
                counted = {o.pk for o in margin.live}
                bands = [b for b in bands if b.pk in counted] or bands
            lows = [b.min_age for b in bands if b.min_age is not None]
            highs = [b.max_age for b in bands]
            if lows:
                low = min(lows)
                high = None if any(h is None or h >= 99 for h in highs) else max(h for h in highs if h is not None)
                age = (_("aged %(low)d or over") % {"low": low} if high is None
                       else _("aged %(low)d to %(high)d") % {"low": low, "high": high})
        others = []
        for key, codes in f.items():
            question = by_key.get(key)
            if question is None or question.kind in (Kind.DISTRICT, Kind.BIRTH_YEAR):
                continue
            labels = [o.text for o in question.options.all() if o.code in codes]
            others.append(_("%(question)s: %(answers)s") % {"question": question.text, "answers": _join(labels)})
        descriptions.append(" ".join(p for p in (place, age) if p) + "".join(f" ({o})" for o in others))
    parts.append(_("; or ").join(descriptions))
    if figures.reference_date:
        parts.append(date_format(figures.reference_date, "DATE_FORMAT"))
    return ", ".join(parts)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
