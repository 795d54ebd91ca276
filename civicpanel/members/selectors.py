"""Reads of members for staff pages and for choosing audiences.

`members_filter` is THE member filter: the member list, the CSV export and the survey
audiences (saved segments) all go through it, so "who matches" means the same everywhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.crypto import blind_index
from civicpanel.common.db_arrays import int_rows
from civicpanel.members.categories import ProfileArrays
from civicpanel.members.member_sets import member_set
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer, MemberFilterRow
from civicpanel.members.profile_index import profile_filter
from civicpanel.panel.models import Campaign, ProfileOption, ProfileQuestion

# Filter keys that are not profile questions. A profile question with one of these keys
# cannot be filtered on (the council settings should not allow such keys).
RESERVED_FILTER_KEYS = frozenset({"status", "q", "campaign", "joined_after", "joined_before"})


class MemberFilterError(ValueError):
    """A filter that names a question, option or value this council does not have."""


def birth_year_range(option: ProfileOption, *, today: date | None = None) -> tuple[int, int]:
    """The birth years (inclusive) of an age band this year.

    Only the birth year is known, so a member's age is this year minus the birth year —
    the same rule the profile uses when it places a member in a band.
    """
    year = (today or timezone.localdate()).year
    low = year - (option.max_age if option.max_age is not None else 150)
    high = year - (option.min_age if option.min_age is not None else 0)
    return low, high


def age_band_for(birth_year: int | None, bands: Iterable[ProfileOption], *, today: date | None = None) -> ProfileOption | None:
    """The age-band option a birth year falls in (None if unknown or outside every band)."""
    if birth_year is None:
        return None
    for band in bands:
        low, high = birth_year_range(band, today=today)
        if low <= birth_year <= high:
            return band
    return None


def profile_questions(*, council) -> list[ProfileQuestion]:
    """The council's profile questions with their options, in display order (two queries)."""
    return list(
        ProfileQuestion.objects.filter(council=council)
        .prefetch_related(Prefetch("options", queryset=ProfileOption.objects.select_related("district").order_by("order", "id")))
        .order_by("order", "id")
    )


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str | int):
        return [str(value)]
    return [str(v) for v in value if str(v) != ""]


