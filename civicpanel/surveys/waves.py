"""Writing a wave's invitations and e-mails: in the send page's request for a small wave, by the
task worker for a large one.

A wave of the whole panel of a large council is a hundred thousand invitations (each with the
hash of its link) and as many e-mails to queue: about 25 s of writing. From
`PREPARED_BY_WORKER_FROM` recipients on, the send page stores whom the wave invites (a
`WavePlan`) and answers at once; the worker writes the rows in one transaction and marks the
wave prepared. While a wave is being prepared no other wave of the survey is sent, so a member
can never be chosen twice. A worker killed half-way leaves nothing written: its transaction is
rolled back and `civicpanel surveys_waves_resume` queues the wave again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from civicpanel.common.bulk_insert import bulk_insert
from civicpanel.common.security import new_salt, token_hash
from civicpanel.members.models import Member
from civicpanel.outreach.services import mailing_create
from civicpanel.surveys.audience import recently_contacted_q
from civicpanel.surveys.invitations import invitation_token
from civicpanel.surveys.models import Invitation, Survey, Wave, WavePlan

INVITATION_MESSAGE = "survey_invitation"
# From this many recipients an e-mail wave is written by the worker (a few seconds and more of
# writing); below, in the request (at most about half a second), so that the page shows it done.
PREPARED_BY_WORKER_FROM = 2000
# A preparation not finished after this long was lost with its worker and is queued again.
PREPARATION_LOST_AFTER = timedelta(minutes=10)


def issue_invitations(*, survey, wave: Wave, member_ids: list[int], invited_at: datetime,
                      inclusion: dict[int, float] | None = None) -> dict[int, int]:
    """One invitation per member (the unique constraint keeps a member from a second one even
    if two sends race), with the token's hash stored; returns member_id -> invitation_id.
    `inclusion` gives each member's inclusion probability when the wave is a sample."""
    inclusion = inclusion or {}
    rows = [Invitation(survey=survey, member_id=m, wave=wave, token_salt=new_salt(), invited_at=invited_at,
                       inclusion_probability=inclusion.get(m))
            for m in member_ids]

    def with_hash(invitation: Invitation) -> None:
        invitation.token_hash = token_hash(invitation_token(invitation))

    bulk_insert(rows, with_hash, ["token_hash"])
    return {i.member_id: i.pk for i in rows}


def wave_write(*, council, actor, survey, wave: Wave, member_ids: list[int],
               inclusion: dict[int, float] | None, send_at: datetime | None) -> None:
    """The e-mail wave's invitations and its mailing (sent now or at `send_at`)."""
    reference_ids = issue_invitations(survey=survey, wave=wave, member_ids=member_ids,
                                      invited_at=wave.send_at, inclusion=inclusion)
    wave.mailing = mailing_create(
        council=council, actor=actor, message_type=INVITATION_MESSAGE, member_ids=member_ids,
        reference=f"survey:{survey.pk}", reference_ids=reference_ids, send_at=send_at,
    )
    wave.save(update_fields=["mailing"])


def prepared_by_worker(recipients: int) -> bool:
    return recipients >= PREPARED_BY_WORKER_FROM


def wave_plan(*, wave: Wave, member_ids: list[int], inclusion: dict[int, float] | None) -> None:
    """Leave a large wave to the worker (inside the send's transaction): whom it invites is
    stored, and the worker is asked once the send has committed."""
    from civicpanel.surveys import tasks

    WavePlan.objects.create(wave=wave, member_ids=member_ids,
                            inclusion=[inclusion[m] for m in member_ids] if inclusion else [])
    wave_id = wave.pk
    transaction.on_commit(lambda: tasks.wave_prepare.enqueue(wave_id))


def wave_prepare(*, wave_id: int) -> Wave | None:
    """The worker's part: write the planned wave's invitations and e-mails, once.

    Members who left the panel since the send page, or reached the contact limit through another
    survey's sending, are left out (the wave's count becomes those invited). A wave cancelled before its turn writes nothing; so does one whose survey was closed
    meanwhile (the wave is then shown cancelled). None: the survey was deleted."""
    with transaction.atomic():
        wave = (Wave.objects.select_for_update(of=("self",)).select_related("survey__council", "created_by")
                .filter(pk=wave_id).first())
        if wave is None or wave.prepared:
            return wave  # a second run of the task, or a resumed one that was not lost after all
        plan = WavePlan.objects.get(wave=wave)
        survey = wave.survey
        council = survey.council
        now = timezone.now()
        closed = survey.status != Survey.Status.OPEN or (survey.closes_at and max(wave.send_at, now) >= survey.closes_at)
        if wave.cancelled_at is None and closed:
            wave.cancelled_at = now
            wave.recipient_count = 0
        if wave.cancelled_at is None:
            probability = dict(zip(plan.member_ids, plan.inclusion, strict=True)) if plan.inclusion else None
            active = Member.objects.filter(council=council, status=Member.Status.ACTIVE)
            still = {pk for start in range(0, len(plan.member_ids), 10_000)  # SQLite's cap on parameters
                     for pk in active.filter(pk__in=plan.member_ids[start:start + 10_000]).values_list("pk", flat=True)}
            # Another survey's sending since the send page may have brought a member to the
            # contact limit (a small one is written at once): the limit holds whatever the order.
            limited = set(Member.objects.filter(recently_contacted_q(council=council, now=now))
                          .values_list("pk", flat=True))
            member_ids = [pk for pk in plan.member_ids if pk in still and pk not in limited]
            if over := sum(1 for pk in plan.member_ids if pk in still and pk in limited):
                wave.left_out = {**wave.left_out, "contacted_recently": wave.left_out.get("contacted_recently", 0) + over}
            if member_ids:
                send_at = wave.send_at if wave.send_at > now else None
                wave_write(council=council, actor=wave.created_by, survey=survey, wave=wave, member_ids=member_ids,
                           inclusion=probability, send_at=send_at)
            wave.recipient_count = len(member_ids)
        plan.delete()
        wave.prepared = True
        wave.save(update_fields=["prepared", "recipient_count", "cancelled_at", "left_out"])
    return wave


def preparing(survey) -> int:
    """How many members the survey's waves still being written by the worker invite (0: none)."""
    waves = Wave.objects.filter(survey=survey, prepared=False, cancelled_at__isnull=True)
    return waves.aggregate(n=Sum("recipient_count"))["n"] or 0


def waves_resume(*, now: datetime | None = None) -> int:
    """Queue again every preparation that a killed worker left unfinished; how many."""
    from civicpanel.surveys import tasks

    before = (now or timezone.now()) - PREPARATION_LOST_AFTER
    lost = list(Wave.objects.filter(prepared=False, plan__created_at__lt=before).values_list("pk", flat=True))
    for wave_id in lost:
        tasks.wave_prepare.enqueue(wave_id)
    return len(lost)
