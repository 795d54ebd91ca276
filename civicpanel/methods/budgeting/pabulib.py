"""Reading and writing Pabulib files (pabulib.org): `META`, `PROJECTS` and `VOTES` sections,
`;`-separated. A file that is not well formed raises `PabulibError` naming the line; nothing is
computed from it."""

from __future__ import annotations

import csv
import io
import os
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from .election import (
    VOTE_TYPES,
    Ballot,
    Election,
    PabulibError,
    Project,
    format_number,
    parse_number,
)

SECTIONS = ("meta", "projects", "votes")


def read_pabulib(source: str | os.PathLike[str] | TextIO) -> Election:
    """Read a .pb file (a path or an open text stream)."""
    if isinstance(source, str | os.PathLike):
        path = str(source)
        try:
            with open(source, encoding="utf-8-sig", newline="") as fh:
                text = fh.read()
        except OSError as exc:
            raise PabulibError(f"cannot open the file ({exc.strerror})", path=path, code="budgeting.file_open",
                              reason=str(exc.strerror)) from exc
        except UnicodeDecodeError as exc:
            raise PabulibError("the file is not UTF-8 text", path=path, code="budgeting.not_utf8") from exc
        return parse_pabulib(text, path=path)
    return parse_pabulib(source.read(), path=getattr(source, "name", None))


def parse_pabulib(text: str, *, path: str | None = None) -> Election:
    """Parse the text of a .pb file. `path` is only used in error messages."""
    if text.startswith("\ufeff"):
        text = text[1:]

    def fail(message: str, line: int | None, code: str, **params) -> PabulibError:
        return PabulibError(message, path=path, line=line, code=code, **params)

    lines = text.splitlines()
    reader = csv.reader(lines, delimiter=";")
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    raw_votes: list[tuple[int, list[str]]] = []
    headers: dict[str, list[str]] = {}
    header_lines: dict[str, int] = {}
    section = ""
    expect_header = False
    for row in reader:
        lineno = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if len(row) == 1 and first in SECTIONS:
            if first in headers or (expect_header and section == first):
                raise fail(f"the {first.upper()} section appears twice", lineno, "budgeting.section_twice",
                           section=first.upper())
            section, expect_header = first, True
            header_lines[section] = lineno
            continue
        if not section:
            raise fail("the file must start with a META section (a line reading META)", lineno, "budgeting.no_meta_first")
        if expect_header:
            headers[section] = [h.strip() for h in row]
            expect_header = False
            _check_header(section, headers[section], lineno, fail)
            continue
        header = headers[section]
        if len(row) != len(header):
            raise fail(
                f"{section.upper()} row has {len(row)} fields but the header has {len(header)} "
                f"({';'.join(header)})", lineno, "budgeting.fields", section=section.upper(), found=len(row),
                expected=len(header))
        if section == "meta":
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            values = {h: v.strip() for h, v in zip(header, row, strict=True)}
            pid = values.pop("project_id")
            if not pid:
                raise fail("a project has an empty project_id", lineno, "budgeting.project_id_empty")
            if pid in projects:
                raise fail(f"project {pid!r} is listed twice", lineno, "budgeting.project_twice", project=pid)
            cost_text = values.pop("cost")
            try:
                cost = parse_number(cost_text)
            except (ValueError, ZeroDivisionError):
                raise fail(f"project {pid!r}: the cost {cost_text!r} is not a number", lineno, "budgeting.cost_not_number",
                           project=pid, value=cost_text) from None
            if cost < 0:
                raise fail(f"project {pid!r}: the cost {cost_text!r} is negative", lineno, "budgeting.cost_negative",
                           project=pid, value=cost_text)
            name = values.pop("name", "")
            projects[pid] = Project(pid, cost, name, values)
        else:
            raw_votes.append((lineno, row))

    last = len(lines)
    for needed in SECTIONS:
        if needed not in header_lines:
            raise fail(f"the file has no {needed.upper()} section", last, "budgeting.no_section", section=needed.upper())
        if needed not in headers:
            raise fail(f"the {needed.upper()} section has no header line", header_lines[needed], "budgeting.no_header",
                       section=needed.upper())
    if "budget" not in meta:
        raise fail("META has no 'budget'", header_lines["meta"], "budgeting.no_budget")
    try:
        budget = parse_number(meta["budget"])
    except (ValueError, ZeroDivisionError):
        raise fail(f"the budget {meta['budget']!r} is not a number", _meta_line(lines, "budget"),
                   "budgeting.budget_not_number", value=meta["budget"]) from None
    if budget < 0:
        raise fail("the budget is negative", _meta_line(lines, "budget"), "budgeting.budget_negative")
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise fail(f"vote_type {vote_type!r} is not one of {', '.join(VOTE_TYPES)}",
                   _meta_line(lines, "vote_type"), "budgeting.vote_type", value=vote_type, allowed=", ".join(VOTE_TYPES))
    max_length = _meta_int(meta, "max_length", lines, fail)

    vote_header = headers["votes"]
    i_vote = vote_header.index("vote")
    i_voter = vote_header.index("voter_id")
    i_points = vote_header.index("points") if "points" in vote_header else None
    if vote_type in ("cumulative", "scoring") and i_points is None:
        raise fail(f"a {vote_type} file needs a 'points' column in VOTES", header_lines["votes"] + 1,
                   "budgeting.no_points", vote_type=vote_type)
    extra_cols = [(i, h) for i, h in enumerate(vote_header) if h not in ("voter_id", "vote", "points")]
    ballots: list[Ballot] = []
    seen_voters: set[str] = set()
    for lineno, row in raw_votes:
        voter = row[i_voter].strip()
        if voter in seen_voters:
            raise fail(f"voter {voter!r} appears twice", lineno, "budgeting.voter_twice", voter=voter)
        seen_voters.add(voter)
        vote_text = row[i_vote].strip()
        chosen = tuple(p.strip() for p in vote_text.split(",")) if vote_text else ()
        for p in chosen:
            if p not in projects:
                raise fail(f"voter {voter!r} votes for project {p!r}, which is not in PROJECTS", lineno,
                           "budgeting.unknown_project", voter=voter, project=p)
        if len(set(chosen)) != len(chosen):
            raise fail(f"voter {voter!r} names the same project twice", lineno, "budgeting.project_named_twice",
                       voter=voter)
        if max_length is not None and len(chosen) > max_length:
            raise fail(f"voter {voter!r} chose {len(chosen)} projects, more than max_length {max_length}", lineno,
                       "budgeting.too_many_projects", voter=voter, n=len(chosen), max=max_length)
        if vote_type == "choose-1" and len(chosen) > 1:
            raise fail(f"voter {voter!r} chose {len(chosen)} projects in a choose-1 vote", lineno,
                       "budgeting.choose_one", voter=voter, n=len(chosen))
        points: tuple[Fraction, ...] | None = None
        if i_points is not None and vote_type in ("cumulative", "scoring"):
            pts_text = row[i_points].strip()
            pts_raw = [x.strip() for x in pts_text.split(",")] if pts_text else []
            if len(pts_raw) != len(chosen):
                raise fail(f"voter {voter!r} has {len(chosen)} projects but {len(pts_raw)} points", lineno,
                           "budgeting.points_count", voter=voter, n=len(chosen), points=len(pts_raw))
            try:
                points = tuple(parse_number(x) for x in pts_raw)
            except (ValueError, ZeroDivisionError):
                raise fail(f"voter {voter!r}: points {pts_text!r} are not numbers", lineno,
                           "budgeting.points_not_numbers", voter=voter, value=pts_text) from None
            if any(x < 0 for x in points):
                raise fail(f"voter {voter!r} gives negative points", lineno, "budgeting.points_negative", voter=voter)
        extra = {h: row[i].strip() for i, h in extra_cols}
        if i_points is not None and points is None:
            extra["points"] = row[i_points].strip()
        ballots.append(Ballot(voter, chosen, points, extra))
    return Election(meta=meta, projects=projects, ballots=ballots,
                    project_columns=headers["projects"], vote_columns=vote_header)


