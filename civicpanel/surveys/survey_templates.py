"""Ready-made surveys a council can start from. Texts in Danish, Norwegian Bokmål and English;
`uid`s are local to the template and replaced by fresh ones when a survey is made from it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _t(da: str, nb: str, en: str) -> dict[str, str]:
    return {"da": da, "nb": nb, "en": en}


def _options(*labels: tuple[str, str, str]) -> list[dict]:
    return [{"code": str(i), "label": _t(*label)} for i, label in enumerate(labels, start=1)]


SATISFIED_5 = {"scale_min": 1, "scale_max": 5,
               "low_label": _t("Meget utilfreds", "Svært misfornøyd", "Very dissatisfied"),
               "high_label": _t("Meget tilfreds", "Svært fornøyd", "Very satisfied")}

THANKS = _t(
    "Tak for dine svar! Når lokaludvalget har drøftet resultaterne, bliver de offentliggjort på "
    "panelets hjemmeside sammen med det, der blev besluttet.",
    "Takk for svarene dine! Når utvalget har drøftet resultatene, blir de publisert på panelets "
    "nettside sammen med det som ble vedtatt.",
    "Thank you for your answers! Once the council has discussed the results, they are published on "
    "the panel's web page together with what was decided.",
)

TEMPLATES: dict[str, dict] = {
    "local_satisfaction": {
        "name": _("Local satisfaction"),
        "description": _("How residents rate their area: overall satisfaction, services, safety, and what to improve."),
        "title": _t("Hvordan er det at bo i dit område?", "Hvordan er det å bo i ditt område?",
                    "How is life in your area?"),
        "intro": _t("Det tager omkring 5 minutter.", "Det tar omtrent 5 minutter.", "It takes about 5 minutes."),
        "thanks": THANKS,
        "pages": [
            [
                {"uid": "t1", "kind": "scale", "required": True, "settings": SATISFIED_5,
                 "text": _t("Hvor tilfreds er du alt i alt med at bo i dit område?",
                            "Hvor fornøyd er du alt i alt med å bo i ditt område?",
                            "Overall, how satisfied are you with living in your area?")},
                {"uid": "t2", "kind": "matrix", "required": False,
                 "settings": {**SATISFIED_5, "rows": _options(
                     ("Indkøb", "Butikker", "Shops"),
                     ("Offentlig transport", "Kollektivtransport", "Public transport"),
                     ("Legepladser og parker", "Lekeplasser og parker", "Playgrounds and parks"),
                     ("Renhold", "Renhold", "Cleanliness"))},
                 "text": _t("Hvor tilfreds er du med ...", "Hvor fornøyd er du med ...", "How satisfied are you with ...")},
                {"uid": "t3", "kind": "yesno", "required": True,
                 "text": _t("Føler du dig tryg i dit område om aftenen?", "Føler du deg trygg i området ditt om kvelden?",
                            "Do you feel safe in your area in the evening?")},
            ],
            [
                {"uid": "t4", "kind": "long_text", "required": False, "condition": {"question": "t3", "op": "equals", "value": "no"},
                 "text": _t("Hvad får dig til at føle dig utryg?", "Hva gjør at du føler deg utrygg?",
                            "What makes you feel unsafe?")},
                {"uid": "t5", "kind": "multi", "required": False, "settings": {"max_choices": 3},
                 "options": _options(("Grønne områder", "Grøntområder", "Green areas"),
                                     ("Trafiksikkerhed", "Trafikksikkerhet", "Road safety"),
                                     ("Kulturtilbud", "Kulturtilbud", "Culture"),
                                     ("Tilbud til unge", "Tilbud til unge", "Activities for young people"),
                                     ("Tilbud til ældre", "Tilbud til eldre", "Activities for older people")),
                 "text": _t("Hvad bør lokaludvalget prioritere? (højst 3)", "Hva bør prioriteres? (høyst 3)",
                            "What should the council prioritise? (at most 3)")},
            ],
        ],
    },
    "traffic_green": {
        "name": _("Traffic and green areas"),
        "description": _("How residents get around, road safety, and how they use and want parks and green spaces."),
        "title": _t("Trafik og grønne områder", "Trafikk og grøntområder", "Traffic and green areas"),
        "intro": _t("Vi vil gerne høre om trafik og grønne områder i dit nærområde.",
                    "Vi vil gjerne høre om trafikk og grøntområder i nærområdet ditt.",
                    "We would like to hear about traffic and green areas near you."),
        "thanks": THANKS,
        "pages": [
            [
                {"uid": "t1", "kind": "single", "required": True, "settings": {"allow_other": True},
                 "options": _options(("Gang", "Gange", "Walking"), ("Cykel", "Sykkel", "Bicycle"),
                                     ("Bus, tog eller metro", "Buss, tog eller bane", "Bus, train or metro"),
                                     ("Bil", "Bil", "Car")),
                 "text": _t("Hvordan kommer du oftest rundt i området?", "Hvordan kommer du deg oftest rundt i området?",
                            "How do you usually get around the area?")},
                {"uid": "t2", "kind": "scale", "required": True,
                 "settings": {"scale_min": 0, "scale_max": 10,
                              "low_label": _t("Meget utryg", "Svært utrygg", "Very unsafe"),
                              "high_label": _t("Meget tryg", "Svært trygg", "Very safe")},
                 "text": _t("Hvor tryg føler du dig i trafikken i området?", "Hvor trygg føler du deg i trafikken i området?",
                            "How safe do you feel in traffic in the area?")},
            ],
            [
                {"uid": "t3", "kind": "long_text", "required": False, "condition": {"question": "t2", "op": "lt", "value": 5},
                 "text": _t("Hvor føler du dig utryg?", "Hvor føler du deg utrygg?", "Where do you feel unsafe?")},
                {"uid": "t4", "kind": "number", "required": False, "settings": {"min": 0, "max": 31},
                 "text": _t("Hvor mange dage i den seneste måned har du besøgt en park?",
                            "Hvor mange dager den siste måneden har du besøkt en park?",
                            "On how many days in the last month did you visit a park?")},
                {"uid": "t5", "kind": "ranking", "required": False,
                 "options": _options(("Flere træer", "Flere trær", "More trees"),
                                     ("Flere bænke", "Flere benker", "More benches"),
                                     ("Legepladser", "Lekeplasser", "Playgrounds"),
                                     ("Byhaver", "Parsellhager", "Community gardens")),
                 "text": _t("Sæt i rækkefølge: hvad ønsker du mest i de grønne områder?",
                            "Ranger: hva ønsker du deg mest i grøntområdene?",
                            "Rank: what do you want most in the green areas?")},
            ],
        ],
    },
    "blank_consultation": {
        "name": _("Short consultation on a proposal"),
        "description": _("Three questions on one proposal: support, why, and anything else."),
        "title": _t("Hvad mener du om forslaget?", "Hva mener du om forslaget?", "What do you think of the proposal?"),
        "intro": {},
        "thanks": THANKS,
        "pages": [
            [
                {"uid": "t1", "kind": "info", "text": _t("Læs forslaget på vores hjemmeside, før du svarer.",
                                                         "Les forslaget på nettsiden vår før du svarer.",
                                                         "Read the proposal on our website before you answer.")},
                {"uid": "t2", "kind": "scale", "required": True,
                 "settings": {"scale_min": 1, "scale_max": 5,
                              "low_label": _t("Helt imod", "Helt imot", "Strongly against"),
                              "high_label": _t("Helt for", "Helt for", "Strongly in favour")},
                 "text": _t("Er du for eller imod forslaget?", "Er du for eller imot forslaget?",
                            "Are you for or against the proposal?")},
                {"uid": "t3", "kind": "long_text", "required": False,
                 "text": _t("Hvorfor?", "Hvorfor?", "Why?")},
            ],
        ],
    },
}

AGREE_5 = {"scale_min": 1, "scale_max": 5,
           "low_label": _t("Helt uenig", "Helt uenig", "Strongly disagree"),
           "high_label": _t("Helt enig", "Helt enig", "Strongly agree")}

# The evaluation of a participatory-budgeting round, and its follow-up a year later (the
# effects, as Ballerup measures them). Staff create them from the round's page for those who
# took part; they are ordinary draft surveys and may be adjusted before sending.
TEMPLATES["pb_evaluation"] = {
    "name": _("Evaluation of a participatory-budgeting round"),
    "description": _("For those who took part: how they heard of it, how voting went, whether they trust the "
                     "result and would take part again."),
    "title": _t("Hvordan gik borgerbudgettet?", "Hvordan gikk innbyggerbudsjettet?", "How did the citizens' budget go?"),
    "intro": _t("Du var med i vores borgerbudget. Fortæl os, hvordan det gik. Det tager omkring 3 minutter.",
                "Du var med i innbyggerbudsjettet vårt. Fortell oss hvordan det gikk. Det tar omtrent 3 minutter.",
                "You took part in our citizens' budget. Tell us how it went. It takes about 3 minutes."),
    "thanks": THANKS,
    "pages": [
        [
            {"uid": "e1", "kind": "single", "required": False,
             "options": _options(("Fra borgerpanelet", "Fra innbyggerpanelet", "From the citizen panel"),
                                 ("Brev eller avis", "Brev eller avis", "A letter or the newspaper"),
                                 ("Sociale medier", "Sosiale medier", "Social media"),
                                 ("Naboer, venner eller familie", "Naboer, venner eller familie",
                                  "Neighbours, friends or family")),
             "text": _t("Hvordan hørte du om borgerbudgettet?", "Hvordan hørte du om innbyggerbudsjettet?",
                        "How did you hear about the citizens' budget?")},
            {"uid": "e2", "kind": "matrix", "required": False,
             "settings": {**AGREE_5, "rows": _options(
                 ("Det var let at stemme", "Det var lett å stemme", "Voting was easy"),
                 ("Reglerne for optællingen var forståelige", "Reglene for opptellingen var forståelige",
                  "The counting rules were understandable"),
                 ("Jeg stoler på resultatet", "Jeg stoler på resultatet", "I trust the result"),
                 ("Projekterne var relevante for mit område", "Prosjektene var relevante for området mitt",
                  "The projects mattered to my area"))},
             "text": _t("Hvor enig er du?", "Hvor enig er du?", "How much do you agree?")},
            {"uid": "e3", "kind": "yesno", "required": True,
             "text": _t("Vil du være med igen næste gang?", "Vil du være med igjen neste gang?",
                        "Would you take part again next time?")},
            {"uid": "e4", "kind": "long_text", "required": False,
             "text": _t("Hvad kunne vi gøre bedre?", "Hva kunne vi gjort bedre?", "What could we do better?")},
        ],
    ],
}
TEMPLATES["pb_effects"] = {
    "name": _("A participatory-budgeting round, a year later"),
    "description": _("For those who took part, a year after the round: do they use what was built, and did it "
                     "make a difference to their area?"),
    "title": _t("Borgerbudgettet et år efter", "Innbyggerbudsjettet et år etter", "The citizens' budget, a year later"),
    "intro": _t("For et år siden var du med i vores borgerbudget. Nu vil vi gerne høre, hvad projekterne har "
                "betydet. Det tager omkring 3 minutter.",
                "For et år siden var du med i innbyggerbudsjettet vårt. Nå vil vi gjerne høre hva prosjektene "
                "har betydd. Det tar omtrent 3 minutter.",
                "A year ago you took part in our citizens' budget. Now we would like to hear what the projects "
                "have meant. It takes about 3 minutes."),
    "thanks": THANKS,
    "pages": [
        [
            {"uid": "f1", "kind": "single", "required": True,
             "options": _options(("Ofte", "Ofte", "Often"), ("Af og til", "Av og til", "Now and then"),
                                 ("Aldrig", "Aldri", "Never"),
                                 ("Jeg kender dem ikke", "Jeg kjenner dem ikke", "I do not know them")),
             "text": _t("Hvor ofte bruger du de projekter, der blev bygget?",
                        "Hvor ofte bruker du prosjektene som ble bygget?",
                        "How often do you use the projects that were built?")},
            {"uid": "f2", "kind": "matrix", "required": False,
             "settings": {**AGREE_5, "rows": _options(
                 ("Projekterne har gjort mit område bedre", "Prosjektene har gjort området mitt bedre",
                  "The projects have made my area better"),
                 ("Jeg har mere tillid til kommunen", "Jeg har mer tillit til kommunen",
                  "I trust the council more"),
                 ("Jeg kender flere i mit område", "Jeg kjenner flere i området mitt",
                  "I know more people in my area"))},
             "text": _t("Hvor enig er du?", "Hvor enig er du?", "How much do you agree?")},
            {"uid": "f3", "kind": "long_text", "required": False,
             "text": _t("Vil du fortælle os mere?", "Vil du fortelle oss mer?", "Would you like to tell us more?")},
        ],
    ],
}
