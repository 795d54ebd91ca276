"""Writes of publishing: making a survey's results public, withdrawing them, and sending the
"you said, we did" feedback to everyone who was invited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from civicpanel.audit.services import audit_record
from civicpanel.common.mail import absolute_url
from civicpanel.outreach.registry import LANGUAGES
from civicpanel.outreach.services import mailing_create
from civicpanel.publishing.feedback_texts import MESSAGE_KEY
from civicpanel.publishing.holdback import holdback_draw, new_seed
from civicpanel.publishing.models import Feedback, FeedbackMember, Publication
from civicpanel.publishing.results import public_results, summary_lines
from civicpanel.surveys.models import Invitation, Survey
from civicpanel.surveys.purpose import survey_purpose


def publishable_problem(survey: Survey) -> str:
    """Why the survey's results cannot be made public now ('' if they can)."""
    if survey.status == Survey.Status.DRAFT:
        return _("The survey has not been sent yet.")
    if survey.status == Survey.Status.OPEN:
        return _("The survey still takes answers: close it first, so the public figures do not change.")
    return ""


def publication_publish(*, council, actor, survey: Survey, request=None) -> Publication:
    """Make the survey's results public on the panel site (again, if they were withdrawn)."""
    problem = publishable_problem(survey)
    if problem:
        raise ValidationError(problem)
    with transaction.atomic():
        publication, _created = Publication.objects.select_for_update().get_or_create(
            survey=survey, defaults={"council": council})
        if publication.council_id != council.pk:
            raise ValidationError(_("This survey belongs to another council."))
        if publication.is_public:
            return publication
        publication.published_at = timezone.now()
        publication.published_by = actor if getattr(actor, "pk", None) else None
        publication.withdrawn_at = None
        publication.save(update_fields=["published_at", "published_by", "withdrawn_at"])
        audit_record(council=council, actor=actor, action="survey.results_publish", target=survey,
                     detail={"survey": survey.pk}, request=request)
    return publication


def publication_breakdowns_set(*, council, actor, survey: Survey, keys: list[str], request=None) -> Publication:
    """Choose the profile questions (at most two) the public shares are broken down by; on a
    public page the change shows at once."""
    from civicpanel.publishing.breakdowns import MAX_BREAKDOWNS, breakdown_choices

    allowed = {question.key for question in breakdown_choices(council=council)}
    keys = list(dict.fromkeys(keys))
    if len(keys) > MAX_BREAKDOWNS:
        raise ValidationError(_("Choose at most two breakdowns."))
    if any(key not in allowed for key in keys):
        raise ValidationError(_("Choose among the profile questions listed."))
    with transaction.atomic():
        publication, _created = Publication.objects.select_for_update().get_or_create(
            survey=survey, council=council)
        if publication.breakdowns != keys:
            publication.breakdowns = keys
            publication.save(update_fields=["breakdowns"])
            audit_record(council=council, actor=actor, action="survey.results_breakdowns", target=survey,
                         detail={"survey": survey.pk, "breakdowns": keys}, request=request)
    return publication


def publication_withdraw(*, council, actor, survey: Survey, request=None) -> Publication | None:
    """Take the survey's results off the panel site. The page answers 404 from now on."""
    with transaction.atomic():
        publication = (Publication.objects.select_for_update()
                       .filter(survey=survey, council=council).first())
        if publication is None or not publication.is_public:
            return publication
        publication.withdrawn_at = timezone.now()
        publication.save(update_fields=["withdrawn_at"])
        audit_record(council=council, actor=actor, action="survey.results_withdraw", target=survey,
                     detail={"survey": survey.pk}, request=request)
    return publication


def feedback_texts(*, council, survey: Survey) -> dict[str, dict[str, str]]:
    """Per council language: the summary of the public figures, the decision and the link to
    the public page, as the e-mail will carry them."""
    results = public_results(council=council, survey=survey)
    path = reverse("publishing:survey", args=[survey.pk])
    texts = {}
    for language in [code for code in council.language_codes if code in LANGUAGES] or [council.default_language]:
        with override(language):
            purpose = survey_purpose(survey, language)
            lines = summary_lines(results)
            texts[language] = {"summary": "\n".join(f"- {line}" for line in lines),
                               "decision": purpose.decision, "outcome": purpose.outcome,
                               "results_url": absolute_url(council, path)}
    return texts


def feedback_audience(*, council, survey: Survey) -> list[int]:
    """Everyone invited to the survey (answered or not), as member ids."""
    return list(Invitation.objects.filter(survey=survey, survey__council=council)
                .order_by("member_id").values_list("member_id", flat=True))


def feedback_send(*, council, actor, survey: Survey, holdback: bool, confirmation: str, seed: int | None = None,
                  request=None) -> Feedback:
    """Send the feedback once: one e-mail to every invited member, except (when asked) a random
    tenth held back to measure the effect; through the outreach worker (preferences, unsubscribes
    and bounces are checked there, at send time). A second call finds the first sending."""
    publication = Publication.objects.filter(survey=survey, council=council).first()
    if publication is None or not publication.is_public:
        raise ValidationError(_("Publish the results first: the e-mail links to the public page."))
    existing = Feedback.objects.filter(survey=survey, council=council).first()
    if existing is not None:
        return existing
    member_ids = feedback_audience(council=council, survey=survey)
    if not member_ids:
        raise ValidationError(_("Nobody was invited to this survey."))
    seed = (seed if seed is not None else new_seed()) if holdback else None
    held = holdback_draw(member_ids, seed=seed) if holdback else set()
    texts = feedback_texts(council=council, survey=survey)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                council=council, survey=survey, holdback=holdback, holdback_seed=seed, texts=texts,
                invited_count=len(member_ids), held_back_count=len(held), confirmation=confirmation,
                created_by=actor if getattr(actor, "pk", None) else None)
            FeedbackMember.objects.bulk_create(
                [FeedbackMember(feedback=feedback, member_id=pk, held_back=pk in held) for pk in member_ids],
                batch_size=500)
            recipients = [pk for pk in member_ids if pk not in held]
            feedback.mailing = mailing_create(
                council=council, actor=actor, message_type=MESSAGE_KEY, member_ids=recipients,
                reference=f"survey:{survey.pk}:feedback", reference_ids=dict.fromkeys(recipients, feedback.pk))
            feedback.save(update_fields=["mailing"])
            audit_record(council=council, actor=actor, action="survey.feedback_send", target=survey,
                         detail={"invited": len(member_ids), "held_back": len(held), "seed": seed,
                                 "mailing": feedback.mailing.pk}, request=request)
    except IntegrityError:
        # The same confirmation (or survey) a moment ago in another request: that one sent it.
        return Feedback.objects.get(survey=survey, council=council)
    return feedback
