"""The demo's surveys: one sent to a district and half answered, so the response-rate and
results pages have something to show, and one draft to try the builder on.

Answers go through the same service a resident's browser uses (page by page), and who answers
follows the panel's usual pattern: older members answer more often than young ones.
"""

from __future__ import annotations

import numpy as np
from django.http import QueryDict

from civicpanel.members.models import Member
from civicpanel.panel.models import ProfileOption
from civicpanel.surveys import services
from civicpanel.surveys.models import Invitation, Question, Survey, Wave

DEMO_DISTRICT = "Vigerslev"
ANSWER_RATE_BY_AGE = [(25, 0.25), (35, 0.35), (50, 0.5), (65, 0.6), (200, 0.7)]
UNSAFE_PLACES = [
    "Krydset ved Vigerslev Allé og Retortvej om morgenen.",
    "Cykelstien langs Folehaven er for smal.",
    "Der køres for stærkt på Gammel Køge Landevej.",
    "Ved skolen, når forældrene afleverer i bil.",
    "Det er mørkt i parken om aftenen.",
]


# What the secretariat wrote before sending the traffic survey (required before sending).
TRAFFIC_PURPOSE = {
    "purpose": {
        "da": "Lokaludvalget vil vide, hvordan beboerne i Vigerslev kommer rundt, hvor de føler sig utrygge "
              "i trafikken, og hvad de ønsker sig af de grønne områder.",
        "nb": "Lokalutvalget vil vite hvordan beboerne i Vigerslev kommer seg rundt, hvor de føler seg utrygge "
              "i trafikken, og hva de ønsker seg av grøntområdene.",
        "en": "The local council wants to know how residents of Vigerslev get around, where they feel unsafe "
              "in traffic, and what they want from the green areas.",
    },
    "committee": {
        "da": "Trafik- og miljøudvalget (sag 2026-114: trafikplan for Vigerslev)",
        "nb": "Trafikk- og miljøutvalget (sak 2026-114: trafikkplan for Vigerslev)",
        "en": "The traffic and environment committee (case 2026-114: traffic plan for Vigerslev)",
    },
    "answers_use": {
        "da": "Svarene indgår i lokaludvalgets høringssvar til Københavns Kommunes trafikplan og i valget af, "
              "hvilke kryds udvalget beder kommunen om at se på først.",
        "nb": "Svarene inngår i lokalutvalgets høringssvar til Københavns kommunes trafikkplan og i valget av "
              "hvilke kryss utvalget ber kommunen se på først.",
        "en": "The answers go into the local council's response to the City of Copenhagen's traffic plan and "
              "into the choice of which junctions the committee asks the city to look at first.",
    },
}


def seed_demo_surveys(*, council, actor, rng: np.random.Generator) -> None:
    answered = services.survey_from_template(council=council, actor=actor, key="traffic_green")
    services.survey_purpose_update(council=council, actor=actor, survey=answered, **TRAFFIC_PURPOSE)
    services.survey_open(council=council, actor=actor, survey=answered)
    district = ProfileOption.objects.get(question__council=council, district__name=DEMO_DISTRICT)
    filters = {"district": [district.code], "status": ["active"]}
    paper_members = _members_on_paper(council, district, rng)
    services.wave_send(council=council, actor=actor, survey=answered, filters=filters)
    _answer_some(answered, rng)
    # Those without e-mail got the questionnaire on paper; most sent it back and staff typed it in.
    services.wave_send(council=council, actor=actor, survey=answered, filters=filters, channel=Wave.Channel.PAPER)
    _answer_on_paper(council, actor, answered, paper_members, rng)
    services.survey_from_template(council=council, actor=actor, key="local_satisfaction")


def seed_demo_report(*, council, actor) -> None:
    """The traffic survey's committee report in Danish, with its decision (run after the
    publishing seed has closed the survey and written the decision), made now: the worker
    skips a report already made."""
    from civicpanel.analysis.report_services import report_render, report_request
    from civicpanel.common.pdf import pdf_available

    survey = (Survey.objects.filter(council=council, responses__completed_at__isnull=False)
              .distinct().order_by("pk").first())
    if survey is None or not pdf_available():
        return
    report = report_request(council=council, actor=actor, survey=survey, language="da",
                            breakdowns=["gender", "birth_year"])
    report_render(report_id=report.pk)


