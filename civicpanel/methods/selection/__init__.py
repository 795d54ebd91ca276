"""Representative and fair selection.

- `select_panel`: quota selection from volunteers by the leximin (or maximin) lottery
  over panels meeting every quota, with exact selection probabilities and a reserve list.
- `stratified_sample`: a survey sample matching population shares on several features
  at once, with exact inclusion probabilities (optionally adjusted for response rates).
- `read_features` / `read_people`: the Sortition Foundation's CSV layout.

Nothing here imports Django; the command line is `civicpanel select`.
"""

from .data import Features, Pool, Quota, QuotaCount, SelectionResult, StratifiedResult
from .errors import InfeasibleQuotasError, InputFileError, Relaxation, SelectionError
from .io import read_features, read_people
from .panel import select_panel
from .reserve import replacement_for
from .stratified import stratified_sample

__all__ = [
    "Features",
    "InfeasibleQuotasError",
    "InputFileError",
    "Pool",
    "Quota",
    "QuotaCount",
    "Relaxation",
    "SelectionError",
    "SelectionResult",
    "StratifiedResult",
    "read_features",
    "read_people",
    "replacement_for",
    "select_panel",
    "stratified_sample",
]
