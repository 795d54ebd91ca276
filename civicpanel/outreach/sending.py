"""The worker's side of a wave: claim deliveries in batches and send them, surviving crashes.

State machine per delivery:

    queued --claim--> queued + lease --> sending --SMTP ok--> sent
                                             |--5xx recipient--> failed (member marked bounced)
                                             |--temporary-----> queued, next_attempt_at later
    queued/sending --member unsubscribed, bounced, left, paused--> skipped

`sending` is committed before the SMTP conversation starts. A worker killed there leaves the
row in `sending`; once its lease runs out another run sends it again. That is the only way an
e-mail can go out twice (at most one per killed worker); a `sent` row is never sent again.
A claim is a lease (`claimed_until`) plus a token: another worker skips leased rows, and a
worker whose lease was taken over or ran out finds the row no longer its own and leaves it alone.

A batch is claimed, read (members, and what the message type prefetches) and sent over one SMTP
connection; each e-mail then costs one database statement besides its SMTP exchange: the
statement that marks it `sending` also records the previous e-mail of the batch as `sent`
(both in one commit). So at any moment at most one e-mail of a worker has been handed to the
server without being recorded as sent, which is the window of one e-mail per killed worker.
"""

from __future__ import annotations

import datetime
import logging
import re
import smtplib
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from civicpanel.common.mail import absolute_url, sender_for
from civicpanel.common.security import derived_token, new_salt, token_hash
from civicpanel.members.models import Member
from civicpanel.outreach.attachments import Attachment, checked
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.outreach.pacing import Pacer
from civicpanel.outreach.plain_email import PlainEmail
from civicpanel.outreach.registry import MessageType, get_message_type
from civicpanel.outreach.texts import message_language, render, texts_for

logger = logging.getLogger("civicpanel.outreach")

# Paced (the default, 10 a second per council), a batch of 50 takes 5 s per run sharing the
# council's pace, well within the lease. Unpaced, larger batches spread the claim, the reads and
# the SMTP connection over more e-mails.
BATCH_SIZE = 50
UNPACED_BATCH_SIZE = 500
MAX_ATTEMPTS = 5
# A run gives its worker back after about this long and queues its own continuation behind what
# was queued meanwhile: a wave of 100,000 e-mails (hours at a council's pace) then never keeps
# another council's wave, or a survey wave waiting to be prepared, for more than about a minute.
RUN_SECONDS = 60
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
UNSUBSCRIBE_PURPOSE = "unsubscribe"
OPEN = Delivery.OPEN_STATES
ADDRESS_RE = re.compile(r"[^\s<>\"'()\[\]]+@[^\s<>\"'()\[\]]+")


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class ServerUnavailable(Exception):
    """The mail server cannot be reached or refuses us: stop the run, retry the wave later."""


def lease() -> datetime.timedelta:
    """How long a claimed batch belongs to one worker. A killed worker's batch is taken over
    after this; a live worker renews the lease of its batch every half lease, and each
    e-mail's `sending` renews it for that e-mail (a row whose lease ran out all the same, in a
    worker stalled for longer than half the lease, is left to the next claim)."""
    return datetime.timedelta(seconds=getattr(settings, "CIVICPANEL_MAIL_LEASE_SECONDS", 300))


def unsubscribe_token(delivery_id: int, salt: str) -> str:
    return derived_token(UNSUBSCRIBE_PURPOSE, delivery_id, salt)


def skip_reason(member: Member, message_type: MessageType) -> str:
    """Why this member must not get this e-mail now ('' if they should)."""
    if member.status == Member.Status.LEFT or not member.email:
        return Delivery.SkipReason.LEFT
    if member.email_bounced:
        return Delivery.SkipReason.BOUNCED
    if message_type.transactional:
        return ""
    if member.status == Member.Status.PAUSED:
        return Delivery.SkipReason.PAUSED
    if member.status == Member.Status.PENDING:
        return Delivery.SkipReason.PENDING
    if not getattr(member, message_type.preference):
        return Delivery.SkipReason.UNSUBSCRIBED
    if message_type.preference == "wants_news" and not news_consented(member):
        return Delivery.SkipReason.NO_CONSENT
    return ""


