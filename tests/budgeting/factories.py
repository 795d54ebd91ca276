"""Rounds for the tests: a city-wide or district round with projects, ready for the vote."""

from __future__ import annotations

import io

from PIL import Image

from civicpanel.budgeting import services
from civicpanel.budgeting.models import Project, Round
from tests.factories import MemberFactory, staff_user

TITLE = {"da": "Borgerbudget 2027", "nb": "Innbyggerbudsjett 2027", "en": "Citizens' budget 2027"}


def build_round(council, *, stage: str = Round.Stage.VOTING, costs=(40_000, 30_000, 30_000, 20_000),
                budget: int = 100_000, districts: dict | None = None, actor=None, **fields) -> Round:
    """A published round with one project per cost (city-wide, or in `districts`: {district: [costs]})."""
    actor = actor or staff_user(council, "admin")
    budgets = {d: sum(c) for d, c in (districts or {}).items()}
    rnd = services.round_create(council=council, actor=actor, title=TITLE, published=True,
                                citywide_budget=budget if not districts else fields.pop("citywide_budget", 0),
                                budgets=budgets, **fields)
    if districts:
        for district, dcosts in districts.items():
            for cost in dcosts:
                _project(council, actor, rnd, cost, district)
    for cost in (costs if not districts else ()):
        _project(council, actor, rnd, cost, None)
    if stage == Round.Stage.VOTING:
        services.round_set_stage(council=council, actor=actor, round=rnd, stage=Round.Stage.VOTING)
    elif stage != Round.Stage.INFORMATION:
        rnd.stage = stage
        rnd.save()
    rnd.refresh_from_db()
    rnd.actor = actor
    return rnd


def _project(council, actor, rnd, cost, district):
    n = rnd.projects.count() + 1
    return services.project_create(
        council=council, actor=actor, round=rnd, title={"da": f"Projekt {n}", "en": f"Project {n}"},
        description={"en": f"Description {n}"}, district=district, cost=cost, legality=Project.Legality.LEGAL,
        decision=Project.Decision.TO_VOTE, decision_reason={"da": "Kan lade sig gøre.", "en": "Can be done."})


def voter_member(council, **kwargs):
    return MemberFactory(council=council, birth_year=kwargs.pop("birth_year", 1980), **kwargs)


def image_bytes(fmt: str = "PNG", size=(40, 30), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()