def _as_date(value, key: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise MemberFilterError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from error


def members_filter(*, council, filters: dict | None, questions: list[ProfileQuestion] | None = None,
                   today: date | None = None) -> QuerySet[Member]:
    """The members of `council` that match `filters`.

    `filters` is a JSON-serialisable dict (survey audiences store it as is in saved segments):

        {
          "<profile question key>": ["<option code>", ...],
          "status": ["active", "paused", ...],      # Member.Status values
          "q": "text",                              # part of the e-mail or name
          "campaign": ["<campaign code>", ...],
          "joined_after": "YYYY-MM-DD",             # inclusive, local date
          "joined_before": "YYYY-MM-DD",            # inclusive, local date
        }

    Every key is optional; an empty dict (or None) matches every member of the council,
    whatever their status — pass "status": ["active"] for the reachable panel.
    Codes are OR-ed within one key; keys are AND-ed with each other.

    For the birth-year question the codes are its age-band option codes (e.g. "15-24"),
    worked out from the birth year relative to `today`; for the district question they are
    the district option codes. A single string is accepted wherever a list is.
    A key registered by a higher app (members.member_sets, e.g. "attended_event") narrows to
    that set of members. An option code that does not exist matches nobody; a key that is neither reserved
    (status, q, campaign, joined_after, joined_before) nor a question of this council
    raises MemberFilterError, so that a stale saved segment never silently widens.

    `q` searches personal data: a staff page that passes it must write an audit row.
    """
    return _filtered(Member.objects.filter(council=council), council=council, filters=filters,
                     questions=questions, today=today)


def member_rows_filter(*, council, filters: dict | None, questions: list[ProfileQuestion] | None = None,
                       today: date | None = None) -> QuerySet[MemberFilterRow]:
    """`members_filter` on the members' narrow rows (members.filter_rows; PostgreSQL only): the
    same members, as rows whose `pk` is the member's id, for counting and ordering without
    reading the wide member rows."""
    return _filtered(MemberFilterRow.objects.filter(council=council), council=council, filters=filters,
                     questions=questions, today=today)


def _filtered(members: QuerySet, *, council, filters: dict | None, questions: list[ProfileQuestion] | None,
              today: date | None) -> QuerySet:
    """The filter of `members_filter` on `members`: members or their filter rows (the same
    field names; the primary key is the member's id)."""
    filters = filters or {}
    if questions is None:
        questions = profile_questions(council=council)
    by_key = {question.key: question for question in questions}

    option_groups: list[list[int]] = []
    for key, raw in filters.items():
        if key in RESERVED_FILTER_KEYS:
            continue
        registered = member_set(key)
        if registered is not None and key not in by_key:
            values = [str(v) for v in _as_list(raw)]
            if values:
                members = members.filter(pk__in=registered.members(council, values))
            continue
        question = by_key.get(key)
        if question is None:
            raise MemberFilterError(f"no profile question with the key {key!r}")
        codes = set(_as_list(raw))
        if not codes:
            continue
        options = [option for option in question.options.all() if option.code in codes]
        if not options:
            return members.none()
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            condition = Q()
            for option in options:
                low, high = birth_year_range(option, today=today)
                condition |= Q(birth_year__gte=low, birth_year__lte=high)
            members = members.filter(condition)
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            members = members.filter(district_id__in=[o.district_id for o in options if o.district_id])
        else:
            # The options name their question, so the option ids alone say who matches.
            option_groups.append([option.pk for option in options])

    if option_groups:
        # One condition for all choice questions: on PostgreSQL one lookup in the members'
        # profile options array (members.profile_index), elsewhere a join per question.
        members = members.filter(profile_filter(option_groups))

    statuses = _as_list(filters.get("status"))
    if statuses:
        unknown = set(statuses) - set(Member.Status.values)
        if unknown:
            raise MemberFilterError(f"unknown status {sorted(unknown)[0]!r}")
        members = members.filter(status__in=statuses)
    search = str(filters.get("q") or "").strip()
    if search:
        if members.model is Member:
            members = _search(members, search)
        else:
            # Names and addresses are on the member rows only.
            found = _search(Member.objects.filter(council=council, pk__in=members.values("pk")), search)
            members = members.filter(pk__in=found.values("pk"))
    campaigns = _as_list(filters.get("campaign"))
    if campaigns:
        members = members.filter(campaign__council=council, campaign__code__in=campaigns)
    joined_after = _as_date(filters.get("joined_after"), "joined_after")
    if joined_after:
        members = members.filter(joined_at__date__gte=joined_after)
    joined_before = _as_date(filters.get("joined_before"), "joined_before")
    if joined_before:
        members = members.filter(joined_at__date__lte=joined_before)
    return members


# A whole address (something@somewhere.tld, no spaces): looked up exactly.
WHOLE_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _search(members, search: str):
    """Members whose name or e-mail contains the text (case-insensitive).

    Both are encrypted at rest, so SQL cannot match them: the names and addresses of the
    members left by the other filters are decrypted here and compared (measured: about
    70 ms per thousand members on a busy 2-core machine, decryption alone). A whole e-mail
    address is the exception: it is looked up through the blind index (the address's keyed
    hash, indexed), so finding one member by address does not decrypt the panel.
    """
    if WHOLE_ADDRESS.match(search):
        return members.filter(email_hash=blind_index(search))
    needle = search.casefold()
    ids = [pk for pk, email, name in members.order_by().values_list("pk", "email", "name")
           if needle in (email or "").casefold() or needle in (name or "").casefold()]
    return members.filter(pk__in=ids)


def members_filter_describe(*, council, filters: dict | None,
                            questions: list[ProfileQuestion] | None = None) -> list[str]:
    """The filter in words, one line per key ("Gender: Woman or Man"), for pages that show
    which members a list, export or audience covers. Unknown codes are shown as written."""
    filters = filters or {}
    if questions is None:
        questions = profile_questions(council=council)
    by_key = {question.key: question for question in questions}
    lines = []
    for key, raw in filters.items():
        values = _as_list(raw)
        if not values:
            continue
        question = by_key.get(key)
        if question is not None and key not in RESERVED_FILTER_KEYS:
            texts = {option.code: option.text for option in question.options.all()}
            label = _("Age") if question.kind == ProfileQuestion.Kind.BIRTH_YEAR else question.text
            answers = [texts.get(value, value) for value in values]
        elif key == "status":
            label, answers = _("Status"), [str(Member.Status(v).label) if v in Member.Status.values else v for v in values]
        elif key == "q":
            label, answers = _("Search"), [f"“{values[0]}”"]
        elif key == "campaign":
            names = dict(Campaign.objects.filter(council=council, code__in=values).values_list("code", "name"))
            label, answers = _("Campaign"), [names.get(v, v) for v in values]
        elif key == "joined_after":
            label, answers = _("Joined on or after"), values
        elif key == "joined_before":
            label, answers = _("Joined on or before"), values
        else:
            label, answers = key, values
        lines.append(_("%(label)s: %(values)s") % {"label": label, "values": str(_(" or ")).join(answers)})
    return lines


def member_counts_by_option(*, council, queryset: QuerySet[Member], questions: list[ProfileQuestion] | None = None,
                            today: date | None = None) -> dict[str, dict[str, int]]:
    """{question key: {option code: number of members in `queryset`}} for every question.

    Every option appears (0 when nobody has it). Three aggregate queries whatever the
    number of members or questions (plus two for the questions if not given). For a
    multiple-choice question a member counts once under each option they chose.
    """
    if questions is None:
        questions = profile_questions(council=council)
    queryset = queryset.filter(council=council)
    by_id = {q.id: q for q in questions}
    # A member answers an option at most once (a unique constraint), so counting rows per option
    # counts members, without the DISTINCT that would sort millions of rows on a large panel.
    per_option = dict(
        MemberAnswer.objects.filter(member__in=queryset.values("pk"), question_id__in=list(by_id))
        .values_list("option_id").annotate(n=Count("id")).order_by()
    )
    per_district, per_year = {}, {}
    if any(q.kind == ProfileQuestion.Kind.DISTRICT for q in questions):
        per_district = dict(queryset.filter(district__isnull=False).values_list("district_id")
                            .annotate(n=Count("id")).order_by())
    if any(q.kind == ProfileQuestion.Kind.BIRTH_YEAR for q in questions):
        per_year = dict(queryset.filter(birth_year__isnull=False).values_list("birth_year")
                        .annotate(n=Count("id")).order_by())
    return _counts_by_option(questions, per_option, per_district, per_year, today)


def member_counts_by_option_of(*, council, member_ids=None, questions: list[ProfileQuestion] | None = None,
                               today: date | None = None, arrays=None) -> dict[str, dict[str, int]]:
    """member_counts_by_option for a list of member ids already known (a sending's audience of
    any size): their profiles read once as arrays (members.categories.ProfileArrays), or taken
    from `arrays` already read for them (and perhaps others), and counted with numpy, instead
    of the audience's query run again inside three aggregates."""
    if questions is None:
        questions = profile_questions(council=council)
    if arrays is None:
        arrays = ProfileArrays.read(council=council, member_ids=member_ids)
    per_option, per_district, per_year = arrays.counts(member_ids)
    return _counts_by_option(questions, per_option, per_district, per_year, today)


def _counts_by_option(questions: list[ProfileQuestion], per_option: dict[int, int], per_district: dict[int, int],
                      per_year: dict[int, int], today: date | None) -> dict[str, dict[str, int]]:
    """The members counted per option, per district and per birth year, as counts per question
    and option code."""
    counts: dict[str, dict[str, int]] = {q.key: {o.code: 0 for o in q.options.all()} for q in questions}
    option_of = {o.pk: (q.key, o.code) for q in questions for o in q.options.all()}
    for option_id, n in per_option.items():
        if option_id in option_of:
            key, code = option_of[option_id]
            counts[key][code] = n
    for question in questions:
        if question.kind == ProfileQuestion.Kind.DISTRICT:
            for option in question.options.all():
                counts[question.key][option.code] = per_district.get(option.district_id, 0)
        elif question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            for birth_year, n in per_year.items():
                band = age_band_for(birth_year, question.options.all(), today=today)
                if band is not None:
                    counts[question.key][band.code] += n
    return counts


def member_status_counts(*, queryset: QuerySet[Member]) -> dict[str, int]:
    """{status: count} for every status (one query)."""
    found = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: found.get(status, 0) for status in Member.Status.values}