def news_consented(member: Member) -> bool:
    """Whether the consent version the member last agreed to covers news and results by e-mail
    (councils set up before it did keep version 1 until the member agrees to a newer one)."""
    version = member.consent_version
    return version is not None and version.covers_news


def send_mailing_now(mailing_id: int, *, batch_size: int | None = None, pacer: Pacer | None = None) -> SendReport:
    """Send every open, due delivery of the wave, batch by batch, at the council's pace
    (pacing.py: 10 a second by default, shared by every worker). Idempotent."""
    report = SendReport()
    mailing = Mailing.objects.select_related("council").filter(pk=mailing_id).first()
    if mailing is None or mailing.cancelled_at is not None:
        return report
    if mailing.send_at is not None and mailing.send_at > timezone.now():
        schedule_open(mailing)  # queued too early: come back at send_at
        return report
    message_type = get_message_type(mailing.message_type)
    texts = texts_for(mailing.council, message_type)
    token = uuid.uuid4().hex
    pacer = pacer or Pacer(council_id=mailing.council_id)
    size = batch_size or (BATCH_SIZE if pacer.rate > 0 else UNPACED_BATCH_SIZE)
    with _fast_commits():
        more = _send_batches(mailing, message_type, texts, token, size, report, pacer,
                             stop_at=time.monotonic() + RUN_SECONDS)
    if more:
        from civicpanel.outreach.tasks import enqueue_send

        enqueue_send(mailing.pk)  # this run's continuation (a wave keeps its number of runs)
    else:
        schedule_open(mailing)
    logger.info("mailing %s: %s", mailing.pk, report.as_dict())
    return report


@contextmanager
def _fast_commits():
    """Two commits per e-mail would each wait for a disk flush on PostgreSQL (~10 ms). Without
    that wait a commit is still visible to every other worker at once, which is what the state
    machine relies on; only a crash of the database server itself could forget the last second
    of commits, and then those e-mails are sent again rather than lost (at-least-once holds)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _send_batches(mailing: Mailing, message_type: MessageType, texts: dict, token: str, size: int,
                  report: SendReport, pacer: Pacer, stop_at: float) -> bool:
    """Send batch after batch until none is left (False) or the run's time is up after a batch
    (True: continue in a new run)."""
    try:
        while True:
            if Mailing.objects.filter(pk=mailing.pk, cancelled_at__isnull=False).exists():
                break
            ids = _claim(mailing.pk, token, size)
            if not ids:
                break
            batch = _sendable(ids, token, message_type, report)
            if not batch:
                continue
            for delivery in batch:
                delivery.mailing = mailing
            _prefetch(batch, message_type)
            # One SMTP connection per batch: opening one per e-mail costs more than the e-mail.
            mailer = mailers["default"]
            sent = _Unrecorded()
            renew_at = timezone.now() + lease() / 2
            try:
                _open(mailer)
                for position, delivery in enumerate(batch):
                    pacer.wait_turn()
                    if timezone.now() >= renew_at:
                        _renew(batch[position:], token)
                        renew_at = timezone.now() + lease() / 2
                    _send_one(delivery, message_type, texts, token, report, mailer, sent)
            finally:
                sent.record()
                _close_quietly(mailer)
            if time.monotonic() >= stop_at:
                return True
    except ServerUnavailable as error:
        retry_at = timezone.now() + datetime.timedelta(seconds=RETRY_BASE_SECONDS)
        Delivery.objects.filter(mailing_id=mailing.pk, claim_token=token, state__in=OPEN).update(
            claim_token="", claimed_until=None, next_attempt_at=retry_at)
        logger.warning("mailing %s: mail server unavailable (%s); retrying at %s", mailing.pk, error, retry_at)
    return False


def _renew(rest: list[Delivery], token: str) -> None:
    """Extend the lease of the batch's rows still waiting, so a batch that takes long (a slow
    relay, a paced council) stays this run's. A row another run has claimed meanwhile has
    another token and is left alone."""
    for start in range(0, len(rest), 900):  # SQLite's limit on query parameters
        Delivery.objects.filter(pk__in=[d.pk for d in rest[start:start + 900]], claim_token=token,
                                state__in=OPEN).update(claimed_until=timezone.now() + lease())


def _prefetch(batch: list[Delivery], message_type: MessageType) -> None:
    """What the message type's context provider needs for the whole batch, read at once."""
    if message_type.prefetch is None:
        return
    try:
        found = message_type.prefetch(batch)
    except Exception:  # the provider reads for itself then, e-mail by e-mail
        logger.exception("mailing %s: prefetch failed", batch[0].mailing_id)
        return
    for delivery in batch:
        if delivery.pk in found:
            delivery.prefetched = found[delivery.pk]