def _check_header(section: str, header: list[str], lineno: int, fail) -> None:
    required = {"meta": ("key", "value"), "projects": ("project_id", "cost"), "votes": ("voter_id", "vote")}
    if section == "meta":
        if [h.lower() for h in header[:2]] != ["key", "value"] or len(header) != 2:
            raise fail("the META header must read 'key;value'", lineno, "budgeting.meta_header")
        return
    for col in required[section]:
        if col not in header:
            raise fail(f"the {section.upper()} header has no '{col}' column", lineno, "budgeting.header_column",
                       section=section.upper(), column=col)
    if len(set(header)) != len(header):
        raise fail(f"the {section.upper()} header names a column twice", lineno, "budgeting.header_twice",
                   section=section.upper())


def _meta_line(lines: list[str], key: str) -> int | None:
    for i, line in enumerate(lines, start=1):
        if line.split(";", 1)[0].strip() == key:
            return i
    return None


def _meta_int(meta: dict[str, str], key: str, lines: list[str], fail) -> int | None:
    if key not in meta or not meta[key].strip():
        return None
    try:
        return int(parse_number(meta[key]))
    except (ValueError, ZeroDivisionError):
        raise fail(f"META {key} {meta[key]!r} is not a whole number", _meta_line(lines, key),
                   "budgeting.meta_not_whole", key=key, value=meta[key]) from None


def write_pabulib(election: Election, target: str | os.PathLike[str] | TextIO | None = None) -> str:
    """Write the round as a .pb file; returns the text (and writes it to `target` if given)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta.setdefault("num_projects", str(len(election.projects)))
    meta.setdefault("num_votes", str(len(election.ballots)))
    out.write("META\n")
    w.writerow(["key", "value"])
    for k, v in meta.items():
        w.writerow([k, v])
    out.write("PROJECTS\n")
    pcols = list(election.project_columns)
    for c in ("project_id", "cost"):
        if c not in pcols:
            pcols.insert(0 if c == "project_id" else 1, c)
    extra_p = [c for p in election.projects.values() for c in p.extra if c not in pcols]
    pcols += list(dict.fromkeys(extra_p))
    w.writerow(pcols)
    for p in election.projects.values():
        fields = {"project_id": p.id, "cost": format_number(p.cost), "name": p.name, **p.extra}
        w.writerow([fields.get(c, "") for c in pcols])
    out.write("VOTES\n")
    vcols = list(election.vote_columns)
    scored = election.vote_type in ("cumulative", "scoring")
    if scored and "points" not in vcols:
        vcols.insert(vcols.index("vote") + 1, "points")
    w.writerow(vcols)
    for b in election.ballots:
        fields = {"voter_id": b.voter_id, "vote": ",".join(b.projects), **b.extra}
        if b.points is not None:
            fields["points"] = ",".join(format_number(x) for x in b.points)
        w.writerow([fields.get(c, "") for c in vcols])
    text = out.getvalue()
    if target is not None:
        if isinstance(target, str | os.PathLike):
            Path(target).write_text(text, encoding="utf-8")
        else:
            target.write(text)
    return text
