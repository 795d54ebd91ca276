"""A survey's purpose and what came of it.

Before a survey is sent, staff write why it is asked, for which committee or case, and how the
answers will be used; later, what was decided and what was done, each with its date. Every text
is a {"da": ..., "nb": ..., "en": ...} dict like the survey's other texts. The rule (what must be
written before sending) and the reading (the texts in one language) live here, so the send page,
the committee report, the public results page and the feedback e-mail all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated

# Written before the first invitation goes out (wave_send refuses without them).
REQUIRED_BEFORE_SENDING = ("purpose", "committee", "answers_use")
TEXT_FIELDS = ("purpose", "committee", "answers_use", "decision", "outcome")
DATE_FIELDS = ("decision_date", "outcome_date")

LABELS = {
    "purpose": _("Why the survey is asked"),
    "committee": _("For which committee or case"),
    "answers_use": _("How the answers will be used"),
    "decision": _("What was decided"),
    "decision_date": _("Date of the decision"),
    "outcome": _("What was done"),
    "outcome_date": _("Date it was done"),
}


def _written(texts: dict | None) -> bool:
    return any((text or "").strip() for text in (texts or {}).values())


def purpose_missing(survey) -> list[str]:
    """The fields still to be written before the survey can be sent (empty when it can)."""
    return [name for name in REQUIRED_BEFORE_SENDING if not _written(getattr(survey, name))]


@dataclass(frozen=True)
class SurveyPurpose:
    """The purpose and outcome of one survey in one language (falling back like every
    translated text: the asked language, then English, then any written)."""

    purpose: str
    committee: str
    answers_use: str
    decision: str
    decision_date: date | None
    outcome: str
    outcome_date: date | None

    @property
    def ready(self) -> bool:
        """Purpose, committee and use are written: the survey may be sent."""
        return bool(self.purpose and self.committee and self.answers_use)

    @property
    def decided(self) -> bool:
        return bool(self.decision)

    @property
    def done(self) -> bool:
        return bool(self.outcome)


def survey_purpose(survey, language: str | None = None) -> SurveyPurpose:
    """The texts in `language` (default: the active language)."""
    return SurveyPurpose(
        purpose=translated(survey.purpose, language),
        committee=translated(survey.committee, language),
        answers_use=translated(survey.answers_use, language),
        decision=translated(survey.decision, language),
        decision_date=survey.decision_date,
        outcome=translated(survey.outcome, language),
        outcome_date=survey.outcome_date,
    )
