"""Personal survey links. The token is derived from (secret key, invitation id, salt) so the
e-mail task can rebuild it at send time; the database keeps only the salt and the hash."""

from __future__ import annotations

from django.utils.translation import get_language, override

from civicpanel.common.formatting import long_date
from civicpanel.common.mail import absolute_url
from civicpanel.common.models import translated
from civicpanel.common.security import derived_token, token_hash
from civicpanel.outreach.registry import get_message_type
from civicpanel.outreach.texts import member_preview, message_language
from civicpanel.surveys.models import Invitation

TOKEN_PURPOSE = "survey-invitation"  # noqa: S105 - a label, not a secret


def invitation_token(invitation: Invitation) -> str:
    return derived_token(TOKEN_PURPOSE, invitation.pk, invitation.token_salt)


def invitation_path(invitation: Invitation) -> str:
    return f"/s/{invitation_token(invitation)}/"


def invitation_link(invitation: Invitation) -> str:
    return absolute_url(invitation.survey.council, invitation_path(invitation))


def invitation_by_token(*, council, token: str) -> Invitation | None:
    """The invitation a link belongs to, in this council only (None for an unknown link)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("survey", "member")
        .filter(token_hash=token_hash(token), survey__council=council)
        .first()
    )
    return _in_council(invitation, council)


def invitation_opened(*, council, survey_id: int, invitation_id) -> Invitation | None:
    """The invitation whose link was opened earlier in this browser (its id kept in the signed
    cookie of views_answer), in this council and for this survey only."""
    if not isinstance(invitation_id, int):
        return None
    # With its response (None before the first page is sent): a page opened needs both. By its
    # key, so get() (first() would sort by it too).
    try:
        invitation = Invitation.objects.select_related("survey", "member", "response").get(
            pk=invitation_id, survey_id=survey_id, survey__council=council, token_hash__isnull=False)
    except Invitation.DoesNotExist:
        return None
    return _in_council(invitation, council)


def _in_council(invitation: Invitation | None, council) -> Invitation | None:
    """The invitation with its survey's council set to the request's (the query checked they are
    the same), so nothing reads the council again."""
    if invitation is not None:
        invitation.survey.council = council
    return invitation


def survey_context(survey, link: str) -> dict:
    """The survey's own variables of an invitation or reminder, in the active language (the
    worker renders inside override(<the member's language>), and so does the preview)."""
    return {
        "link": link,
        "survey_title": translated(survey.title, get_language()),
        "closes_at": long_date(survey.closes_at) if survey.closes_at else "",
    }


def message_prefetch(deliveries) -> dict[int, Invitation]:
    """The outreach prefetch: the invitations of a batch of deliveries, in one query."""
    if not deliveries:
        return {}
    council_id = deliveries[0].mailing.council_id
    invitations = Invitation.objects.select_related("survey", "survey__council").in_bulk(
        [delivery.reference_id for delivery in deliveries if delivery.reference_id is not None])
    # The delivery names the invitation; the council and member must agree with it too.
    return {delivery.pk: invitation for delivery in deliveries
            if (invitation := invitations.get(delivery.reference_id)) is not None
            and invitation.member_id == delivery.member_id and invitation.survey.council_id == council_id}


def message_context(delivery) -> dict:
    """The outreach context_provider: called by the mail worker at send time for one delivery
    whose reference_id is an Invitation id. The link is rebuilt here and never stored."""
    invitation = getattr(delivery, "prefetched", None)
    if invitation is None:
        # The delivery names the invitation; the council and member must agree with it too.
        invitation = Invitation.objects.select_related("survey", "survey__council").get(
            pk=delivery.reference_id, survey__council_id=delivery.mailing.council_id, member_id=delivery.member_id)
    return survey_context(invitation.survey, invitation_link(invitation))


def invitation_preview(*, council, survey, member, message_key: str) -> dict:
    """The invitation or reminder exactly as `member` will get it, for the confirmation page.
    Only the personal link is a placeholder: it is made when the e-mail is sent, and staff
    must not hold a link that answers in a member's name."""
    message_type = get_message_type(message_key)
    placeholder = absolute_url(council, "/s/…/")
    with override(message_language(council, member.language)):
        context = survey_context(survey, placeholder)
    language, subject, body = member_preview(council, message_type, member, context)
    return {"language": language, "subject": subject, "body": body, "member": member}
