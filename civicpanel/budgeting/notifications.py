"""E-mail about funded projects: when a project's status changes, the people of its vote and
the authors of its ideas hear about it (unless they said no to news from the panel).

The ballot box keeps no link between a voter and the projects they chose, so "its voters" are
the members who voted in the project's pot (its district, or the city-wide vote). The mail goes
through outreach's worker (delivery state, unsubscribe, bounces).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language

from civicpanel.budgeting.models import Idea, ProjectUpdate, VoterRecord
from civicpanel.common.mail import absolute_url
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


def notify_project_update(*, council, update_id: int) -> None:
    update = ProjectUpdate.objects.select_related("project__round").get(pk=update_id, project__council=council)
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
