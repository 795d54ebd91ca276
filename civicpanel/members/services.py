"""Writes for the resident-facing side of the panel: sign-up and confirmation, login links,
self-service changes, consent, leaving, and the scheduled lifecycle.

Residents are never enumerated: `member_signup` and `login_link_request` behave the same
from the outside whether or not the address is known; only the e-mail that is sent differs.
Self-service actions are written to the audit log with the actor "member" and the member's
id, never with the e-mail address or the resident's IP address (the audit log is append-only
and survives erasure).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.services import audit_record
from civicpanel.common.appendonly import purge_permitted
from civicpanel.common.crypto import blind_index
from civicpanel.common.ledger import MEMBER_DELETED, ledger_record
from civicpanel.common.ratelimit import rate_limit_hit as _rate_limit_hit
from civicpanel.members import erasure
from civicpanel.members.consent import consent_record_add
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.models import ConsentRecord, Member, MemberToken
from civicpanel.members.profile import member_profile_set
from civicpanel.members.tasks import (
    member_link_send,
    member_login_link_request,
    member_renewal_send,
)
from civicpanel.members.tokens import (
    token_find,
    token_is_usable,
    token_issue,
)
from civicpanel.panel.models import Campaign, ConsentVersion
from civicpanel.tenancy.models import Council

# What the audit log shows as the actor of a resident's own action.
MEMBER_ACTOR = "member"
SYSTEM_ACTOR = "system"

SIGNUP_LIMIT_PER_IP = 10          # sign-ups per IP address and hour
LOGIN_LIMIT_PER_IP = 10           # login-link requests per IP address and hour
MAILS_PER_ADDRESS = 3             # link e-mails per address and hour, whoever asks for them
RATE_WINDOW = 3600
PENDING_KEEP_DAYS = 30
REMINDER_DAYS_BEFORE_END = 30
# Nobody is erased at the end of the term without having been sent a reminder this long before.
MIN_DAYS_AFTER_REMINDER = 14

ACTIVE_STATUSES = (Member.Status.ACTIVE, Member.Status.PAUSED)


class ConsentChanged(Exception):
    """The consent text changed after the page was shown: the member must see the new text."""


# --- Reads (the public side needs only these few) --------------------------------------------

def consent_current(*, council: Council) -> ConsentVersion | None:
    return ConsentVersion.objects.filter(council=council).order_by("-version").first()


def member_consent_outdated(member: Member) -> bool:
    """The council has published a consent text newer than the one the member agreed to."""
    current = consent_current(council=member.council)
    return current is not None and member.consent_version_id != current.pk


def campaign_for_code(*, council: Council, code: str) -> Campaign | None:
    code = (code or "").strip()[:40]
    if not code:
        return None
    return Campaign.objects.filter(council=council, code=code).first()


def member_for_session(*, council: Council, member_id: object) -> Member | None:
    """The logged-in member, if still a member of this council (a member who left has no session)."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    return (
        Member.objects.select_related("council", "consent_version", "district")
        .filter(council=council, pk=member_id, status__in=ACTIVE_STATUSES)
        .first()
    )


# --- Rate limiting ------------------------------------------------------------------------------

def rate_limit_hit(*, scope: str, key: str, limit: int, window: int = RATE_WINDOW) -> bool:
    """Count one event for (scope, key); True once the limit is passed (atomic: see
    common.ratelimit)."""
    return _rate_limit_hit(scope=scope, key=key, limit=limit, window=window)


def link_request_allowed(*, council: Council, email: str) -> bool:
    """Counts a request for a link to this address, known or not, so the answer to one over the
    limit can say so without telling whether the address is in the panel."""
    return not rate_limit_hit(scope="link-request", key=f"{council.pk}:{normalize_email(email)}",
                              limit=MAILS_PER_ADDRESS)


def _mail_allowed(*, council: Council, email: str) -> bool:
    """At most a few link e-mails per address and hour, so the forms cannot be used to flood
    someone's inbox; requests beyond that are answered the same but send nothing."""
    return not rate_limit_hit(scope="mail", key=f"{council.pk}:{email.lower()}", limit=MAILS_PER_ADDRESS)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# --- Sign-up and confirmation -----------------------------------------------------------------------

def _send_link(*, member: Member, purpose: str, kind: str, lifetime: datetime.timedelta | None = None,
               next_path: str = "") -> MemberToken:
    token = token_issue(member=member, purpose=purpose, lifetime=lifetime)
    token_id = token.pk
    transaction.on_commit(lambda: member_link_send.enqueue(token_id, kind, next_path))
    return token