def member_ids_by_status(*, queryset, statuses: list[str] | None = None) -> tuple[dict[str, int], np.ndarray]:
    """{status: count} for every status, and the ids of the members in `statuses` (all when
    empty), from one binary read of each member's id and status (common.db_arrays)."""
    values = list(Member.Status.values)
    code = Case(*[When(status=value, then=Value(n)) for n, value in enumerate(values)], default=Value(len(values)),
                output_field=IntegerField())
    rows = int_rows(queryset.order_by().values_list("pk", code))
    found = np.bincount(rows[:, 1], minlength=len(values) + 1)
    wanted = [values.index(s) for s in statuses or values if s in values]
    return {value: int(found[n]) for n, value in enumerate(values)}, rows[np.isin(rows[:, 1], wanted), 0]


def member_detail(*, council, member_id: int) -> Member:
    """One member of the council with everything the staff member page shows.

    Raises Member.DoesNotExist for a member of another council, so that the page 404s.
    """
    return (
        Member.objects.filter(council=council)
        .select_related("district", "campaign", "consent_version")
        .prefetch_related(
            Prefetch("answers", queryset=MemberAnswer.objects.select_related("question", "option")
                     .order_by("question__order", "option__order")),
            Prefetch("consents", queryset=ConsentRecord.objects.select_related("version").order_by("-given_at")),
        )
        .get(pk=member_id)
    )


@dataclass(frozen=True)
class ProfileLine:
    question: ProfileQuestion
    values: list[str]
    codes: list[str]


def member_profile_lines(*, member: Member, questions: list[ProfileQuestion], today: date | None = None) -> list[ProfileLine]:
    """The member's answer to every profile question, as texts (uses prefetched answers)."""
    chosen: dict[int, list[ProfileOption]] = defaultdict(list)
    for answer in member.answers.all():
        chosen[answer.question_id].append(answer.option)
    lines = []
    for question in questions:
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            band = age_band_for(member.birth_year, question.options.all(), today=today)
            options = [band] if band else []
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            options = [o for o in question.options.all() if member.district_id and o.district_id == member.district_id]
        else:
            options = chosen.get(question.id, [])
        lines.append(ProfileLine(question=question, values=[o.text for o in options], codes=[o.code for o in options]))
    return lines


def campaign_choices(*, council) -> list[tuple[str, str]]:
    return list(Campaign.objects.filter(council=council).order_by("name").values_list("code", "name"))