def _claim(mailing_id: int, token: str, size: int) -> list[int]:
    """Take the next `size` free, due deliveries of the wave for this run (committed)."""
    now = timezone.now()
    with transaction.atomic():
        free = (Delivery.objects.filter(mailing_id=mailing_id, state__in=OPEN)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("id"))
        if connection.features.has_select_for_update_skip_locked:
            # Two workers never claim the same row; neither waits for the other.
            free = free.select_for_update(skip_locked=True)
        ids = list(free.values_list("id", flat=True)[:size])
        if ids:
            Delivery.objects.filter(id__in=ids).update(claim_token=token, claimed_until=now + lease())
    return ids


def _sendable(ids: list[int], token: str, message_type: MessageType, report: SendReport) -> list[Delivery]:
    """The claimed deliveries whose member, read afresh now, still wants and can get the e-mail.
    The others are skipped with the reason."""
    rows = list(Delivery.objects.filter(id__in=ids, claim_token=token, state__in=OPEN)
                .select_related("member__consent_version").order_by("id"))
    skipped: dict[str, list[int]] = defaultdict(list)
    sendable = []
    for delivery in rows:
        reason = skip_reason(delivery.member, message_type)
        if reason:
            skipped[reason].append(delivery.pk)
        else:
            sendable.append(delivery)
    for reason, pks in skipped.items():
        report.skipped += Delivery.objects.filter(pk__in=pks, claim_token=token, state__in=OPEN).update(
            state=Delivery.State.SKIPPED, skip_reason=reason, claim_token="", claimed_until=None)
    return sendable


def build_message(delivery: Delivery, message_type: MessageType, texts: dict[str, tuple[str, str]],
                  unsubscribe: str | None) -> tuple[str, str, dict[str, str], str | None]:
    """(subject, body, headers, html) of one delivery, in the member's language.

    Texts staff keep per message type are plain text only: it reads well in every mail program
    and screen reader, and mail programs make its links clickable. A composed message type
    (a newsletter, with headings and lists) adds an HTML alternative of the same content."""
    mailing, member = delivery.mailing, delivery.member
    council = mailing.council
    language = message_language(council, member.language)
    headers: dict[str, str] = {}
    html = None
    with override(language):
        context = {"council_name": council.name, "member_name": member.name or "", **mailing.extra_context}
        if not message_type.transactional and unsubscribe:
            url = absolute_url(council, reverse("outreach:unsubscribe", args=[unsubscribe]))
            context["unsubscribe_url"] = url
            targets = [f"<{url}>"]
            if council.contact_email:
                targets.append(f"<mailto:{council.contact_email}?subject=unsubscribe>")
            # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs here.
            headers["List-Unsubscribe"] = ", ".join(targets)
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if message_type.context_provider is not None:
            context.update(message_type.context_provider(delivery) or {})
        if message_type.composer is not None:
            composed = message_type.composer(delivery, language, context)
            subject, body, html = " ".join(composed.subject.split()), composed.text, composed.html
        else:
            subject_src, body_src = texts[language]
            subject, body = render(subject_src, body_src, context)
    return subject, body, headers, html


def build_attachments(delivery: Delivery, message_type: MessageType) -> list[Attachment]:
    """The files of one delivery, built by the message type's app in the member's language and
    checked (outreach.attachments); none for most kinds of e-mail."""
    if message_type.attachments is None:
        return []
    language = message_language(delivery.mailing.council, delivery.member.language)
    with override(language):
        return checked(message_type.attachments(delivery))


def _error_text(error: BaseException) -> str:
    """The error for staff, without the recipient's address (which must not outlive erasure)."""
    return ADDRESS_RE.sub("<address>", f"{type(error).__name__}: {error}")[:300]


