"""The demo council: Valby (a Copenhagen district) with its quarters, illustrative population
figures, about 2,000 members and a staff account for each role.

Everything is generated from a fixed seed, so every demo install shows the same panel. The
panel has the biases real panels have: the young and people with short education join less,
older and highly educated residents more, so the representativeness dashboard and the
weighting have something real to correct.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from importlib import resources

import numpy as np
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from civicpanel.accounts.models import Role, StaffMembership, User
from civicpanel.members.consent import consent_record_build
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer
from civicpanel.panel.defaults import council_setup_defaults
from civicpanel.panel.models import (
    Campaign,
    ConsentVersion,
    PopulationFigure,
    ProfileOption,
    ProfileQuestion,
)
from civicpanel.tenancy.models import Council, District

SEED = 20261123
PANEL_SIZE = 2000
DEMO_PASSWORD = "valby-demo-2026"  # noqa: S105 - the demo prints it; demo accounts only

# Valby's quarters with their postal codes (2500 Valby; parts of Folehaven and Vigerslev are 2450 SV).
DISTRICTS = [
    ("Gammel Valby", ["2500"]),
    ("Carlsberg Byen", ["2450", "2500"]),
    ("Vigerslev", ["2500", "2450"]),
    ("Folehaven", ["2500", "2450"]),
    ("Valby Vest", ["2500"]),
]

# How much more (>1) or less (<1) likely than average a group is to join a panel. The shape
# follows what Danish and Norwegian panels report: young and short-educated residents join less.
JOIN_PROPENSITY = {
    "birth_year": {"15-24": 0.35, "25-34": 0.7, "35-44": 0.95, "45-54": 1.05, "55-64": 1.35, "65-74": 1.55, "75-120": 0.8},
    "education": {"basic": 0.45, "upper_secondary": 0.8, "vocational": 0.7, "short_higher": 1.0, "bachelor": 1.35, "master": 1.75},
    "gender": {"woman": 1.12, "man": 0.9, "other": 1.0},
}

CAMPAIGNS = [
    ("plakat-2025", "Plakater på biblioteket", Campaign.Channel.POSTER),
    ("valby-bladet", "Annonce i Valby Bladet", Campaign.Channel.NEWSPAPER),
    ("brev-2025", "Brev til tilfældigt udtrukne borgere", Campaign.Channel.LETTER),
    ("facebook", "Facebook-opslag", Campaign.Channel.SOCIAL),
]


@dataclass(frozen=True)
class StaffLogin:
    email: str
    role: str
    password: str
    totp_secret: str


STAFF = [
    ("admin@valby.demo", "Aske Admin", Role.ADMIN),
    ("manager@valby.demo", "Mette Manager", Role.MANAGER),
    ("analyst@valby.demo", "Anders Analytiker", Role.ANALYST),
]


# The demo council's own look: a green (white text on it: 7.5:1) and a simple emblem drawn for the demo.
DEMO_COLOUR = "#17604a"
DEMO_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 56" role="img" aria-label="Valby">
<path d="M24 2 L44 9 V28 C44 41 35 50 24 54 C13 50 4 41 4 28 V9 Z" fill="#17604a"/>
<path d="M24 10 C31 18 34 24 34 30 C34 36 29.5 40 24 40 C18.5 40 14 36 14 30 C14 24 17 18 24 10 Z" fill="#ffffff"/>
<path d="M24 22 V47 M24 31 L30 26 M24 35 L18 30" stroke="#17604a" stroke-width="2.4" fill="none" stroke-linecap="round"/>
</svg>"""


def demo_exists() -> bool:
    return Council.objects.filter(slug="valby").exists()


@transaction.atomic
def seed_demo() -> list[StaffLogin]:
    rng = np.random.default_rng(SEED)
    council = Council.objects.create(
        slug="valby", name="Valby Lokaludvalg", country="DK", languages=["da", "nb", "en"],
        default_language="da", minimum_age=15, contact_email="borgerpanel@valby.demo",
        from_email="borgerpanel@valby.demo", brand_colour=DEMO_COLOUR,
    )
    council.logo.save("logo.svg", ContentFile(DEMO_LOGO.encode()), save=True)
    for order, (name, codes) in enumerate(DISTRICTS):
        District.objects.create(council=council, name=name, postal_codes=codes, order=order)
    council_setup_defaults(council=council)
    _load_population(council)
    logins = _create_staff(council, rng)
    _create_members(council, rng)
    from civicpanel.demo.surveys_seed import seed_demo_surveys

    manager = User.objects.get(email="manager@valby.demo")
    seed_demo_surveys(council=council, actor=manager, rng=rng)
    from civicpanel.demo.budgeting_seed import seed_demo_budgeting

    seed_demo_budgeting(council=council, actor=manager, rng=rng)
    from civicpanel.demo.events_seed import seed_demo_events

    seed_demo_events(council=council, actor=manager, rng=rng)
    from civicpanel.demo.publishing_seed import seed_demo_publishing

    seed_demo_publishing(council=council, actor=manager)
    from civicpanel.demo.surveys_seed import seed_demo_report

    seed_demo_report(council=council, actor=manager)
    from civicpanel.demo.newsletters_seed import seed_demo_newsletters

    seed_demo_newsletters(council=council, actor=manager)
    from civicpanel.demo.recruitment_seed import seed_demo_recruitment

    seed_demo_recruitment(council=council, actor=manager, rng=rng)
    return logins