def _answer_known_address(member: Member) -> None:
    """Someone (perhaps not the owner) entered an address we know: tell its owner, change nothing."""
    if not _mail_allowed(council=member.council, email=member.email):
        return
    if member.status == Member.Status.PENDING:
        _send_link(member=member, purpose=MemberToken.Purpose.CONFIRM, kind="confirm")
    elif member.status in ACTIVE_STATUSES:
        _send_link(member=member, purpose=MemberToken.Purpose.LOGIN, kind="already_member")


def member_signup(*, council: Council, email: str, name: str = "", language: str, profile_values: dict,
                  consent_version: ConsentVersion, campaign: Campaign | None = None, source: str = "") -> Member:
    """Create a pending member with their profile and consent and send the confirmation link.

    For an address already in the panel nothing is created or changed; its owner gets an
    e-mail instead (a login link, or a fresh confirmation link if still pending).
    Raises ConsentChanged if ``consent_version`` is no longer the council's current text.
    """
    email = normalize_email(email)
    with transaction.atomic():
        current = consent_current(council=council)
        if current is None or current.pk != consent_version.pk:
            raise ConsentChanged
        pending = dict(council=council, name=name, language=language, profile_values=profile_values,
                       consent_version=consent_version, campaign=campaign, source=source)
        existing = Member.objects.by_email(email, council=council).first()
        if existing is not None:
            _rehearse_signup(**pending)
            _answer_known_address(existing)
            return existing
        try:
            with transaction.atomic():
                member = _pending_member_add(email=email, **pending)
        except IntegrityError:
            # The same address was signed up at the same moment (a double click): answer as known.
            existing = Member.objects.by_email(email, council=council).get()
            _answer_known_address(existing)
            return existing
        if _mail_allowed(council=council, email=email):
            _send_link(member=member, purpose=MemberToken.Purpose.CONFIRM, kind="confirm")
    return member


def _pending_member_add(*, council: Council, email: str, name: str, language: str, profile_values: dict,
                        consent_version: ConsentVersion, campaign: Campaign | None, source: str) -> Member:
    """The writes of a new sign-up: the pending member, its profile, its consent record and the
    audit event."""
    now = timezone.now()
    member = Member.objects.create(
        council=council, email=email, name=(name or "").strip()[:200], language=language,
        status=Member.Status.PENDING, campaign=campaign, source=(source or "").strip()[:100],
        consent_version=consent_version, consent_given_at=now,
    )
    member_profile_set(member=member, values=profile_values, partial=False)
    consent_record_add(member=member, version=consent_version, channel=ConsentRecord.Channel.WEB, at=now)
    audit_record(council=council, actor=MEMBER_ACTOR, action="member.signup", target=member,
                 member_ids=[member.pk],
                 detail={"campaign": campaign.code if campaign else "", "consent_version": consent_version.version})
    return member


def _rehearse_signup(**pending) -> None:
    """Make a new sign-up's writes under an address nobody has, and roll them back.

    A sign-up with an address already in the panel changes nothing; without this it would be
    answered about 25 ms sooner than a new one on PostgreSQL (four tables fewer written), and
    that difference tells a stranger who is in the panel. Django's login hashes a dummy password for an
    unknown user for the same reason. Nothing of the rehearsal stays: its rows and its
    on-commit work go with the savepoint."""
    try:
        with transaction.atomic():
            _pending_member_add(email=f"{secrets.token_hex(16)}@rehearsal.invalid", **pending)
            raise _Rehearsed
    except _Rehearsed:
        pass


class _Rehearsed(Exception):  # noqa: N818 - not an error: it rolls the rehearsal back
    """Leaves the rehearsal's atomic block, which rolls its writes back."""


@dataclass
class ConfirmOutcome:
    """``status``: confirmed (just now), already (confirmed before), expired, invalid, or
    needs_consent (the member was added by staff without a recorded consent: the confirmation
    must include agreeing to the current text)."""

    status: str
    member: Member | None = None


def member_needs_consent(member: Member) -> bool:
    """A pending member without any recorded consent (added by a staff import) must agree to
    the consent text when confirming; one who signed up agreed on the sign-up form."""
    return member.consent_version_id is None


