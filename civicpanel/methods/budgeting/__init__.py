"""Participatory budgeting: counting rules, Pabulib files, explanations.

    from civicpanel.methods.budgeting import read_pabulib, count
    outcome = count(read_pabulib("round.pb"), "mes", completion="add1")
    outcome.winners, outcome.total_cost, outcome.to_dict()

Rules: greedy by votes, greedy by votes per cost, the Method of Equal Shares (with the add-one
and greedy completions), sequential Phragmén and the utilitarian optimum. Pure Python and numpy.
"""

from .completion import COMPLETIONS
from .counting import RULES, Options, Outcome, count, make_election
from .districts import DistrictsOutcome, count_districts
from .election import Ballot, BudgetingError, Election, PabulibError, Project
from .pabulib import parse_pabulib, read_pabulib, write_pabulib
from .ties import TIE_BREAKINGS

__all__ = [
    "COMPLETIONS", "RULES", "TIE_BREAKINGS", "Ballot", "BudgetingError", "DistrictsOutcome",
    "Election", "Options", "Outcome", "PabulibError", "Project", "count", "count_districts",
    "make_election", "parse_pabulib", "read_pabulib", "write_pabulib",
]
