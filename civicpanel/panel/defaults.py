"""The standard profile questions a new council starts with, in Danish, Norwegian Bokmål and
English. Categories follow Statistics Denmark / Statistics Norway groupings so population
figures can be matched to them one to one; a council edits them freely afterwards."""

from __future__ import annotations

from django.db import transaction

from civicpanel.panel.models import ConsentVersion, ProfileOption, ProfileQuestion


def _t(da: str, nb: str, en: str) -> dict[str, str]:
    return {"da": da, "nb": nb, "en": en}


AGE_BANDS = [(15, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, 120)]

STANDARD_QUESTIONS: list[dict] = [
    {
        "key": "gender", "kind": ProfileQuestion.Kind.SINGLE,
        "label": _t("Køn", "Kjønn", "Gender"),
        "options": [
            ("woman", _t("Kvinde", "Kvinne", "Woman")),
            ("man", _t("Mand", "Mann", "Man")),
            ("other", _t("Andet / ønsker ikke at oplyse", "Annet / ønsker ikke å oppgi", "Other / prefer not to say")),
        ],
    },
    {"key": "birth_year", "kind": ProfileQuestion.Kind.BIRTH_YEAR, "label": _t("Fødselsår", "Fødselsår", "Year of birth")},
    {"key": "district", "kind": ProfileQuestion.Kind.DISTRICT, "label": _t("Bydel", "Bydel", "District")},
    {
        "key": "education", "kind": ProfileQuestion.Kind.SINGLE,
        "label": _t("Højeste fuldførte uddannelse", "Høyeste fullførte utdanning", "Highest completed education"),
        "options": [
            ("basic", _t("Grundskole", "Grunnskole", "Primary and lower secondary")),
            ("upper_secondary", _t("Gymnasial uddannelse", "Videregående skole", "Upper secondary")),
            ("vocational", _t("Erhvervsuddannelse", "Fagbrev / yrkesfag", "Vocational")),
            ("short_higher", _t("Kort videregående uddannelse", "Fagskole", "Short-cycle higher")),
            ("bachelor", _t("Mellemlang videregående / bachelor", "Universitet/høgskole, inntil 4 år", "Bachelor or equivalent")),
            ("master", _t("Lang videregående / kandidat", "Universitet/høgskole, over 4 år", "Master or higher")),
        ],
    },
    {
        "key": "employment", "kind": ProfileQuestion.Kind.SINGLE,
        "label": _t("Beskæftigelse", "Sysselsetting", "Employment"),
        "options": [
            ("employed", _t("I arbejde", "I arbeid", "Employed")),
            ("self_employed", _t("Selvstændig", "Selvstendig", "Self-employed")),
            ("student", _t("Under uddannelse", "Under utdanning", "Student")),
            ("unemployed", _t("Ledig", "Arbeidsledig", "Unemployed")),
            ("retired", _t("Pensionist", "Pensjonist", "Retired")),
            ("other", _t("Andet", "Annet", "Other")),
        ],
    },
    {
        "key": "housing", "kind": ProfileQuestion.Kind.SINGLE,
        "label": _t("Boligform", "Boform", "Housing"),
        "options": [
            ("owner", _t("Ejerbolig", "Selveier", "Owner-occupied")),
            ("cooperative", _t("Andelsbolig", "Borettslag", "Housing cooperative")),
            ("private_rental", _t("Privat leje", "Privat leie", "Private rental")),
            ("social_housing", _t("Almen bolig", "Kommunal bolig", "Social housing")),
            ("other", _t("Andet", "Annet", "Other")),
        ],
    },
    {
        "key": "interests", "kind": ProfileQuestion.Kind.MULTI, "required": False,
        "label": _t("Hvad interesserer du dig for i lokalområdet?", "Hva interesserer du deg for i nærområdet?",
                    "What interests you in your area?"),
        "options": [
            ("green", _t("Grønne områder og natur", "Grøntområder og natur", "Parks and nature")),
            ("traffic", _t("Trafik og cykling", "Trafikk og sykling", "Traffic and cycling")),
            ("culture", _t("Kultur og fritid", "Kultur og fritid", "Culture and leisure")),
            ("children", _t("Børn og unge", "Barn og unge", "Children and young people")),
            ("elderly", _t("Ældre", "Eldre", "Older people")),
            ("climate", _t("Klima og miljø", "Klima og miljø", "Climate and environment")),
            ("urban", _t("Byudvikling og byggeri", "Byutvikling", "Urban development")),
        ],
    },
]