def member_confirm(*, council: Council, plaintext: str = "", hashed: str = "",
                   consent_version: ConsentVersion | None = None) -> ConfirmOutcome:
    """Activate the member of a confirmation link. A second use reports "already".

    ``consent_version`` is the text the person agreed to on the confirmation page; it is
    required (and must be the current text) when `member_needs_consent`.
    """
    now = timezone.now()
    with transaction.atomic():
        token = token_find(council=council, purpose=MemberToken.Purpose.CONFIRM, plaintext=plaintext,
                           hashed=hashed, for_update=True)
        if token is None:
            return ConfirmOutcome("invalid")
        member = token.member
        if member.status in ACTIVE_STATUSES:
            return ConfirmOutcome("already", member)
        if member.status != Member.Status.PENDING:
            return ConfirmOutcome("invalid")
        if not token_is_usable(token, now=now):
            return ConfirmOutcome("expired")
        fields = ["status", "confirmed_at", "last_active_at"]
        if member_needs_consent(member):
            current = consent_current(council=council)
            if consent_version is None or current is None or consent_version.pk != current.pk:
                return ConfirmOutcome("needs_consent", member)
            consent_record_add(member=member, version=current, channel=ConsentRecord.Channel.WEB, at=now)
            member.consent_version, member.consent_given_at = current, now
            fields += ["consent_version", "consent_given_at"]
        member.status = Member.Status.ACTIVE
        member.confirmed_at = now
        member.last_active_at = now
        member.save(update_fields=fields)
        token.used_at = now
        token.save(update_fields=["used_at"])
        # Older confirmation links of the same member are of no use any more.
        member.tokens.filter(purpose=MemberToken.Purpose.CONFIRM, used_at__isnull=True).update(used_at=now)
        audit_record(council=council, actor=MEMBER_ACTOR, action="member.confirm", target=member,
                     member_ids=[member.pk])
    return ConfirmOutcome("confirmed", member)


def members_confirmation_invite(*, council: Council, actor, members) -> int:
    """Staff ask members who are awaiting confirmation (for instance imported ones) to confirm:
    each gets a confirmation link valid 7 days. Others are skipped. Returns how many were sent.

    An imported member without a recorded consent sees the consent text on the confirmation
    page and must agree to it there.
    """
    sent = 0
    with transaction.atomic():
        pending = list(Member.objects.filter(council=council, status=Member.Status.PENDING, email__isnull=False,
                                             pk__in=[m.pk for m in members]))
        for member in pending:
            _send_link(member=member, purpose=MemberToken.Purpose.CONFIRM, kind="invite_confirm")
            sent += 1
        if pending:
            audit_record(council=council, actor=actor, action="member.confirmation_invite",
                         member_ids=[m.pk for m in pending], detail={"count": sent})
    return sent


# --- Login links ----------------------------------------------------------------------------------

def login_link_request(*, council: Council, email: str, next_path: str = "") -> None:
    """Send a login link to a member with this address (or a fresh confirmation link to a
    pending one). An unknown address gets nothing, and the caller cannot tell the difference.
    `next_path` (a /me/ page, checked by the caller) is where the login link leads.

    The request only queues the work, the same for every address: looking the address up,
    making the link and the e-mail happen in the worker (`login_link_answer`), so a known
    address is not answered slower than an unknown one. The queue holds the address's blind
    index, not the address."""
    hashed = blind_index(normalize_email(email))
    if hashed is not None:
        member_login_link_request.enqueue(council.pk, hashed, next_path)


def login_link_answer(*, council_id: int, email_hash: str, next_path: str = "") -> None:
    """The worker's half of `login_link_request`: already in the worker, it sends at once.

    A link asked for to leave the panel (`next_path` is the leave page) is a login link in an
    e-mail of its own, which says what the link does."""
    leaving = next_path == reverse("members:leave")
    with transaction.atomic():
        member = Member.objects.filter(council_id=council_id, email_hash=email_hash).select_related("council").first()
        if member is None or not member.email or not _mail_allowed(council=member.council, email=member.email):
            return
        if member.status == Member.Status.PENDING and not leaving:
            token, kind = token_issue(member=member, purpose=MemberToken.Purpose.CONFIRM), "confirm"
        elif member.status in ACTIVE_STATUSES:
            token = token_issue(member=member, purpose=MemberToken.Purpose.LOGIN)
            kind = "leave" if leaving else "login"
        else:
            # Someone who never confirmed a sign-up and asks to leave gets no confirmation link
            # (it would ask them to join); the unconfirmed sign-up is deleted after PENDING_KEEP_DAYS.
            return
    member_link_send.call(token.pk, kind, next_path if kind in ("login", "leave") else "")


