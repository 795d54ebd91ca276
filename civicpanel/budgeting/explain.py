"""Why each project was or was not funded, in the reader's language.

The count keeps the method's explanation as data (a reason and its numbers); the sentence is
written here, with gettext, so a Danish page never shows the method's English.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.budgeting.models import Project, Round
from civicpanel.common import formatting


def money(amount, currency: str) -> str:
    value = round(float(amount or 0), 2)
    return f"{formatting.number(value, 0 if value == int(value) else 2)} {currency}"


def rule_in_words(rnd: Round) -> str:
    """The counting rule in plain words, for residents, before they vote and on the result."""
    if rnd.rule == Round.Rule.MES:
        text = _("Equal Shares: the budget is divided equally among all voters. A project is funded when the "
                 "people who voted for it can pay for it together from their shares, each paying the same "
                 "amount or all they have left. So a project that many people want, but not the largest "
                 "group, can still be funded, and every group of voters gets its fair part of the money.")
        if rnd.completion in (Round.Completion.ADD1, Round.Completion.ADD1_GREEDY):
            text += " " + _("If money is left over, everyone's share is raised a little and the count is run "
                            "again, as long as the projects chosen still fit in the budget.")
        if rnd.completion in (Round.Completion.GREEDY, Round.Completion.ADD1_GREEDY):
            text += " " + _("Money still left over goes to the projects with the most votes that fit.")
        return text
    if rnd.rule == Round.Rule.GREEDY:
        return _("Most votes first: the projects are funded in the order of their votes, starting with the one "
                 "with the most, and a project that no longer fits in the money left is skipped.")
    if rnd.rule == Round.Rule.GREEDY_COST:
        return _("Most votes per krone first: projects are funded in the order of their votes divided by their "
                 "cost, so cheaper projects with many votes come first; a project that no longer fits is "
                 "skipped.")
    if rnd.rule == Round.Rule.PHRAGMEN:
        return _("Phragmén's rule: the voters behind each project share its cost, and projects are funded one "
                 "by one so that the heaviest load any voter carries stays as small as possible.")
    return _("Most votes in total: of all the sets of projects that fit in the budget, the one that together "
             "has the most votes is funded.")


def ballot_in_words(rnd: Round, budget: int | None = None) -> str:
    kind = rnd.ballot_kind
    if kind == Round.BallotKind.APPROVAL:
        if rnd.max_projects:
            return ngettext("Choose the project you want. You can choose %(n)s project.",
                            "Choose the projects you want. You can choose up to %(n)s projects.",
                            rnd.max_projects) % {"n": rnd.max_projects}
        return _("Choose all the projects you want.")
    if kind == Round.BallotKind.KNAPSACK:
        return _("Choose the projects you want, as long as they cost no more than %(budget)s together.") % {
            "budget": money(budget or 0, rnd.currency)}
    if kind == Round.BallotKind.POINTS:
        return _("Give your %(n)s points to the projects you want: more points to those that matter more to "
                 "you.") % {"n": rnd.points_total}
    return ngettext("Pick your favourite project.",
                    "Rank up to %(n)s projects: 1 for the one you want most.",
                    rnd.max_projects or 2) % {"n": rnd.max_projects or ""}


def project_reason(project: Project, rnd: Round, *, budget: int, funded_before: int = 0) -> str:
    """One sentence: why the project was or was not funded. `funded_before`: the cost of the funded
    projects ahead of it in the greedy order (to say how much was left when its turn came)."""
    e = project.explanation or {}
    cur = rnd.currency
    votes = project.votes
    cost = money(project.cost, cur)
    if not e:
        return ""
    if rnd.rule == Round.Rule.MES:
        how = e.get("how")
        if e.get("funded"):
            if how == "equal shares":
                payers = e.get("payers", votes)
                return ngettext("Funded: its %(n)s supporter paid its cost of %(cost)s from their share.",
                                "Funded: its %(n)s supporters shared its cost of %(cost)s, each paying the same "
                                "amount or all they had left.", payers) % {"n": payers, "cost": cost}
            if how == "free":
                return _("Funded: it costs nothing and has supporters.")
            return _("Funded after Equal Shares: %(votes)s votes, and its cost of %(cost)s fitted in the money "
                     "Equal Shares left unspent.") % {"votes": votes, "cost": cost}
        reason = e.get("reason")
        if reason == "no support":
            return _("Not funded: no voter chose it.")
        if reason == "excluded":
            return _("Not counted: too few voters chose it for its cost.")
        return ngettext("Not funded: its %(n)s supporter had %(have)s left of the %(cost)s it costs.",
                        "Not funded: its %(n)s supporters had only %(have)s left together of the %(cost)s it "
                        "costs.", votes) % {"n": votes, "have": money(e.get("supporters_money", 0), cur),
                                            "cost": cost}
    if rnd.rule in (Round.Rule.GREEDY, Round.Rule.GREEDY_COST):
        pos = e.get("position")
        left = money(budget - funded_before, cur)
        if e.get("funded"):
            return _("Funded: %(votes)s votes, number %(pos)s in the order; its cost of %(cost)s fitted in the "
                     "%(left)s left.") % {"votes": votes, "pos": pos, "cost": cost, "left": left}
        if e.get("reason") == "threshold":
            return _("Not funded: %(votes)s votes, fewer than required.") % {"votes": votes}
        return _("Not funded: %(votes)s votes, number %(pos)s in the order; when its turn came only %(left)s "
                 "was left, less than its cost of %(cost)s.") % {"votes": votes, "pos": pos, "left": left,
                                                                   "cost": cost}
    if rnd.rule == Round.Rule.UTILITARIAN:
        if e.get("funded"):
            return _("Funded: part of the set of projects with the most votes in total within the budget.")
        return _("Not funded: no set of projects that includes it gets more votes in total within the budget.")
    if e.get("funded"):
        return _("Funded: its supporters' shared load was among the lowest when it was chosen.")
    return _("Not funded: the money ran out before its supporters' shared load was the lowest, or it did not "
             "fit in the budget.")
