"""Published survey results and the "you said, we did" feedback to the members who were asked.

A Publication makes one survey's results public on the council's panel site (until withdrawn).
A Feedback is the one sending of the results to everyone invited to the survey; its
FeedbackMember rows say, for each invited member, whether they were held back at random (the
comparison group that measures whether feedback makes members answer the next survey).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    survey = models.OneToOneField("surveys.Survey", on_delete=models.CASCADE, related_name="publication")
    # The last time the results were made public (again); None before the first time.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # Profile question keys (at most two) the public shares are broken down by (breakdowns.py).
    breakdowns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"publication of survey #{self.survey_id}"

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.withdrawn_at is None


class Feedback(models.Model):
    """The feedback e-mail of one survey (sent once, to the invited, minus a held-back tenth) or
    of one event (sent once, to those who took part)."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    survey = models.OneToOneField("surveys.Survey", on_delete=models.CASCADE, related_name="feedback",
                                  null=True, blank=True)
    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="feedback",
                                 null=True, blank=True)
    mailing = models.ForeignKey("outreach.Mailing", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    holdback = models.BooleanField(_("hold back a random tenth"), default=False)
    # The hold-back draw: repeatable from the seed and the sorted member ids (holdback.py).
    holdback_seed = models.BigIntegerField(null=True, blank=True)
    # Per language, the summary, the decision and the results link exactly as confirmed:
    # {"da": {"summary": ..., "decision": ..., "results_url": ...}, ...}; the worker sends these.
    texts = models.JSONField(default=dict, blank=True)
    invited_count = models.PositiveIntegerField(default=0)
    held_back_count = models.PositiveIntegerField(default=0)
    # The one-time key of the confirmation page: a second click finds this row, sends nothing.
    confirmation = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(survey__isnull=False, event__isnull=True)
                | models.Q(survey__isnull=True, event__isnull=False),
                name="feedback_on_a_survey_or_an_event"),
        ]

    def __str__(self) -> str:
        return f"feedback on survey #{self.survey_id}" if self.survey_id else f"feedback on event #{self.event_id}"

    @property
    def subject_name(self) -> str:
        """The survey's or the event's name."""
        return self.survey.name if self.survey_id else self.event.name


class FeedbackMember(models.Model):
    """One invited member of a feedback sending, and whether the draw held them back."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    held_back = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "member"], name="feedback_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id}/{self.member_id}"
