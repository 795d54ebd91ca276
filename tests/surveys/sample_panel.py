"""A seeded panel that is biased against the population (more women, more Vigerslev, too few
young people), with population figures for gender, age and district; shared by the sampling and
weighting tests."""

from __future__ import annotations

import random

from django.utils import timezone

from civicpanel.common.crypto import blind_index
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import ConsentVersion, PopulationFigure, ProfileOption

GENDER_FIGURES = {"woman": 500, "man": 500, "other": 0}
DISTRICT_FIGURES = (600, 400)  # Vigerslev, Gammel Valby


def options(council, key: str) -> list[ProfileOption]:
    return list(ProfileOption.objects.filter(question__council=council, question__key=key).order_by("order", "id"))


def set_population(council, *, with_age: bool = True) -> None:
    rows = []
    for option in options(council, "gender"):
        rows.append(PopulationFigure(council=council, option=option, count=GENDER_FIGURES[option.code]))
    for option, count in zip(options(council, "district"), DISTRICT_FIGURES, strict=True):
        rows.append(PopulationFigure(council=council, option=option, count=count))
    if with_age:
        # Younger bands larger than the panel has them.
        for i, option in enumerate(options(council, "birth_year")):
            rows.append(PopulationFigure(council=council, option=option, count=200 - 20 * i))
    PopulationFigure.objects.bulk_create(rows)


def build_panel(council, *, size: int = 150, seed: int = 1) -> list[Member]:
    """`size` active members: 2/3 women, 3/4 in Vigerslev, ages spread over every band but
    leaning old. Every member answers gender and has a birth year and district."""
    rng = random.Random(seed)
    vigerslev, valby = council.districts.order_by("order")
    gender = {o.code: o for o in options(council, "gender")}
    bands = options(council, "birth_year")
    year = timezone.localdate().year
    consent = ConsentVersion.objects.filter(council=council).order_by("-version").first()
    members = []
    for i in range(size):
        band = bands[i % len(bands)]
        age = band.min_age + (0 if band.max_age is None else rng.randint(0, min(band.max_age, 90) - band.min_age))
        members.append(Member(council=council, email=f"panel{seed}-{i}@example.net", name=f"Panel member {i}",
                              status=Member.Status.ACTIVE, birth_year=year - age,
                              district=vigerslev if rng.random() < 0.75 else valby, consent_version=consent))
    Member.objects.bulk_create(members)
    hashes = [blind_index(m.email) for m in members]
    members = list(Member.objects.filter(council=council, email_hash__in=hashes).order_by("pk"))
    answers = []
    for i, member in enumerate(members):
        option = gender["woman"] if (i % 3) else gender["man"]
        answers.append(MemberAnswer(member=member, question=option.question, option=option))
    MemberAnswer.objects.bulk_create(answers)
    return members