PAPER_MEMBERS = 14
PAPER_STREETS = ["Valby Langgade", "Vigerslev Allé", "Toftegårds Allé", "Gammel Køge Landevej", "Søndre Fasanvej"]


def _members_on_paper(council, district, rng: np.random.Generator) -> list[Member]:
    """Some of the district's oldest active members joined on a paper form at the library and
    gave no e-mail address: they take part on paper or by phone."""
    oldest = list(Member.objects.filter(council=council, district=district.district, status=Member.Status.ACTIVE,
                                        birth_year__lte=1950).order_by("birth_year", "pk")[:PAPER_MEMBERS])
    Member.objects.filter(pk__in=[m.pk for m in oldest]).update(email=None, email_hash=None)
    # Their postal addresses (printed in the envelope's window of their questionnaires) and, for
    # most, a phone number for the call list; one in five gave none, so the list marks them.
    for number, member in enumerate(oldest):
        member.postal_address = (f"{PAPER_STREETS[number % len(PAPER_STREETS)]} {7 + 4 * number}\n"
                                 f"{member.postal_code or '2500'} Valby")
        member.phone = "" if number % 5 == 4 else f"+45 {31 + number} {40 + number} {52 + number} {60 + number}"
        member.save(update_fields=["postal_address", "phone"])
    return oldest


def _answer_on_paper(council, actor, survey, members: list[Member], rng: np.random.Generator) -> None:
    from civicpanel.surveys.paper_entry import paper_entry_submit

    questions = list(Question.objects.filter(page__survey=survey))
    invitations = Invitation.objects.filter(survey=survey, member__in=members, wave__channel=Wave.Channel.PAPER)
    for number, invitation in enumerate(invitations.select_related("member").order_by("pk")):
        if number % 4 == 3:  # a quarter have not sent theirs back yet
            continue
        age = 2026 - (invitation.member.birth_year or 1950)
        data = QueryDict(mutable=True)
        for question in questions:
            _fill(data, question, age, rng)
        paper_entry_submit(council=council, actor=actor, survey=survey, invitation=invitation,
                           mode="phone" if number % 5 == 0 else "paper", data=data)


def _answer_some(survey, rng: np.random.Generator) -> None:
    questions = {q.uid: q for q in Question.objects.filter(page__survey=survey)}
    pages = list(survey.pages.order_by("order"))
    invitations = Invitation.objects.filter(survey=survey).select_related("member")
    for invitation in invitations:
        age = 2026 - (invitation.member.birth_year or 1970)
        rate = next(r for limit, r in ANSWER_RATE_BY_AGE if age < limit)
        if rng.random() > rate:
            continue
        finish = rng.random() < 0.9  # a few stop after the first page
        for index, page in enumerate(pages):
            if index > 0 and not finish:
                break
            data = QueryDict(mutable=True)
            for question in (q for q in questions.values() if q.page_id == page.pk):
                _fill(data, question, age, rng)
            services.response_submit_page(invitation=invitation, page_id=page.pk, data=data,
                                          language=invitation.member.language)


def _fill(data: QueryDict, question: Question, age: int, rng: np.random.Generator) -> None:
    name = f"q_{question.uid}"
    codes = [str(option["code"]) for option in question.options]
    if question.kind == "single":
        weights = np.array([0.3, 0.35, 0.25, 0.1]) if age < 50 else np.array([0.35, 0.15, 0.3, 0.2])
        data[name] = codes[rng.choice(len(codes), p=weights[: len(codes)] / weights[: len(codes)].sum())]
    elif question.kind == "scale":
        low, high = question.settings.get("scale_min", 1), question.settings.get("scale_max", 5)
        data[name] = str(int(np.clip(rng.normal((low + high) * 0.6, (high - low) / 4), low, high)))
    elif question.kind == "long_text":
        if rng.random() < 0.6:
            data[name] = UNSAFE_PLACES[int(rng.integers(len(UNSAFE_PLACES)))]
    elif question.kind == "number":
        data[name] = str(int(rng.integers(0, 20)))
    elif question.kind == "ranking":
        for place, code in enumerate(rng.permutation(codes), start=1):
            data[f"{name}_{code}"] = str(place)
