"""Base pieces shared by every app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkerFile(models.Model):
    """A file a staff member asked for and the task worker makes (a committee report, an Excel
    export, a batch of letters): the page follows its status until it can be downloaded, and a
    failure keeps its reason for the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RENDERING = "rendering", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    size = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    # A file still waiting or being made this long after it was asked for is taken as lost: the
    # worker stopped (killed, or restarted by a deploy) while it had it, and the queue does not
    # hand a task out again. The page then says it failed, and asking again makes a new one
    # instead of following the lost one. The largest files take a minute or two.
    STALLED_AFTER = timedelta(minutes=30)

    @classmethod
    def working_q(cls) -> Q:
        """The files the worker is still expected to finish (waiting or being made, not stalled)."""
        return Q(status__in=(cls.Status.QUEUED, cls.Status.RENDERING),
                 created_at__gt=timezone.now() - cls.STALLED_AFTER)

    @property
    def working(self) -> bool:
        return (self.status in (self.Status.QUEUED, self.Status.RENDERING)
                and self.created_at > timezone.now() - self.STALLED_AFTER)


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
