"""Each completed respondent's profile, as arrays: what weighting, breakdowns and exports of a
big survey stand on.

Reading it means one lookup per respondent into the members and their profile answers (for
50,000 respondents most of the results page's time, spent in the database), while it changes
only when a response is completed or members' profiles change. So the rows read are kept in
the cache (one entry per survey) with the council's profile stamp (members.categories, renewed
by every profile change and erasure), and the next read asks the database only for the
respondents completed since: the first view after an answer reads one respondent, not 50,000.

What is kept is a copy of what the database holds (a response's member's birth year, district,
profile options and inclusion probability), taken only while that link exists:

- every read keeps only the responses completed and linked to a member now, so an unlinked
  response (an erased member, an anonymous survey closed) drops out at once;
- anonymous surveys are never kept (their link exists only until they close);
- erasing a member deletes the entries of the surveys they answered (forget_respondents);
- an entry expires TIMEOUT after it was last written.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import FloatField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicpanel.common.db_arrays import int_rows, number_rows
from civicpanel.members.categories import profiles_stamp
from civicpanel.panel.models import ProfileOption, ProfileQuestion
from civicpanel.surveys.models import Response, Survey

TIMEOUT = 15 * 60
KEY = "surveys.respondent_rows.2:{survey_id}"
# More new respondents than this since the entry was written: read everyone again (one query)
# rather than a long list of ids.
MAX_NEW = 5_000
# The entry is written again (about a megabyte for 50,000 respondents) once this many have
# been added since; until then each read adds the few new ones (an indexed lookup).
REWRITE_AFTER = 200
DERIVED_KINDS = (ProfileQuestion.Kind.BIRTH_YEAR, ProfileQuestion.Kind.DISTRICT)


@dataclass
class RespondentRows:
    """people: response id, birth year (-1: none), district id (-1: none), inclusion probability
    (0: invited with certainty), one row per completed response linked to a member, by id.
    chosen: response id and option id of the respondents' answers to the chosen-option questions."""

    people: np.ndarray
    chosen: np.ndarray

    @property
    def response_ids(self) -> np.ndarray:
        return self.people[:, 0].astype(np.int64)

    def only(self, response_ids: np.ndarray) -> RespondentRows:
        """The rows of these responses (sorted ids) only."""
        people = self.people[np.isin(self.people[:, 0].astype(np.int64), response_ids)]
        chosen = self.chosen[np.isin(self.chosen[:, 0], response_ids)]
        return RespondentRows(people=people, chosen=chosen)


def _linked(survey: Survey):
    return Response.objects.filter(survey=survey, completed_at__isnull=False, invitation__isnull=False)


def _read(survey: Survey, option_ids: list[int], response_ids: np.ndarray | None = None) -> RespondentRows:
    """Two queries, whatever the number of questions; only these responses when given."""
    linked = _linked(survey)
    if response_ids is not None:
        linked = linked.filter(pk__in=[int(r) for r in response_ids])
    people = number_rows(linked.order_by("pk").values_list(
        "pk", Coalesce("invitation__member__birth_year", -1), Coalesce("invitation__member__district_id", -1),
        Coalesce("invitation__inclusion_probability", Value(0.0), output_field=FloatField())))
    chosen = np.zeros((0, 2), dtype=np.int64)
    if option_ids and len(people):
        chosen = int_rows(linked.filter(invitation__member__answers__option_id__in=option_ids).order_by()
                          .values_list("pk", "invitation__member__answers__option_id"))
    people = people[np.argsort(people[:, 0], kind="stable")]
    return RespondentRows(people=people, chosen=chosen)


def _option_ids(survey: Survey) -> list[int]:
    """The options of every profile question of the council (active or not) that members choose."""
    return list(ProfileOption.objects.filter(question__council_id=survey.council_id)
                .exclude(question__kind__in=DERIVED_KINDS).order_by("pk").values_list("pk", flat=True))