def member_login(*, council: Council, plaintext: str = "", hashed: str = "") -> Member | None:
    """Use a login link once (given as plaintext, or as the hash the session kept). Returns the
    member, or None for an unknown, used or expired link."""
    now = timezone.now()
    with transaction.atomic():
        token = token_find(council=council, purpose=MemberToken.Purpose.LOGIN, plaintext=plaintext,
                           hashed=hashed, for_update=True)
        if token is None or not token_is_usable(token, now=now) or token.member.status not in ACTIVE_STATUSES:
            return None
        token.used_at = now
        token.save(update_fields=["used_at"])
        member = token.member
        member.last_active_at = now
        member.save(update_fields=["last_active_at"])
    return member


def member_leave_with_link(*, council: Council, hashed: str) -> Member | None:
    """A member who is not logged in leaves with the link from a leave e-mail (`login_link_answer`):
    the link is used and the member erased in one transaction, so a link is spent only on a
    member who has left. Returns the member, or None for an unknown, used or expired link."""
    with transaction.atomic():
        member = member_login(council=council, hashed=hashed)
        if member is None:
            return None
        member_leave(member=member)
    return member


# --- Self-service -----------------------------------------------------------------------------------

TOUCH_INTERVAL = datetime.timedelta(hours=1)


def member_touch(*, member: Member) -> None:
    """Record a meaningful action of the member (answering a survey, signing up for an event...).
    Other apps call this so the lifecycle knows who is still active, which it counts in months:
    a touch within the last hour is not written again (a survey's pages each touch)."""
    now = timezone.now()
    if member.last_active_at and now - member.last_active_at < TOUCH_INTERVAL:
        return
    member.last_active_at = now
    Member.objects.filter(pk=member.pk).update(last_active_at=now)


def member_profile_update(*, member: Member, name: str, values: dict, postal_address: str | None = None,
                          phone: str | None = None) -> Member:
    """The member changes their own name, contact (postal address and phone; None leaves them as
    they are) and profile (all questions; raises ValidationError)."""
    fields = ["name", "last_active_at"]
    with transaction.atomic():
        member_profile_set(member=member, values=values, partial=False)
        member.name = (name or "").strip()[:200]
        if postal_address is not None:
            member.postal_address = clean_postal_address(postal_address)
            fields.append("postal_address")
        if phone is not None:
            member.phone = clean_phone(phone)
            fields.append("phone")
        member.last_active_at = timezone.now()
        member.save(update_fields=fields)
        audit_record(council=member.council, actor=MEMBER_ACTOR, action="member.profile_update", target=member,
                     member_ids=[member.pk])
    return member


def member_preferences_update(*, member: Member, wants_surveys: bool, wants_events: bool, wants_news: bool,
                              language: str) -> Member:
    if language not in member.council.language_codes:
        raise ValueError(f"language {language!r} is not offered by this council")
    member.wants_surveys, member.wants_events, member.wants_news = wants_surveys, wants_events, wants_news
    member.language = language
    member.last_active_at = timezone.now()
    member.save(update_fields=["wants_surveys", "wants_events", "wants_news", "language", "last_active_at"])
    return member


def member_consent_give(*, member: Member, consent_version: ConsentVersion) -> Member:
    """The member agrees to the council's current consent text; this also starts a new panel term."""
    with transaction.atomic():
        current = consent_current(council=member.council)
        if current is None or current.pk != consent_version.pk:
            raise ConsentChanged
        now = timezone.now()
        consent_record_add(member=member, version=consent_version, channel=ConsentRecord.Channel.WEB, at=now)
        member.consent_version = consent_version
        member.consent_given_at = now
        member.last_active_at = now
        member.save(update_fields=["consent_version", "consent_given_at", "last_active_at"])
        audit_record(council=member.council, actor=MEMBER_ACTOR, action="member.consent", target=member,
                     member_ids=[member.pk], detail={"consent_version": consent_version.version})
    return member


def member_data_export(*, member: Member, file_format: str) -> dict:
    """Everything about the member, for their own download (recorded in the audit log)."""
    with transaction.atomic():
        data = erasure.member_data(member)
        member_touch(member=member)
        audit_record(council=member.council, actor=MEMBER_ACTOR, action="member.export_own", target=member,
                     member_ids=[member.pk], detail={"format": file_format})
    return data


