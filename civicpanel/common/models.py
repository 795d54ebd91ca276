"""Base pieces shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def translated(texts: dict | None, language: str | None = None) -> str:
    """Pick the text for the active language from a {"da": ..., "nb": ..., "en": ...} dict.

    Falls back to English, then to any language that has a text, so a council that has not
    translated a label yet still shows something rather than an empty field.
    """
    if not texts:
        return ""
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    if language == "no":
        language = "nb"
    for code in (language, "en", "da", "nb"):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")
