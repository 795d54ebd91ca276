"""The demo's participatory-budgeting round: "Valby-millionen", modelled on Ballerup's
Borgermillionen but run in four of Valby's quarters (Gammel Valby, Vigerslev, Folehaven and Valby
Vest), 250,000 DKK each. Members proposed 24 ideas; staff screened and assessed them and 16
projects went to the vote; about 1,200 members voted (up to three projects each, in their own
quarter); Equal Shares counted it; two projects are built and one of them opened and celebrated.

Ideas, assessment, votes and the count go through the same services staff and residents use.
The building updates are written directly, so the demo's history does not mail 1,200 people.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from civicpanel.budgeting import counting, services, voting
from civicpanel.budgeting.models import Idea, Project, ProjectUpdate, Round
from civicpanel.members.models import Member
from civicpanel.tenancy.models import District

QUARTERS = ["Gammel Valby", "Vigerslev", "Folehaven", "Valby Vest"]
BUDGET = 250_000
VOTERS = 1200

# Per quarter: (title, description, place, estimate, category, assessed cost, decision, popularity)
# decision: "vote", "reject: reason", "hide: reason", "merge"
IDEAS = {
    "Gammel Valby": [
        ("Bænke og skygge på Valby Torv", "Flere bænke og et par træer, så ældre kan hvile sig.", "Valby Torv",
         60_000, "green", 70_000, "vote", 0.55),
        ("Legeplads ved Søndermarken", "En lille naturlegeplads med balancebomme og sandkasse.",
         "Indgangen fra Valby Langgade", 150_000, "play", 160_000, "vote", 0.5),
        ("Udendørs fitness i Valbyparken", "Træningsredskaber, som alle kan bruge gratis.", "", 90_000, "play",
         90_000, "vote", 0.3),
        ("Byttehylde ved biblioteket", "En overdækket hylde, hvor man kan bytte bøger og ting.",
         "Valby Bibliotek", 20_000, "culture", 25_000, "vote", 0.2),
        ("Flere bænke på torvet", "Vi mangler bænke på torvet.", "Valby Torv", 30_000, "green", 0, "merge", 0),
        ("Gratis parkering for alle", "Fjern betalingen på parkeringspladserne.", "", 0, "traffic", 0,
         "reject: Parkeringsafgifter besluttes af Borgerrepræsentationen og kan ikke ændres af borgerbudgettet.",
         0),
    ],
    "Vigerslev": [
        ("Lys på stien i Vigerslevparken", "Stien er mørk om vinteren; lamper ville gøre den tryg.",
         "Stien fra Vigerslev Allé", 180_000, "traffic", 190_000, "vote", 0.6),
        ("Fælleshaver ved Vigerslev Allé", "Højbede, hvor naboer kan dyrke grøntsager sammen.", "", 50_000,
         "green", 55_000, "vote", 0.35),
        ("Bold- og basketbane", "Kurve og streger på den gamle asfaltplads.", "Asfaltpladsen ved skolen",
         80_000, "play", 85_000, "vote", 0.3),
        ("Insekthotel og vilde blomster", "Lad græsset gro og sæt insekthoteller op.", "Vigerslevparken", 15_000,
         "green", 20_000, "vote", 0.25),
        ("Reklame for min butik", "Et skilt til min forretning på hjørnet.", "", 5_000, "other", 0,
         "hide: Idéen handler om reklame for en enkelt virksomhed, som borgerbudgettet ikke kan støtte.", 0),
        ("Ny metrostation", "Metroen bør køre til Vigerslev.", "", 0, "traffic", 0,
         "reject: En metrostation koster langt mere end budgettet og er statens og kommunens anlægsopgave.", 0),
    ],
    "Folehaven": [
        ("Overdækket mødested", "Et læskur med bænke, hvor unge og ældre kan mødes.", "Ved Folehavens butikker",
         120_000, "culture", 130_000, "vote", 0.45),
        ("Hundeskov", "Et indhegnet område, hvor hunde kan løbe frit.", "Grønningen mod Gammel Køge Landevej",
         70_000, "green", 75_000, "vote", 0.4),
        ("Cykelpumpe og reparationsstander", "En fast cykelpumpe og værktøj til små reparationer.", "", 15_000,
         "traffic", 18_000, "vote", 0.35),
        ("Udendørs scene", "En lille scene til koncerter og fællesspisning om sommeren.", "", 100_000,
         "culture", 110_000, "vote", 0.25),
        ("Fartbump på min vej", "Bilerne kører for stærkt.", "", 40_000, "traffic", 0,
         "reject: Fartdæmpning på kommunale veje behandles i trafiksikkerhedsplanen; vi har sendt idéen videre.",
         0),
        ("Overdækket sted at mødes", "Et sted med tag, hvor man kan sidde.", "", 90_000, "culture", 0, "merge", 0),
    ],
    "Valby Vest": [
        ("Skaterbane", "En lille skaterbane til børn og unge.", "Ved Valby Idrætspark", 200_000, "play", 210_000,
         "vote", 0.45),
        ("Frugttræer i parken", "Æbler og pærer, som alle må plukke.", "", 30_000, "green", 35_000, "vote", 0.4),
        ("Bedre belysning ved stationen", "Det er mørkt og utrygt ved Ålholm Station om aftenen.",
         "Ålholm Station", 70_000, "traffic", 80_000, "vote", 0.35),
        ("Petanquebane", "En bane til petanque og krolf for alle aldre.", "", 25_000, "play", 30_000, "vote",
         0.25),
        ("Svømmehal", "Valby Vest mangler en svømmehal.", "", 0, "play", 0,
         "reject: En svømmehal koster mange gange budgettet og drives af kommunen; den kan ikke bygges for "
         "borgerbudgettet.", 0),
        ("Gratis is om sommeren", "Is til alle børn hver fredag.", "", 50_000, "other", 0,
         "reject: Borgerbudgettet er til varige anlæg i byrummet, ikke til løbende udgifter.", 0),
    ],
}

# The two most voted funded projects: the first built and celebrated, the second built.
# (status, days after the count, Danish text, English text)
BUILT = [
    [("tendering", 20, "Opgaven er sendt i udbud; tre leverandører har givet tilbud.",
      "The work has gone out to tender; three suppliers have bid."),
     ("building", 60, "Arbejdet er i gang og ventes færdigt om en måned.",
      "Work has started and should be finished in a month."),
     ("built", 90, "Projektet står færdigt. Kom og prøv det!", "The project is finished. Come and try it!"),
     ("celebrated", 100, "Borgmesteren og naboerne indviede projektet med kaffe og kage.",
      "The mayor and the neighbours opened the project with coffee and cake.")],
    [("tendering", 25, "Opgaven er sendt i udbud.", "The work has gone out to tender."),
     ("building", 70, "Entreprenøren er gået i gang.", "The contractor has started."),
     ("built", 120, "Projektet står færdigt.", "The project is finished.")],
]


def seed_demo_budgeting(*, council, actor, rng: np.random.Generator) -> Round:
    quarters = {d.name: d for d in District.objects.filter(council=council, name__in=QUARTERS)}
    rnd = services.round_create(
        council=council, actor=actor, published=True,
        title={"da": "Valby-millionen 2026", "nb": "Valby-millionen 2026", "en": "The Valby Million 2026"},
        intro={"da": "Beboerne i fire af Valbys kvarterer bestemmer over 1 million kroner til byrummet: "
                     "250.000 kr. i hvert kvarter. Alle fra 15 år kan foreslå og stemme.",
               "nb": "Innbyggerne i fire av Valbys bydeler bestemmer over 1 million kroner til byrommet: "
                     "250 000 kroner i hver bydel. Alle fra 15 år kan foreslå og stemme.",
               "en": "Residents of four of Valby's quarters decide on 1 million kroner for public spaces: "
                     "250,000 in each quarter. Everyone aged 15 or over can propose and vote."},
        information_starts=dt.date(2026, 3, 1), ideas_starts=dt.date(2026, 4, 1),
        assessment_starts=dt.date(2026, 5, 15), voting_starts=dt.date(2026, 8, 20),
        result_starts=dt.date(2026, 9, 10), building_starts=dt.date(2026, 10, 1),
        evaluation_starts=dt.date(2027, 9, 1), citywide_budget=0,
        budgets={quarters[name]: BUDGET for name in QUARTERS}, rule=Round.Rule.MES,
        completion=Round.Completion.ADD1, ballot_kind=Round.BallotKind.APPROVAL, max_projects=3, min_age=15,
        allow_members=True, allow_codes=True, allow_change=True)
    services.round_set_stage(council=council, actor=actor, round=rnd, stage=Round.Stage.IDEAS)
    rnd.refresh_from_db()
    authors = list(Member.objects.filter(council=council, status="active", district__name__in=QUARTERS)
                   .order_by("pk")[:60])
    popularity: dict[int, float] = {}
    merge_targets: dict[str, Idea] = {}
    pending_merges = []
    for name in QUARTERS:
        for title, text, place, estimate, category, cost, decision, pop in IDEAS[name]:
            author = authors[int(rng.integers(len(authors)))]
            idea = services.idea_submit(council=council, round=rnd, author_member=author, title=title,
                                        description=text, district=quarters[name], place=place,
                                        cost_estimate=estimate or None, category=category)
            if decision == "merge":
                pending_merges.append((name, idea))
                continue
            if decision.startswith("hide:"):
                services.idea_screen(council=council, actor=actor, idea=idea, action="hide",
                                     reason=decision.split(":", 1)[1].strip())
                continue
            services.idea_screen(council=council, actor=actor, idea=idea, action="publish")
            merge_targets.setdefault(name, idea)
            if decision == "vote":
                popularity[id(idea)] = pop
                idea.assessed = (cost, pop)
            else:
                idea.rejected = decision.split(":", 1)[1].strip()
            merge_targets[f"{name}:{title}"] = idea
    for name, idea in pending_merges:
        target = merge_targets[name]
        services.idea_screen(council=council, actor=actor, idea=idea, action="merge", merge_into=target,
                             reason="Samme idé som en anden; de er lagt sammen.")
    rnd.stage = Round.Stage.ASSESSMENT
    rnd.save(update_fields=["stage"])
    weights: dict[int, float] = {}
    for key, idea in merge_targets.items():
        if ":" not in key:
            continue
        name = key.split(":", 1)[0]
        merged = list(Idea.objects.filter(merged_into=idea))
        if hasattr(idea, "assessed"):
            cost, pop = idea.assessed
            project = services.project_create(
                council=council, actor=actor, round=rnd, title={"da": idea.title, "nb": idea.title, "en": idea.title},
                description={"da": idea.description}, district=quarters[name], cost=cost,
                legality=Project.Legality.LEGAL, feasibility="Kan anlægges inden for et år.",
                decision=Project.Decision.TO_VOTE, ideas=[idea, *merged],
                decision_reason={"da": "Lovligt, muligt at bygge, og prisen er vurderet af kommunens fagfolk.",
                                 "nb": "Lovlig, mulig å bygge, og kostnaden er vurdert av kommunens fagfolk.",
                                 "en": "Legal, buildable, and the cost was assessed by the council's experts."})
            weights[project.number] = pop
        elif hasattr(idea, "rejected"):
            services.project_create(
                council=council, actor=actor, round=rnd, title={"da": idea.title}, description={"da": idea.description},
                district=quarters[name], cost=0, legality=Project.Legality.UNKNOWN,
                decision=Project.Decision.REJECTED, ideas=[idea], decision_reason={"da": idea.rejected})
    services.round_set_stage(council=council, actor=actor, round=rnd, stage=Round.Stage.VOTING)
    rnd.refresh_from_db()
    _vote(rnd, quarters, weights, rng)
    rnd = counting.round_count(council=council, actor=actor, round=rnd)
    services.round_set_stage(council=council, actor=actor, round=rnd, stage=Round.Stage.BUILDING)
    _build(rnd, actor)
    return rnd


def _vote(rnd: Round, quarters: dict, weights: dict[int, float], rng: np.random.Generator) -> None:
    by_quarter = {name: [p for p in voting.pot_projects(rnd, "district", d)] for name, d in quarters.items()}
    members = list(Member.objects.filter(council=rnd.council, status="active", district__name__in=QUARTERS)
                   .select_related("district", "council").order_by("pk"))
    order = rng.permutation(len(members))[:VOTERS]
    for i in order.tolist():
        member = members[int(i)]
        projects = by_quarter[member.district.name]
        p = np.array([weights[x.number] for x in projects])
        k = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
        chosen = rng.choice(len(projects), size=min(k, len(projects)), replace=False, p=p / p.sum())
        voter = voting.voter_for_member(member)
        if voting.eligibility_problem(rnd, voter):
            continue
        voting.ballot_cast(round=rnd, voter=voter, pot="district",
                           choices=[projects[int(j)].number for j in chosen])


def _build(rnd: Round, actor) -> None:
    counted = rnd.counted_at.date() if rnd.counted_at else dt.date(2026, 9, 10)
    for project, updates in zip(rnd.projects.filter(funded=True).order_by("-votes", "number"), BUILT, strict=False):
        for status, days, da, en in updates:
            ProjectUpdate.objects.create(project=project, status=status, date=counted + dt.timedelta(days=days),
                                         text={"da": da, "nb": da, "en": en}, created_by=actor)
            project.status = status
        project.save(update_fields=["status"])