CONSENT_TEXT = _t(
    "Jeg giver samtykke til, at {council} behandler mine oplysninger (e-mail, profilspørgsmål og svar) "
    "for at invitere mig til undersøgelser og arrangementer i borgerpanelet, for at sende mig nyheder og "
    "resultater fra panelet, så længe jeg ønsker det, og for at lave statistik. "
    "Resultater offentliggøres kun som statistik. Jeg kan til enhver tid se, hente og slette mine "
    "oplysninger og trække mit samtykke tilbage ved at melde mig ud.",
    "Jeg samtykker til at {council} behandler opplysningene mine (e-post, profilspørsmål og svar) "
    "for å invitere meg til undersøkelser og arrangementer i innbyggerpanelet, for å sende meg nyheter og "
    "resultater fra panelet så lenge jeg ønsker det, og for å lage statistikk. "
    "Resultater publiseres bare som statistikk. Jeg kan når som helst se, laste ned og slette "
    "opplysningene mine og trekke samtykket ved å melde meg ut.",
    "I consent to {council} processing my data (e-mail, profile questions and answers) to invite me to "
    "surveys and events of the citizen panel, to send me news and results from the panel for as long as I "
    "want them, and to produce statistics. Results are published only as "
    "statistics. I can see, download and delete my data and withdraw my consent at any time by leaving "
    "the panel.",
)


def standard_consent_text(*, council) -> dict[str, str]:
    """The standard consent text in the council's name (it asks consent to news e-mail too)."""
    return {lang: text.format(council=council.name) for lang, text in CONSENT_TEXT.items()}


def age_band_label(low: int, high: int) -> dict[str, str]:
    if high >= 120:
        return _t(f"{low} år og derover", f"{low} år og eldre", f"{low} and over")
    return _t(f"{low}–{high} år", f"{low}–{high} år", f"{low}–{high}")


@transaction.atomic
def council_setup_defaults(*, council) -> None:
    """Create the standard profile questions (with an option per district) and consent v1.

    Safe to call again: existing questions are left as they are.
    """
    for order, spec in enumerate(STANDARD_QUESTIONS):
        question, created = ProfileQuestion.objects.get_or_create(
            council=council, key=spec["key"],
            defaults={"kind": spec["kind"], "label": spec["label"], "order": order,
                      "required": spec.get("required", True)},
        )
        if not created:
            continue
        if spec["kind"] == ProfileQuestion.Kind.BIRTH_YEAR:
            bands = [(lo, hi) for lo, hi in AGE_BANDS if hi >= council.minimum_age]
            for i, (low, high) in enumerate(bands):
                low = max(low, council.minimum_age)
                ProfileOption.objects.create(question=question, code=f"{low}-{high}", label=age_band_label(low, high),
                                             order=i, min_age=low, max_age=high)
        elif spec["kind"] == ProfileQuestion.Kind.DISTRICT:
            district_options_sync(council=council)
        else:
            for i, (code, label) in enumerate(spec["options"]):
                ProfileOption.objects.create(question=question, code=code, label=label, order=i)
    if not ConsentVersion.objects.filter(council=council).exists():
        ConsentVersion.objects.create(
            council=council, version=1,
            text=standard_consent_text(council=council),
            covers_news=True,  # the standard text asks consent to news and results by e-mail
        )


def district_options_sync(*, council) -> None:
    """Keep the district question's options one to one with the council's districts."""
    from django.utils.text import slugify

    question = ProfileQuestion.objects.filter(council=council, kind=ProfileQuestion.Kind.DISTRICT).first()
    if question is None:
        return
    for district in council.districts.all():
        option = ProfileOption.objects.filter(district=district).first()
        label = {"da": district.name, "nb": district.name, "en": district.name}
        if option is None:
            code = slugify(district.name)[:50] or f"district-{district.pk}"
            ProfileOption.objects.create(question=question, district=district, code=code, label=label,
                                         order=district.order)
        elif option.label != label or option.order != district.order:
            option.label, option.order = label, district.order
            option.save(update_fields=["label", "order"])
