"""E-mail about funded projects: when a project's status changes, the people of its vote and
the authors of its ideas hear about it (unless they said no to news from the panel). Residents
who took part without panel membership hear about it if they asked to when they joined: one
ResidentNotice row each, sent by a task (outreach mails only members).

The ballot box keeps no link between a voter and the projects they chose, so "its voters" are
the members who voted in the project's pot (its district, or the city-wide vote). The mail goes
through outreach's worker (delivery state, unsubscribe, bounces).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language

from civicpanel.budgeting.models import Idea, ProjectUpdate, Resident, ResidentNotice, VoterRecord
from civicpanel.common.mail import absolute_url, deliver
from civicpanel.common.models import translated
from civicpanel.outreach.services import mailing_create

MESSAGE_TYPE = "pb_project_update"


def recipients(update: ProjectUpdate) -> list[int]:
    project = update.project
    records = VoterRecord.objects.filter(round=project.round, member__isnull=False)
    if project.district_id is None:
        records = records.filter(pot="city")
    else:
        records = records.filter(Q(pot="district") & Q(district=project.district_id))
    ids = set(records.values_list("member_id", flat=True))
    ids |= set(Idea.objects.filter(projects=project, author_member__isnull=False)
               .values_list("author_member_id", flat=True))
    return sorted(ids)


def resident_recipients(update: ProjectUpdate) -> list[int]:
    """Residents (not members) of the project's vote or authors of its ideas who asked for news."""
    project = update.project
    records = VoterRecord.objects.filter(round=project.round, resident__isnull=False)
    if project.district_id is None:
        records = records.filter(pot="city")
    else:
        records = records.filter(Q(pot="district") & Q(district=project.district_id))
    ids = set(records.values_list("resident_id", flat=True))
    ids |= set(Idea.objects.filter(projects=project, author_resident__isnull=False)
               .values_list("author_resident_id", flat=True))
    return sorted(Resident.objects.filter(pk__in=ids, council=project.council_id, wants_updates=True,
                                          confirmed_at__isnull=False, email__isnull=False)
                  .values_list("pk", flat=True))


def notify_project_update(*, council, update_id: int) -> None:
    update = ProjectUpdate.objects.select_related("project__round").get(pk=update_id, project__council=council)
    resident_ids = resident_recipients(update)
    if resident_ids:
        ResidentNotice.objects.bulk_create([ResidentNotice(update=update, resident_id=pk) for pk in resident_ids],
                                           ignore_conflicts=True)
        resident_notices_send.enqueue(update.pk)
    member_ids = recipients(update)
    if not member_ids:
        return
    mailing_create(council=council, actor=None, message_type=MESSAGE_TYPE, member_ids=member_ids,
                   reference=f"pb-project:{update.project_id}",
                   reference_ids=dict.fromkeys(member_ids, update.pk))


def message_context(delivery) -> dict:
    """outreach's context provider: the update named by the delivery, in the member's language."""
    update = ProjectUpdate.objects.select_related("project__round__council").get(
        pk=delivery.reference_id, project__council_id=delivery.mailing.council_id)
    project = update.project
    language = get_language()
    return {
        "project_title": translated(project.title, language),
        "status": str(project.Status(update.status).label),
        "update_text": translated(update.text, language),
        "link": absolute_url(project.round.council, reverse("budgeting:built") + f"#project-{project.pk}"),
    }


@task(queue_name="mail")
def resident_notices_send(update_id: int) -> int:
    """Send the update's unsent resident notices, each in its own transaction (a crash resends at
    most the one being sent). Returns how many were sent."""
    sent = 0
    for notice_id in ResidentNotice.objects.filter(update_id=update_id, sent_at__isnull=True).values_list(
            "pk", flat=True):
        with transaction.atomic():
            notice = (ResidentNotice.objects.select_for_update()
                      .select_related("resident__council", "update__project__round").filter(pk=notice_id).first())
            if notice is None or notice.sent_at is not None:
                continue
            resident = notice.resident
            if resident.email and resident.wants_updates and resident.confirmed_at:
                _send_resident_notice(notice)
                sent += 1
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
    return sent


def _send_resident_notice(notice: ResidentNotice) -> None:
    resident, update = notice.resident, notice.update
    project, council = update.project, resident.council
    language = resident.language if resident.language in council.language_codes else council.default_language
    with translation.override(language):
        context = {
            "council": council, "round": project.round, "project_title": translated(project.title, language),
            "status": str(project.Status(update.status).label), "update_text": translated(update.text, language),
            "link": absolute_url(council, reverse("budgeting:built") + f"#project-{project.pk}"),
            "access_link": absolute_url(council, reverse("budgeting:resident_access", args=[project.round_id])),
        }
        subject = " ".join(render_to_string("budgeting/email/update_subject.txt", context).split())
        body = render_to_string("budgeting/email/update.txt", context)
    deliver(council=council, to=resident.email, subject=subject, body=body)
