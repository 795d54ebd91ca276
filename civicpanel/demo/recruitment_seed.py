"""The demo's recruitment: an address extract of (invented) Valby residents, a letter batch that
over-samples the young, residents who signed up with the code from their letter, campaign costs,
and a year of leavers counted by group so the panel-health page can forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.utils import timezone

from civicpanel.members.models import Member
from civicpanel.members.services import consent_current
from civicpanel.panel.models import Campaign, ProfileOption, ProfileQuestion
from civicpanel.recruitment import services
from civicpanel.recruitment.health import add_months, month_start
from civicpanel.recruitment.models import Departure, Letter, LetterBatch, RecruitmentSettings

EXTRACT_SIZE = 1200
LETTERS = 400
STREETS = ["Toftegårds Allé", "Valby Langgade", "Vigerslev Allé", "Gammel Køge Landevej", "Folehaven",
           "Retortvej", "Ålholmvej", "Carl Jacobsens Vej", "Valgårdsvej", "Trekronergade", "Lyshøjgårdsvej"]
FIRST = ["Anne", "Mads", "Sofie", "Jonas", "Ida", "Mikkel", "Freja", "Lars", "Fatima", "Ali", "Emma", "Noah",
         "Kirsten", "Henrik", "Amalie", "Oliver", "Hanne", "Peter", "Zainab", "Lukas", "Asta", "Malthe"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
        "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Yilmaz", "Hussein"]
# Residents 15+ by age, roughly as in Valby: many in their twenties and thirties.
AGE_WEIGHTS = [(15, 24, 0.15), (25, 34, 0.24), (35, 44, 0.18), (45, 54, 0.14), (55, 64, 0.11), (65, 74, 0.10),
               (75, 95, 0.08)]
# Of the letters that reached each age group, the share that became members (young residents
# answer letters less often).
CONVERSION = {"15-24": 0.06, "25-34": 0.08, "35-44": 0.09, "45-54": 0.1, "55-64": 0.11, "65-74": 0.12, "75-120": 0.07}
COSTS = {"plakat-2025": "4200", "valby-bladet": "12500", "facebook": "2500", "brev-2025": "21000"}


def _extract_csv(council, rng: np.random.Generator) -> bytes:
    year = timezone.localdate().year
    districts = list(council.districts.order_by("order"))
    lines = ["navn;adresse;postnr;by;fødselsår;køn;bydel;reference"]
    bands = np.array([w for _low, _high, w in AGE_WEIGHTS])
    for i in range(EXTRACT_SIZE):
        low, high, _w = AGE_WEIGHTS[int(rng.choice(len(AGE_WEIGHTS), p=bands / bands.sum()))]
        age = int(rng.integers(low, high + 1))
        district = districts[int(rng.integers(len(districts)))]
        postal = district.postal_codes[int(rng.integers(len(district.postal_codes)))]
        name = f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
        street = f"{STREETS[int(rng.integers(len(STREETS)))]} {int(rng.integers(1, 160))}"
        town = "Valby" if postal == "2500" else "København SV"
        gender = "K" if rng.random() < 0.51 else "M"
        lines.append(f"{name};{street};{postal};{town};{year - age};{gender};{district.name};{100000 + i}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sign_up_from_letters(council, batch: LetterBatch, rng: np.random.Generator) -> None:
    """Residents who used their letter's code: the public sign-up's service, then confirmed."""
    consent = consent_current(council=council)
    questions = {q.key: q for q in ProfileQuestion.objects.filter(council=council).prefetch_related("options")}
    bands = {o.pk: o.code for o in questions["birth_year"].options.all()}
    now = timezone.now()
    letters = list(Letter.objects.filter(batch=batch).select_related("addressee"))
    for i, letter in enumerate(letters):
        if rng.random() >= CONVERSION.get(bands.get(letter.age_option_id, ""), 0.08):
            continue
        values = services.letter_prefill(council=council, letter=letter)
        for key, question in questions.items():
            if question.kind == ProfileQuestion.Kind.SINGLE:
                options = list(question.options.all())
                if key == "gender":
                    code = "woman" if letter.addressee.gender == "woman" else "man"
                else:
                    code = options[int(rng.integers(len(options)))].code
                values[key] = code
        member = services.letter_signup(
            council=council, hashed=letter.code_hash, email=f"brev.{batch.pk}.{i}@example.dk",
            name=letter.addressee.name, language="da", profile_values=values, consent_version=consent)
        confirmed = now - dt.timedelta(days=int(rng.integers(1, 20)), hours=int(rng.integers(0, 20)))
        Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE, confirmed_at=confirmed,
                                                   joined_at=confirmed - dt.timedelta(hours=3))
        Letter.objects.filter(pk=letter.pk).update(used_at=confirmed - dt.timedelta(hours=3))


def _departures(council, rng: np.random.Generator) -> None:
    """A year of leavers counted by age band and gender (what the erasure hook records), the
    young leaving a little more often, so the forecast has rates to work from."""
    today = timezone.localdate()
    active = Member.objects.filter(council=council, status=Member.Status.ACTIVE).count()
    age_options = list(ProfileOption.objects.filter(question__council=council, question__key="birth_year"))
    gender_options = list(ProfileOption.objects.filter(question__council=council, question__key="gender",
                                                       code__in=["woman", "man"]))
    leaning = np.array([{"15-24": 2.2, "25-34": 1.6}.get(o.code, 1.0) for o in age_options])
    per_month = max(1, round(active * 0.006))
    for back in range(1, 13):
        month = add_months(month_start(today), -back)
        n = int(rng.poisson(per_month))
        if not n:
            continue
        Departure.objects.create(council=council, month=month, option=None, reason="left", count=n)
        ages = rng.choice(len(age_options), size=n, p=leaning / leaning.sum())
        for index in set(ages.tolist()):
            Departure.objects.create(council=council, month=month, option=age_options[index], reason="left",
                                     count=int((ages == index).sum()))
        women = int(rng.binomial(n, 0.5))
        for option, count in zip(gender_options, (women, n - women), strict=False):
            if count:
                Departure.objects.create(council=council, month=month, option=option, reason="left", count=count)


def seed_demo_recruitment(*, council, actor, rng: np.random.Generator) -> None:
    RecruitmentSettings.objects.create(council=council, warning_percent=80, extract_keep_days=30,
                                       return_address="Afsender: Valby Lokaludvalg, Valgårdsvej 4, 2500 Valby")
    for code, cost in COSTS.items():
        campaign = Campaign.objects.filter(council=council, code=code).first()
        if campaign is not None:
            services.campaign_plan_save(council=council, actor=actor, campaign=campaign, ends_on=None,
                                        cost=Decimal(cost))
    _departures(council, rng)
    campaign = services.letter_campaign_create(
        council=council, actor=actor, name="Breve til unge i Valby, efteråret 2026",
        ends_on=timezone.localdate() + dt.timedelta(days=45))
    extract = services.extract_upload(council=council, actor=actor, campaign=campaign,
                                      data=_extract_csv(council, rng), filename="cpr-udtraek-valby.csv")
    batch = services.batch_create(council=council, actor=actor, extract=extract,
                                  method=LetterBatch.Method.OVERSAMPLED, size=LETTERS, language="da",
                                  layout=LetterBatch.Layout.DK, codes_expire_on=timezone.localdate() + dt.timedelta(days=40),
                                  seed=20261105)
    LetterBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=21))
    services.campaign_plan_save(council=council, actor=actor, campaign=campaign,
                                ends_on=timezone.localdate() + dt.timedelta(days=45), cost=Decimal("9800"))
    _sign_up_from_letters(council, batch, rng)
