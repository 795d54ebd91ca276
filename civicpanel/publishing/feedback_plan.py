"""What a feedback sending will do, for its confirmation page: how many get the e-mail, in
which language, the e-mail itself per language, and who is left out and why (a survey's
feedback here; an event's in event_feedback, through the same plan_for)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from civicpanel.common.models import translated
from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.registry import get_message_type
from civicpanel.outreach.sending import skip_reason
from civicpanel.outreach.texts import member_preview, message_language
from civicpanel.publishing.feedback_texts import MESSAGE_KEY, feedback_texts_in
from civicpanel.publishing.holdback import holdback_draw
from civicpanel.publishing.services import feedback_audience, feedback_texts


@dataclass
class LanguagePreview:
    language: str
    count: int
    subject: str
    body: str
    member: Member


@dataclass
class FeedbackPlan:
    invited: int
    held_back: int
    recipients: int  # will get the e-mail as things stand now
    languages: list[LanguagePreview] = field(default_factory=list)
    left_out: list[tuple[str, int]] = field(default_factory=list)  # (reason, count)


def feedback_plan(*, council, survey, holdback: bool, seed: int | None) -> FeedbackPlan:
    member_ids = feedback_audience(council=council, survey=survey)
    held = holdback_draw(member_ids, seed=seed) if holdback and seed is not None else set()
    texts = feedback_texts(council=council, survey=survey)
    invited = Member.objects.filter(council=council, survey_invitations__survey=survey).exclude(pk__in=held)
    plan = plan_for(council=council, message_key=MESSAGE_KEY, members=invited, invited=len(member_ids),
                    context=lambda language: {"survey_title": translated(survey.title, language),
                                              **feedback_texts_in(texts, language)})
    plan.held_back = len(held)
    return plan


def plan_for(*, council, message_key: str, members, invited: int, context: Callable[[str], dict]) -> FeedbackPlan:
    """Who of `members` gets the e-mail of `message_key` now (the worker's own rules), who is left
    out and why, and the e-mail per language group as its first recipient gets it."""
    message_type = get_message_type(message_key)
    reasons: Counter = Counter()
    by_language: dict[str, list[Member]] = {}
    for member in members.select_related("consent_version").order_by("pk"):
        reason = skip_reason(member, message_type)
        if reason:
            reasons[reason] += 1
            continue
        by_language.setdefault(message_language(council, member.language), []).append(member)
    labels = dict(Delivery.SkipReason.choices)
    plan = FeedbackPlan(invited=invited, held_back=0,
                        recipients=sum(len(group) for group in by_language.values()),
                        left_out=[(labels[reason], count) for reason, count in reasons.most_common()])
    for language in sorted(by_language, key=lambda code: council.language_codes.index(code)
                           if code in council.language_codes else 99):
        first = by_language[language][0]
        _language, subject, body = member_preview(council, message_type, first, context(language))
        plan.languages.append(LanguagePreview(language=language, count=len(by_language[language]),
                                              subject=subject, body=body, member=first))
    return plan