def respondent_rows(*, survey: Survey) -> RespondentRows:
    """The rows of the survey's completed respondents linked to a member, for every profile
    question of the council: from the cache where it holds them, the respondents it lacks read
    and added."""
    option_ids = _option_ids(survey)
    if survey.anonymous:
        return _read(survey, option_ids)
    key = KEY.format(survey_id=survey.pk)
    # Read before the responses: a profile change after this point gives a new stamp next time.
    stamp = profiles_stamp(council_id=survey.council_id)
    kept = cache.get(key)
    if kept is not None and kept["stamp"] == stamp and kept["options"] == option_ids:
        # The responses linked now: ids only, one plain query.
        current = np.unique(np.array(list(_linked(survey).values_list("pk", flat=True)), dtype=np.int64))
        rows = RespondentRows(people=_unpack(kept["people"], np.float64), chosen=_unpack(kept["chosen"], np.int64))
        new = np.setdiff1d(current, rows.response_ids)
        if not len(new):
            return rows.only(current)
        if len(new) <= MAX_NEW:
            added = _read(survey, option_ids, new)
            people = np.concatenate([rows.people, added.people])
            rows = RespondentRows(people=people[np.argsort(people[:, 0], kind="stable")],
                                  chosen=np.concatenate([rows.chosen, added.chosen])).only(current)
            if len(new) >= REWRITE_AFTER:
                _keep(key, stamp, option_ids, rows)
            return rows
    rows = _read(survey, option_ids)  # the responses linked now
    _keep(key, stamp, option_ids, rows)
    return rows


def _keep(key: str, stamp: int, option_ids: list[int], rows: RespondentRows) -> None:
    cache.set(key, {"stamp": stamp, "options": option_ids, "people": _pack(rows.people),
                    "chosen": _pack(rows.chosen)}, TIMEOUT)


def _pack(array: np.ndarray) -> bytes:
    """An array as compressed bytes (ids as 32-bit integers where they fit): 50,000 respondents'
    rows are a few hundred kilobytes in the cache instead of megabytes."""
    if array.dtype == np.int64 and (not array.size or (array.min() >= -(2**31) and array.max() < 2**31)):
        array = array.astype(np.int32)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return zlib.compress(buffer.getvalue(), 1)


def _unpack(packed: bytes, dtype) -> np.ndarray:
    return np.load(io.BytesIO(zlib.decompress(packed)), allow_pickle=False).astype(dtype)


def forget_respondents(survey_ids) -> None:
    """Delete the kept rows of these surveys (a member who answered them is erased)."""
    cache.delete_many([KEY.format(survey_id=pk) for pk in survey_ids])


def category_matrix(rows: RespondentRows, question: ProfileQuestion, response_ids: np.ndarray,
                    options: list | None = None) -> np.ndarray:
    """(responses x options) booleans: the categories of `question` each response's member falls
    in (rows for responses not linked to a member are all False). Columns follow `options`
    (default: the question's options in their order)."""
    options = list(question.options.all()) if options is None else options
    out = np.zeros((len(response_ids), len(options)), dtype=bool)
    if not len(response_ids) or not options:
        return out
    if question.kind in DERIVED_KINDS:
        at = np.searchsorted(response_ids, rows.people[:, 0].astype(np.int64))
        at = np.minimum(at, len(response_ids) - 1)
        found = response_ids[at] == rows.people[:, 0].astype(np.int64)
        at, people = at[found], rows.people[found]
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            birth_year = people[:, 1]
            age = timezone.localdate().year - birth_year
            for k, o in enumerate(options):
                inside = birth_year >= 0
                if o.min_age is not None:
                    inside &= age >= o.min_age
                if o.max_age is not None:
                    inside &= age <= o.max_age
                out[at[inside], k] = True
        else:
            district = people[:, 2]
            for k, o in enumerate(options):
                out[at[district == o.district_id], k] = True
        return out
    pks = np.array([o.pk for o in options], dtype=np.int64)
    by_pk = np.argsort(pks)
    where = np.minimum(np.searchsorted(pks[by_pk], rows.chosen[:, 1]), len(pks) - 1)
    mine = pks[by_pk][where] == rows.chosen[:, 1]
    at = np.minimum(np.searchsorted(response_ids, rows.chosen[mine, 0]), len(response_ids) - 1)
    found = response_ids[at] == rows.chosen[mine, 0]
    out[at[found], by_pk[where[mine][found]]] = True
    return out


def first_category(matrix: np.ndarray) -> np.ndarray:
    """Each row's first category (the lowest column), -1 where none."""
    codes = np.argmax(matrix, axis=1).astype(np.int64) if matrix.shape[1] else np.zeros(len(matrix), np.int64)
    codes[~matrix.any(axis=1)] = -1
    return codes