def _load_population(council: Council) -> None:
    from civicpanel.panel.population import population_import_csv

    files = resources.files("civicpanel.panel").joinpath("data")
    # One-way figures first (they say that "other" gender is not counted), then the joint table
    # district x gender x age that weights a survey sent to one district to that district.
    for name in ("valby_population_illustrative.csv", "valby_population_by_district_age_gender_illustrative.csv"):
        population_import_csv(council=council, actor=None, data=files.joinpath(name).read_bytes(), dry_run=False)


def _create_staff(council: Council, rng: np.random.Generator) -> list[StaffLogin]:
    logins = []
    for email, name, role in STAFF:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, language="da")
        StaffMembership.objects.create(user=user, council=council, role=role)
        secret = base64.b32encode(rng.bytes(20)).decode()
        TOTP.activate(user, secret)
        logins.append(StaffLogin(email, role, DEMO_PASSWORD, secret))
    assert Authenticator.objects.filter(user__memberships__council=council).count() == len(STAFF)
    return logins


def _shares(question: ProfileQuestion) -> tuple[list[ProfileOption], np.ndarray]:
    options = list(question.options.all())
    counts = dict(PopulationFigure.objects.filter(option__in=options).values_list("option_id", "count"))
    weights = np.array([counts.get(o.pk, 0) for o in options], dtype=float)
    if weights.sum() == 0:
        weights = np.ones(len(options))
    propensity = JOIN_PROPENSITY.get(question.key, {})
    weights *= np.array([propensity.get(o.code, 1.0) for o in options])
    return options, weights / weights.sum()


def _create_members(council: Council, rng: np.random.Generator) -> None:
    questions = {q.key: q for q in council.profile_questions.prefetch_related("options")}
    drawn = {key: _shares(q) for key, q in questions.items() if q.kind != ProfileQuestion.Kind.MULTI}
    consent = ConsentVersion.objects.get(council=council, version=1)
    campaigns = [Campaign.objects.create(council=council, code=c, name=n, channel=ch) for c, n, ch in CAMPAIGNS]
    first_names = ["Anne", "Mads", "Sofie", "Jonas", "Ida", "Mikkel", "Freja", "Lars", "Fatima", "Ali", "Emma",
                   "Noah", "Kirsten", "Henrik", "Amalie", "Oliver", "Hanne", "Peter", "Zainab", "Lukas"]
    last_names = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
                  "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Yilmaz", "Hussein"]
    now = timezone.now()
    today = dt.date(2026, 11, 23)
    members, answer_specs = [], []
    for i in range(PANEL_SIZE):
        picks = {key: options[rng.choice(len(options), p=p)] for key, (options, p) in drawn.items()}
        band = picks["birth_year"]
        age = int(rng.integers(band.min_age, min(band.max_age, 95) + 1))
        district = picks["district"].district
        status = rng.choice(["active", "pending", "paused", "left"], p=[0.93, 0.03, 0.025, 0.015])
        joined = now - dt.timedelta(days=int(rng.integers(5, 900)))
        first, last = rng.choice(first_names), rng.choice(last_names)
        member = Member(
            council=council, email=f"{_ascii(first)}.{_ascii(last)}.{i}@example.dk", name=f"{first} {last}",
            language=rng.choice(["da", "en", "nb"], p=[0.9, 0.08, 0.02]), birth_year=today.year - age,
            postal_code=rng.choice(district.postal_codes), district=district, status=status,
            campaign=campaigns[int(rng.integers(len(campaigns)))] if rng.random() < 0.7 else None,
            source="demo", consent_version=consent, consent_given_at=joined,
            confirmed_at=None if status == "pending" else joined + dt.timedelta(hours=2),
            # Never in the future: a member who joined five days ago was last active within them.
            last_active_at=min(now, joined + dt.timedelta(days=int(rng.integers(0, 60)))),
        )
        if status == "left":
            member.email, member.name, member.postal_code, member.birth_year, member.district = None, "", "", None, None
            member.left_at = min(now, joined + dt.timedelta(days=200))
            member.last_active_at = min(member.last_active_at, member.left_at)
        members.append(member)
        answer_specs.append(None if status == "left" else picks)
    Member.objects.bulk_create(members, batch_size=500)
    # bulk_create ignores auto_now_add: set the joining dates we drew.
    for member in members:
        member.joined_at = member.consent_given_at
    Member.objects.bulk_update(members, ["joined_at"], batch_size=500)

    interests = questions.get("interests")
    interest_options = list(interests.options.all()) if interests else []
    answers, consents = [], []
    for member, picks in zip(members, answer_specs, strict=True):
        if picks is None:
            continue
        consents.append(consent_record_build(member=member, version=consent, channel=ConsentRecord.Channel.WEB,
                                             language=member.language, at=member.consent_given_at))
        for key, option in picks.items():
            if questions[key].kind == ProfileQuestion.Kind.SINGLE:
                answers.append(MemberAnswer(member=member, question=questions[key], option=option))
        for option in rng.choice(interest_options, size=int(rng.integers(0, 4)), replace=False) if interest_options else []:
            answers.append(MemberAnswer(member=member, question=interests, option=option))
    MemberAnswer.objects.bulk_create(answers, batch_size=2000)
    ConsentRecord.objects.bulk_create(consents, batch_size=1000)


def _ascii(name: str) -> str:
    """Danish letters as mail systems without SMTPUTF8 spell them in addresses."""
    return name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def seed_demo_api_token() -> str:
    """One read-API token of the demo council, with every scope, as an open-data portal would
    have it; the demo prints it (like the TOTP secrets) so the API can be tried at once."""
    from civicpanel.api.models import Scope
    from civicpanel.api.services import token_create

    council = Council.objects.get(slug="valby")
    admin = User.objects.get(email="admin@valby.demo")
    made = token_create(council=council, actor=admin, name="Åbne data (demo)", scopes=list(Scope.values))
    return made.plaintext
