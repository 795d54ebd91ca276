"""Why a survey was asked and what came of it, in the active language, for the public page,
the feed and the feedback e-mail. The texts themselves are the survey's own (surveys.Survey)."""

from __future__ import annotations

from dataclasses import dataclass

from civicpanel.common.models import translated


@dataclass
class Story:
    purpose: str = ""
    decision: str = ""


def survey_story(survey, language: str | None = None) -> Story:
    return Story(purpose=translated(getattr(survey, "purpose", None) or {}, language),
                 decision=translated(getattr(survey, "decision", None) or {}, language))
