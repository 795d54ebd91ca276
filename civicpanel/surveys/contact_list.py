"""Who to call, or where each questionnaire goes, for one paper or phone sending.

Staff making the calls of a phone sending need each member's name, number and personal code
(read out or typed in with the answers) and whether the member has answered already; staff
posting a paper sending need each member's postal address. Members without the contact the
sending needs are listed too, marked as such, so nobody is silently left out. The list holds
personal data: every look at it (page or PDF) is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.surveys.models import Invitation, PaperEntry, Response, Survey, Wave
from civicpanel.surveys.paper_codes import paper_code

ANSWERED, WAITING, FIRST_ENTRY, DIFFER = "answered", "waiting", "first", "differ"


@dataclass
class ContactRow:
    invitation_id: int
    member_id: int
    name: str
    contact_lines: list[str]  # the phone number, or the postal address line by line; empty: none
    code: str
    status: str
    status_text: str


@dataclass
class ContactList:
    wave: Wave
    by_phone: bool
    rows: list[ContactRow] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for row in self.rows if not row.contact_lines)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.status == ANSWERED)

    @property
    def to_reach(self) -> int:
        return len(self.rows) - self.answered


def _status(invitation: Invitation, mode: str | None, entries: int) -> tuple[str, str]:
    if invitation.completed_at:
        modes = dict(Response.Mode.choices)
        return ANSWERED, (_("Answered (%(mode)s)") % {"mode": str(modes[mode]).lower()} if mode in modes
                          else _("Answered"))
    if entries >= 2:
        return DIFFER, _("Typed in twice, the entries differ")
    if entries == 1:
        return FIRST_ENTRY, _("Typed in once, waiting for the second entry")
    return WAITING, _("Not answered yet")


def wave_contact_list(*, council, survey: Survey, wave: Wave, actor, fmt: str, request=None) -> ContactList:
    """The sending's members with their contact, code and status: those still to reach first,
    then those who have answered, each group in the order they were invited. Audited."""
    assert survey.council_id == council.pk and wave.survey_id == survey.pk and wave.channel != Wave.Channel.EMAIL
    invitations = list(Invitation.objects.filter(wave=wave).select_related("member").order_by("pk"))
    modes = dict(Response.objects.filter(invitation__in=invitations).values_list("invitation_id", "mode"))
    entries: dict[int, int] = {}
    for invitation_id in PaperEntry.objects.filter(invitation__in=invitations).values_list("invitation_id", flat=True):
        entries[invitation_id] = entries.get(invitation_id, 0) + 1
    by_phone = wave.channel == Wave.Channel.PHONE
    result = ContactList(wave=wave, by_phone=by_phone)
    for invitation in invitations:
        member = invitation.member
        contact = member.phone if by_phone else member.postal_address
        status, text = _status(invitation, modes.get(invitation.pk), entries.get(invitation.pk, 0))
        result.rows.append(ContactRow(
            invitation_id=invitation.pk, member_id=member.pk, name=member.name or f"#{member.pk}",
            contact_lines=[line for line in (contact or "").splitlines() if line.strip()],
            code=paper_code(invitation), status=status, status_text=text))
    result.rows.sort(key=lambda row: row.status == ANSWERED)  # stable: invitation order within each group
    audit_record(council=council, actor=actor, action="survey.contact_list", target=survey,
                 member_ids=[row.member_id for row in result.rows], detail={"wave": wave.pk, "format": fmt},
                 request=request)
    return result
