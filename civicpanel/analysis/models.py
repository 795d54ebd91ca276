"""Committee reports: one PDF of a survey's results in one language, made by the task worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyReport(models.Model):
    """One requested report. The worker fills `pdf` and moves `progress` from 0 to 100 through
    the steps in `step` (the page shows them); a failure keeps its reason for the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RENDERING = "rendering", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="reports")
    language = models.CharField(_("language"), max_length=5)
    # Profile question keys to break the results down by, in the order chosen.
    breakdowns = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=40, blank=True)
    error = models.CharField(max_length=300, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"report #{self.pk}"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)