def member_leave(*, member: Member) -> None:
    """The member leaves the panel: their personal data is erased (members.erasure)."""
    with transaction.atomic():
        audit_record(council=member.council, actor=MEMBER_ACTOR, action="member.leave", target=member,
                     member_ids=[member.pk])
        erasure.member_erase(member=member, status=Member.Status.LEFT)


# --- Lifecycle (run daily by `civicpanel members_lifecycle`) ------------------------------------

@dataclass
class LifecycleReport:
    reminded: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    pending_deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.reminded.values()) + sum(self.anonymised.values()) + sum(self.pending_deleted.values())


def _years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def members_lifecycle_run(*, now: datetime.datetime | None = None, councils=None) -> LifecycleReport:
    """Renewal reminders, erasure at the end of the term, removal of never-confirmed sign-ups.

    Idempotent: a member is reminded once per term (until they give consent again), and
    nobody is erased without a reminder sent at least MIN_DAYS_AFTER_REMINDER days before,
    unless they have no e-mail address to remind.
    """
    now = now or timezone.now()
    report = LifecycleReport()
    consent_path = reverse("members:consent")
    councils = councils if councils is not None else Council.objects.all()
    for council in councils:
        term_cutoff = _years_before(now, council.panel_term_years)
        remind_cutoff = term_cutoff + datetime.timedelta(days=REMINDER_DAYS_BEFORE_END)
        members = Member.objects.filter(council=council).annotate(
            term_start=Coalesce("consent_given_at", "confirmed_at", "joined_at"))
        not_reminded = Q(renewal_reminded_at__isnull=True) | Q(renewal_reminded_at__lt=Coalesce(
            "consent_given_at", "confirmed_at", "joined_at"))

        to_remind = members.filter(not_reminded, status__in=ACTIVE_STATUSES, email__isnull=False,
                                   term_start__lt=remind_cutoff)
        reminded = 0
        for member in to_remind.iterator():
            with transaction.atomic():
                if not Member.objects.filter(pk=member.pk, renewal_reminded_at=member.renewal_reminded_at).update(
                        renewal_reminded_at=now):
                    continue  # another run got there first
                # No login link in the reminder: it is read days later, and a login link lives
                # 15 minutes (SECURITY-REQUIREMENTS B6). It leads to the login page, which sends
                # a fresh link that opens the consent page.
                member_id = member.pk
                transaction.on_commit(lambda member_id=member_id: member_renewal_send.enqueue(member_id, consent_path))
                reminded += 1

        reminded_long_ago = Q(renewal_reminded_at__isnull=False,
                              renewal_reminded_at__gte=Coalesce("consent_given_at", "confirmed_at", "joined_at"),
                              renewal_reminded_at__lte=now - datetime.timedelta(days=MIN_DAYS_AFTER_REMINDER))
        to_erase = members.filter(reminded_long_ago | Q(email__isnull=True), status__in=ACTIVE_STATUSES,
                                  term_start__lt=term_cutoff)
        anonymised = 0
        for member in to_erase.iterator():
            with transaction.atomic():
                audit_record(council=council, actor=SYSTEM_ACTOR, action="member.term_ended", target=member,
                             member_ids=[member.pk])
                erasure.member_erase(member=member, status=Member.Status.LEFT, now=now)
                anonymised += 1

        pending_cutoff = now - datetime.timedelta(days=PENDING_KEEP_DAYS)
        recent_link = MemberToken.objects.filter(member=OuterRef("pk"), created_at__gte=pending_cutoff)
        stale = Member.objects.filter(council=council, status=Member.Status.PENDING, joined_at__lt=pending_cutoff).exclude(
            Exists(recent_link))
        stale_ids = list(stale.values_list("pk", flat=True))
        if stale_ids:
            # A sign-up never confirmed goes with its consent record: the owner of the address
            # never confirmed it, so the record would only keep a stranger's claim about them.
            with transaction.atomic(), purge_permitted():
                Member.objects.filter(pk__in=stale_ids, status=Member.Status.PENDING).delete()
                ledger_record(MEMBER_DELETED, council_id=council.pk, member_ids=stale_ids, at=now)
                audit_record(council=council, actor=SYSTEM_ACTOR, action="member.pending_deleted",
                             detail={"count": len(stale_ids)})

        for bucket, count in ((report.reminded, reminded), (report.anonymised, anonymised),
                              (report.pending_deleted, len(stale_ids))):
            if count:
                bucket[council.slug] = count
    return report
