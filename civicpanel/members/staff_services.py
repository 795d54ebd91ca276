"""What staff do with members: browse, look up, change, export. Every read of personal data
here writes an audit row in the same transaction, so no access goes unrecorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.audit.services import audit_record
from civicpanel.common.crypto import decrypt_values
from civicpanel.members import selectors
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.filter_rows import uses_filter_rows
from civicpanel.members.models import Member, MemberAnswer, MemberToken
from civicpanel.members.profile import member_profile_get, member_profile_set
from civicpanel.members.services import members_confirmation_invite
from civicpanel.members.status_counts import council_status_counts
from civicpanel.panel.models import ProfileQuestion

PAGE_SIZE = 50


@dataclass
class MemberRow:
    member: Member
    age_band: str


@dataclass
class MemberListing:
    page: Page
    rows: list[MemberRow]
    total: int
    status_counts: dict[str, int]
    description: list[str]
    sort: str = "-joined"
    # Name or e-mail order was asked for on more members than can be decrypted for it.
    sort_refused: bool = False


def _json_filters(filters: dict) -> dict:
    """The filter as stored in the audit log: only non-empty values, dates as text."""
    stored = {}
    for key, value in filters.items():
        if value in (None, "", [], ()):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list | tuple | set):
            value = [str(v) for v in value]
        stored[key] = value
    return stored


# The member list's sortable columns: key -> fields (the id last, so equal values keep a fixed order).
MEMBER_SORTS = {
    "number": ("id",), "name": ("name", "id"), "email": ("email", "id"), "district": ("district__order", "id"),
    "status": ("status", "id"), "joined": ("joined_at", "id"), "active": ("last_active_at", "id"),
}
DEFAULT_MEMBER_SORT = "-joined"
# Names and addresses are stored encrypted, so the database cannot order them: these columns are
# sorted after decryption (the staff search decrypts the same way), for lists of up to
# ENCRYPTED_SORT_LIMIT members: reading and decrypting them together costs about 15
# microseconds a value on a busy 2-core machine, so the limit keeps such a page well under
# its 200 ms however large the panel.
# Above it the list keeps its default order and says to narrow it. An order-preserving or
# prefix column would make any size sortable, but would put what the encryption hides (initials,
# the alphabetical order of everyone) in every dump and backup.
ENCRYPTED_SORTS = {"name", "email"}
# The sorts the members' filter rows hold (members.filter_rows); the others read the members.
NARROW_SORTS = {"number", "district", "status", "joined"}
ENCRYPTED_SORT_LIMIT = 10_000


def _page_sorted_in_python(members, field: str, descending: bool, page_number) -> Page:
    """A page of `members` in the order of an encrypted field, decrypted here (read unordered:
    the database's order would be thrown away). The stored values are read as they are and
    decrypted together (crypto.decrypt_values), not one by one as the field reads them."""
    stored = list(members.order_by().values_list("pk", Cast(field, TextField())))
    texts = decrypt_values([value for _, value in stored])
    rows = sorted(zip((pk for pk, _ in stored), texts, strict=True),
                  key=lambda row: ((row[1] or "").casefold(), row[0]), reverse=descending)
    page = Paginator([pk for pk, _ in rows], PAGE_SIZE).get_page(page_number)
    # The page's members by their ids alone (they are `members`'): with the filter beside the
    # ids the planner was seen to go through thousands of members for fifty.
    by_id = Member.objects.select_related("district").in_bulk(page.object_list)
    # A member deleted between the two reads is left out of the page.
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    return page


def _page_of_rows(rows, order: list[str], total: int, page_number) -> Page:
    """A page of members ordered and cut on their filter rows, then the page's members read."""
    # The rows' primary key is the member's id.
    order = [field.replace("id", "pk") if field.removeprefix("-") == "id" else field for field in order]
    paginator = Paginator(rows.order_by(*order).values_list("pk", flat=True), PAGE_SIZE)
    # The count is known from the status counts; saves the paginator its own COUNT query.
    paginator.__dict__["count"] = total
    page = paginator.get_page(page_number)
    by_id = Member.objects.select_related("district").in_bulk(list(page.object_list))
    # A member deleted between the two reads is left out of the page.
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    return page


def member_sort(sort: str | None) -> tuple[str, list[str]]:
    """The sort asked for ("name", "-joined", ...) if it is known, else the default; and its order_by."""
    key = (sort or "").removeprefix("-")
    if key not in MEMBER_SORTS:
        sort, key = DEFAULT_MEMBER_SORT, DEFAULT_MEMBER_SORT.removeprefix("-")
    prefix = "-" if sort.startswith("-") else ""
    return sort, [prefix + field for field in MEMBER_SORTS[key]]


def member_search(*, council, actor, filters: dict, page_number=None, sort: str | None = None,
                  request=None, questions: list | None = None) -> MemberListing:
    """One page of the members matching `filters` (see selectors.members_filter), with the
    counts per status for the same filter. Audited as "member.search" when filtered, else
    "member.list", with the ids of the members shown. `questions`: the council's profile
    questions with their options (selectors.profile_questions), when already read."""
    filters = _json_filters(filters)
    if questions is None:
        questions = selectors.profile_questions(council=council)
    without_status = {k: v for k, v in filters.items() if k != "status"}
    # On PostgreSQL the filter, the counts and the order read the members' narrow rows
    # (members.filter_rows), and only the page's members are read from the member table.
    narrow = uses_filter_rows()
    select = selectors.member_rows_filter if narrow else selectors.members_filter
    base = select(council=council, filters=without_status, questions=questions)
    statuses = filters.get("status") or []
    sort, order = member_sort(sort)
    sort_field = order[0].removeprefix("-")
    # The whole panel's counts are kept by the database; a filtered list counts its members.
    # (Reading the members sorted by name once for both the counts and the order was measured
    # slower: most filters of a large panel match more than can be sorted, and the read and
    # decryption of the first ENCRYPTED_SORT_LIMIT were then wasted.)
    matched = None
    if narrow and without_status and sort_field in ENCRYPTED_SORTS:
        # Sorted by an encrypted field: the filter's ids and statuses in one read (ids only,
        # binary), for the counts and for the members to decrypt, instead of running the filter
        # once to count and again to read them.
        status_counts, matched = selectors.member_ids_by_status(queryset=base, statuses=statuses)
    else:
        status_counts = (selectors.member_status_counts(queryset=base) if without_status
                         else council_status_counts(council=council))
    total = sum(n for status, n in status_counts.items() if not statuses or status in statuses)
    members = base.filter(status__in=statuses) if statuses else base
    sort_refused = sort_field in ENCRYPTED_SORTS and total > ENCRYPTED_SORT_LIMIT
    if sort_refused:
        sort, order = member_sort(DEFAULT_MEMBER_SORT)
    key = sort.removeprefix("-")
    if narrow and key in NARROW_SORTS:
        page = _page_of_rows(members, order, total, page_number)
    else:
        if matched is not None:
            # The ids as one array parameter: thousands of `IN` parameters cost more to build
            # and parse than the read itself.
            members = Member.objects.filter(council=council, pk__in=RawSQL("SELECT unnest(%s::bigint[])",
                                                                            [matched.tolist()]))
        elif narrow:
            # Orders the narrow rows do not hold (encrypted fields, last activity) read the members.
            members = Member.objects.filter(council=council, pk__in=members.values("pk"))
        if key in ENCRYPTED_SORTS:
            page = _page_sorted_in_python(members, sort_field, sort.startswith("-"), page_number)
        else:
            paginator = Paginator(members.select_related("district").order_by(*order), PAGE_SIZE)
            # The count is known from the status counts; saves the paginator its own COUNT query.
            paginator.__dict__["count"] = total
            page = paginator.get_page(page_number)
    bands = next((list(q.options.all()) for q in questions if q.kind == ProfileQuestion.Kind.BIRTH_YEAR), [])
    rows = []
    for member in page.object_list:
        band = selectors.age_band_for(member.birth_year, bands)
        rows.append(MemberRow(member=member, age_band=band.text if band else ""))
    with transaction.atomic():
        audit_record(
            council=council, actor=actor, action="member.search" if filters else "member.list",
            member_ids=[row.member.pk for row in rows],
            detail={"filter": audit_safe_filter(filters), "page": page.number, "total": total}
            if filters else {"page": page.number, "total": total},
            request=request,
        )
    description = selectors.members_filter_describe(council=council, filters=filters, questions=questions)
    return MemberListing(page=page, rows=rows, total=total, status_counts=status_counts, description=description,
                         sort=sort, sort_refused=sort_refused)


def audit_safe_filter(filters: dict) -> dict:
    """The filter as the audit log keeps it. The free-text search may be a resident's e-mail or
    name, and the log is append-only and outlives erasure, so only its length is kept."""
    if not filters.get("q"):
        return filters
    return {**filters, "q": f"<search text, {len(str(filters['q']))} characters>"}


def member_view(*, council, actor, member_id: int, request=None) -> Member:
    """The member (everything the staff member page shows); audited as "member.view".
    Raises Member.DoesNotExist for a member of another council."""
    member = selectors.member_detail(council=council, member_id=member_id)
    with transaction.atomic():
        audit_record(council=council, actor=actor, action="member.view", target=member, member_ids=[member.pk],
                     request=request)
    return member


# Which status a staff member may set from which: staff pause and resume; confirming a
# sign-up is the resident's own step and leaving goes through erasure, never through here.
STATUS_CHANGES = {
    Member.Status.ACTIVE: {Member.Status.PAUSED},
    Member.Status.PAUSED: {Member.Status.ACTIVE},
}


def member_status_change(*, council, actor, member: Member, status: str, request=None) -> Member:
    """Pause or resume a member. Submitting the same status twice changes nothing."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk, council=council)
        if member.status == status:
            return member
        if status not in STATUS_CHANGES.get(member.status, set()):
            raise ValidationError(
                _("A member who is “%(current)s” cannot be set to “%(new)s” by staff.")
                % {"current": member.get_status_display(), "new": Member.Status(status).label}
            )
        previous = member.status
        member.status = status
        member.save(update_fields=["status"])
        audit_record(council=council, actor=actor, action="member.update", target=member, member_ids=[member.pk],
                     detail={"fields": ["status"], "status": [previous, status]}, request=request)
    return member


def member_update(*, council, actor, member: Member, name: str, language: str, profile: dict,
                  postal_address: str | None = None, phone: str | None = None, request=None) -> Member:
    """Change a member's name, language, contact (postal address and phone; None leaves them as
    they are) and profile answers (validated like the resident's own form; ValidationError names
    the question). Audited with the names of the changed fields only, so the log holds no
    profile values."""
    if member.council_id != council.pk:
        raise Member.DoesNotExist
    if member.status == Member.Status.LEFT:
        raise ValidationError(_("This member has left the panel; their data can no longer be changed."))
    if language not in council.language_codes:
        raise ValidationError({"language": _("The council does not use this language.")})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk, council=council)
        values = {"name": name, "language": language}
        if postal_address is not None:
            values["postal_address"] = clean_postal_address(postal_address)
        if phone is not None:
            values["phone"] = clean_phone(phone)
        changed = [field for field, value in values.items() if getattr(member, field) != value]
        for field, value in values.items():
            setattr(member, field, value)
        if changed:
            member.save(update_fields=changed)
        before = member_profile_get(member)
        member_profile_set(member=member, values=profile, partial=True)
        after = member_profile_get(member)
        changed += sorted(key for key in after if after[key] != before.get(key))
        audit_record(council=council, actor=actor, action="member.update", target=member, member_ids=[member.pk],
                     detail={"fields": changed}, request=request)
    return member


# A second click within this time sends no second e-mail.
INVITE_REPEAT_AFTER = timedelta(minutes=5)


def member_confirmation_send(*, council, actor, member: Member, request=None) -> bool:
    """E-mail a member awaiting confirmation (an imported one, say) a fresh link to confirm and,
    if none is recorded, to agree to the consent text. Returns False when nothing was sent:
    the member is not awaiting confirmation, has no e-mail, or got a link moments ago."""
    if member.council_id != council.pk:
        raise Member.DoesNotExist
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk, council=council)
        if member.status != Member.Status.PENDING or not member.email:
            return False
        if member.tokens.filter(purpose=MemberToken.Purpose.CONFIRM,
                                created_at__gte=timezone.now() - INVITE_REPEAT_AFTER).exists():
            return False
        return members_confirmation_invite(council=council, actor=actor, members=[member]) > 0


def members_confirmation_send(*, council, actor, filters: dict) -> int:
    """E-mail a link to confirm to every member awaiting confirmation who matches `filters`
    (whatever status the filter names), except those sent one moments ago. Returns how many."""
    filters = {key: value for key, value in _json_filters(filters).items() if key != "status"}
    recent = MemberToken.objects.filter(member=OuterRef("pk"), purpose=MemberToken.Purpose.CONFIRM,
                                        created_at__gte=timezone.now() - INVITE_REPEAT_AFTER)
    with transaction.atomic():
        members = list(
            selectors.members_filter(council=council, filters=filters)
            .filter(status=Member.Status.PENDING, email__isnull=False)
            .exclude(Exists(recent))
        )
        if not members:
            return 0
        return members_confirmation_invite(council=council, actor=actor, members=members)


EXPORT_FIXED_COLUMNS = [
    "number", "email", "name", "language", "status", "birth_year", "postal_code", "district",
    "joined", "confirmed", "last_active", "source", "campaign",
]


def members_export(*, council, actor, filters: dict, request=None) -> tuple[list[str], list[list]]:
    """Header and rows of a CSV of the members matching `filters` (one column per profile
    question, codes as the import reads them, several joined by "|"). Audited as
    "member.export" with every exported member's id and the filter."""
    filters = _json_filters(filters)
    questions = selectors.profile_questions(council=council)
    choice_questions = [q for q in questions if q.kind in (ProfileQuestion.Kind.SINGLE, ProfileQuestion.Kind.MULTI)]
    district_question = next((q for q in questions if q.kind == ProfileQuestion.Kind.DISTRICT), None)
    district_codes = {o.district_id: o.code for o in district_question.options.all()} if district_question else {}
    members = list(
        selectors.members_filter(council=council, filters=filters, questions=questions)
        .select_related("district", "campaign")
        .prefetch_related(Prefetch("answers", queryset=MemberAnswer.objects.select_related("option")))
        .order_by("pk")
    )
    header = EXPORT_FIXED_COLUMNS + [q.key for q in choice_questions]
    rows = []
    for member in members:
        chosen: dict[int, list[str]] = {}
        for answer in member.answers.all():
            chosen.setdefault(answer.question_id, []).append(answer.option.code)
        rows.append([
            member.pk, member.email or "", member.name, member.language, member.status, member.birth_year or "",
            member.postal_code, district_codes.get(member.district_id, ""),
            _iso(member.joined_at), _iso(member.confirmed_at), _iso(member.last_active_at),
            member.source, member.campaign.code if member.campaign else "",
            *["|".join(sorted(chosen.get(q.pk, []))) for q in choice_questions],
        ])
    with transaction.atomic():
        audit_record(council=council, actor=actor, action="member.export", member_ids=[m.pk for m in members],
                     detail={"filter": audit_safe_filter(filters), "count": len(members)}, request=request)
    return header, rows


def _iso(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def status_choices_for(member: Member) -> Iterable[str]:
    return sorted(STATUS_CHANGES.get(member.status, set()))
