"""Building address extracts, population figures and letter batches for the recruitment tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from civicpanel.members.models import MemberAnswer
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion
from civicpanel.recruitment import services
from civicpanel.recruitment.models import LetterBatch

YEAR = timezone.localdate().year
HEADER = "name;address;postal_code;town;birth_year;gender;reference"


def csv_bytes(lines: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def residents(n: int, *, age: int, gender: str = "K", postal: str = "2450", start: int = 0) -> list[str]:
    return [f"Beboer {start + i};Testvej {start + i};{postal};Valby;{YEAR - age};{gender};R{start + i}"
            for i in range(n)]


def figures(council, key: str, counts: dict[str, int]) -> None:
    for code, count in counts.items():
        option = ProfileOption.objects.get(question__council=council, question__key=key, code=code)
        PopulationFigure.objects.update_or_create(council=council, option=option, defaults={"count": count})


def age_figures(council) -> None:
    figures(council, "birth_year", {"15-24": 1500, "25-34": 1500, "35-44": 1500, "45-54": 1500, "55-64": 1500,
                                    "65-74": 1500, "75-120": 1000})


def answer(member, key: str, code: str) -> None:
    question = ProfileQuestion.objects.get(council=member.council, key=key)
    MemberAnswer.objects.create(member=member, question=question, option=question.options.get(code=code))


def age_option(council, code: str) -> ProfileOption:
    return ProfileOption.objects.get(question__council=council, question__key="birth_year", code=code)


def letter_campaign(council, *, ends_in_days: int = 30):
    return services.letter_campaign_create(council=council, actor=None, name="Breve til unge",
                                           ends_on=timezone.localdate() + datetime.timedelta(days=ends_in_days))


def extract(council, lines: list[str], *, campaign=None):
    campaign = campaign or letter_campaign(council)
    return services.extract_upload(council=council, actor=None, campaign=campaign, data=csv_bytes(lines),
                                   filename="udtraek.csv")


def batch(council, the_extract, *, method=LetterBatch.Method.ALL, size=None, language="da",
          layout=LetterBatch.Layout.DK, expires_in_days: int = 30, seed: int = 7, plan=None):
    return services.batch_create(council=council, actor=None, extract=the_extract, method=method, size=size,
                                 language=language, layout=layout, plan=plan,
                                 codes_expire_on=timezone.localdate() + datetime.timedelta(days=expires_in_days),
                                 seed=seed)