def _open(mailer) -> None:
    """Open the connection for the whole batch (send_messages would open and close one per
    e-mail otherwise)."""
    try:
        mailer.open()
    except (smtplib.SMTPException, OSError) as error:
        raise ServerUnavailable(_error_text(error)) from error


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except (smtplib.SMTPException, OSError):
        logger.warning("could not close the SMTP connection cleanly", exc_info=True)


def _deliver(mailer, *, council, to: str, subject: str, body: str, headers: dict[str, str],
             html: str | None = None, attachments: list[Attachment] = ()) -> str:
    """Send one e-mail over an open mailer connection; the message is built as
    civicpanel.common.mail.deliver builds it (same sender, Reply-To and Message-ID)."""
    message_id = make_msgid(domain="civicpanel")
    message = PlainEmail(
        subject=subject, body=body, from_email=sender_for(council), to=[to],
        headers={"Message-ID": message_id, **headers},
        reply_to=[council.contact_email] if council.contact_email else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    mailer.send_messages([message])
    return message_id


class _Unrecorded:
    """The one e-mail of a batch that the server accepted and that is not yet recorded as sent:
    recorded with the next e-mail's `sending` (one commit for both), or at the end of the batch."""

    def __init__(self) -> None:
        self.delivery_id: int | None = None
        self.message_id = ""
        self.at: datetime.datetime | None = None

    def keep(self, delivery_id: int, message_id: str) -> None:
        self.delivery_id, self.message_id, self.at = delivery_id, message_id[:255], timezone.now()

    def record(self) -> None:
        if self.delivery_id is not None:
            Delivery.objects.filter(pk=self.delivery_id).update(
                state=Delivery.State.SENT, sent_at=self.at, message_id=self.message_id, claim_token="",
                claimed_until=None, next_attempt_at=None, last_error="")
            self.delivery_id = None


# Marks one delivery `sending` if it is still this run's (its claim token, the lease not over,
# not cancelled or done), renewing its lease, and records the batch's previous e-mail as sent,
# in one statement: each column takes this delivery's value on its row and the `sent` values on
# the other. Written out rather than built by the ORM: it runs once per e-mail, and building
# the CASE expressions cost more than the statement itself.
START_SQL = """
UPDATE outreach_delivery SET
    state = CASE WHEN id = %(this)s THEN %(sending)s ELSE %(sent)s END,
    attempts = CASE WHEN id = %(this)s THEN attempts + 1 ELSE attempts END,
    unsubscribe_salt = CASE WHEN id = %(this)s THEN %(salt)s ELSE unsubscribe_salt END,
    unsubscribe_hash = CASE WHEN id = %(this)s THEN %(hash)s ELSE unsubscribe_hash END,
    language = CASE WHEN id = %(this)s THEN %(language)s ELSE language END,
    claimed_until = CASE WHEN id = %(this)s THEN %(lease_until)s ELSE NULL END,
    claim_token = CASE WHEN id = %(this)s THEN claim_token ELSE '' END,
    sent_at = CASE WHEN id = %(this)s THEN sent_at ELSE %(sent_at)s END,
    message_id = CASE WHEN id = %(this)s THEN message_id ELSE %(message_id)s END,
    next_attempt_at = CASE WHEN id = %(this)s THEN next_attempt_at ELSE NULL END,
    last_error = CASE WHEN id = %(this)s THEN last_error ELSE '' END
WHERE id IN (%(this)s, %(previous)s)
  AND (id = %(previous)s
       OR (claim_token = %(token)s AND state IN (%(queued)s, %(sending)s) AND claimed_until > %(now)s))
RETURNING id
"""


def _start(delivery: Delivery, token: str, *, salt: str, unsubscribe_hash: str, language: str,
           sent: _Unrecorded) -> bool:
    """Commit `sending` for this delivery if it is still ours, recording the batch's previous
    e-mail as sent in the same statement. True if this delivery may be sent now."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "this": delivery.pk, "previous": sent.delivery_id if sent.delivery_id is not None else -1,
        "sending": Delivery.State.SENDING.value, "sent": Delivery.State.SENT.value,
        "queued": Delivery.State.QUEUED.value, "token": token, "now": adapt(now),
        "lease_until": adapt(now + lease()), "salt": salt, "hash": unsubscribe_hash, "language": language,
        "sent_at": adapt(sent.at), "message_id": sent.message_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(START_SQL, params)
        updated = {row[0] for row in cursor.fetchall()}
    sent.delivery_id = None  # recorded (an error above leaves it to the end of the batch)
    return delivery.pk in updated


def _send_one(delivery: Delivery, message_type: MessageType, texts: dict, token: str,
              report: SendReport, mailer, sent: _Unrecorded) -> None:
    salt = delivery.unsubscribe_salt or new_salt()
    unsubscribe = unsubscribe_token(delivery.pk, salt)
    # Commit `sending` before talking to the server: after a crash this row is sent again.
    started = _start(delivery, token, salt=salt, unsubscribe_hash=token_hash(unsubscribe),
                     language=message_language(delivery.mailing.council, delivery.member.language), sent=sent)
    if not started:
        return  # cancelled, or our lease was taken over
    delivery.attempts += 1
    try:
        subject, body, headers, html = build_message(delivery, message_type, texts, unsubscribe)
        attachments = build_attachments(delivery, message_type)
    except Exception as error:  # a broken text or context provider fails this e-mail, not the wave
        logger.exception("delivery %s: cannot build the message", delivery.pk)
        _fail(delivery, _error_text(error), report)
        return
    council = delivery.mailing.council
    try:
        message_id = _deliver(mailer, council=council, to=delivery.member.email, subject=subject, body=body,
                              headers=headers, html=html, attachments=attachments)
    except smtplib.SMTPRecipientsRefused as error:
        code = min((response[0] for response in error.recipients.values()), default=550)
        if code >= 500:
            from civicpanel.outreach.services import member_mark_bounced

            _fail(delivery, _error_text(error), report)
            member_mark_bounced(council=council, member_id=delivery.member_id, source="smtp",
                                detail={"code": code, "mailing": delivery.mailing_id})
        else:
            _retry_later(delivery, _error_text(error), report)
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
            smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as error:
        _retry_later(delivery, _error_text(error), report)
        raise ServerUnavailable(_error_text(error)) from error
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            _fail(delivery, _error_text(error), report)
        else:
            _retry_later(delivery, _error_text(error), report)
    except smtplib.SMTPException as error:
        _retry_later(delivery, _error_text(error), report)
    except OSError as error:  # connection refused, timeout, DNS
        _retry_later(delivery, _error_text(error), report)
        raise ServerUnavailable(_error_text(error)) from error
    except ValueError as error:  # an address no mail server can take (e.g. non-ASCII before the @)
        _fail(delivery, _error_text(error), report)
    else:
        sent.keep(delivery.pk, message_id)
        report.sent += 1


def _fail(delivery: Delivery, error: str, report: SendReport) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.FAILED, last_error=error, claim_token="", claimed_until=None)
    report.failed += 1


def _retry_later(delivery: Delivery, error: str, report: SendReport) -> None:
    if delivery.attempts >= MAX_ATTEMPTS:
        _fail(delivery, error, report)
        return
    delay = min(RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1), RETRY_MAX_SECONDS)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.QUEUED, last_error=error, claim_token="", claimed_until=None,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay))
    report.retry += 1


def next_run_at(mailing: Mailing) -> datetime.datetime | None:
    """When the wave next has a delivery ready to send (None: nothing left to send)."""
    now = timezone.now()
    times = []
    for next_attempt_at, claimed_until in (Delivery.objects.filter(mailing=mailing, state__in=OPEN)
                                           .values_list("next_attempt_at", "claimed_until")):
        times.append(max(next_attempt_at or now, claimed_until or now))
    if not times or mailing.cancelled_at is not None:
        return None
    at = min(times)
    if mailing.send_at is not None:
        at = max(at, mailing.send_at)
    return at


def schedule_open(mailing: Mailing) -> bool:
    """Make sure a run is queued for the wave's remaining work (retries, a crashed worker's
    batch once its lease ends, a future send_at). True if a run was queued."""
    from civicpanel.outreach.tasks import enqueue_send, send_is_pending, send_mailing

    at = next_run_at(mailing)
    if at is None or send_is_pending(mailing.pk):
        return False
    now = timezone.now()
    if at > now and not send_mailing.get_backend().supports_defer:
        return False
    # A second after the lease ends, so the run finds the rows free.
    return enqueue_send(mailing.pk, run_after=at + datetime.timedelta(seconds=1) if at > now else None) is not None
