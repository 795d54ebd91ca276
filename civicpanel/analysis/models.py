"""Committee reports: one PDF of a survey's results in one language, made by the task worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import WorkerFile


class SurveyReport(WorkerFile):
    """One requested report. The worker fills `pdf` and moves `progress` from 0 to 100 through
    the steps in `step` (the page shows them); a failure keeps its reason for the page."""

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="reports")
    language = models.CharField(_("language"), max_length=5)
    # Profile question keys to break the results down by, in the order chosen.
    breakdowns = models.JSONField(default=list, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=40, blank=True)
    error = models.CharField(max_length=300, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"report #{self.pk}"
