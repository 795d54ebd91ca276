"""A newsletter: subject and text per language, to the whole panel or a segment or filter.

Sending makes one outreach mailing (one delivery per member, sent by the worker); the text that
goes out is copied into the mailing when staff confirm, so what they confirmed is what members
get even if the newsletter were changed afterwards (it cannot be: a sent newsletter is kept
as it went out).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated


class Newsletter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        STOPPED = "stopped", _("Stopped")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="newsletters")
    subject = models.JSONField(_("subject"), default=dict)  # language -> text
    body = models.JSONField(_("text"), default=dict)  # language -> text in the newsletter formatting
    segment = models.ForeignKey("members.Segment", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    # The member filter (profile question key -> option codes), copied from the segment if one is chosen.
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # Set when staff confirm the sending; the wave itself lives in outreach.
    mailing = models.OneToOneField("outreach.Mailing", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="newsletter")
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    recipient_count = models.PositiveIntegerField(default=0)
    left_out = models.JSONField(default=dict, blank=True)  # reason -> count, at confirmation
    # The confirmation page's one-time key: a second click or a replayed form sends nothing.
    confirmation = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["council", "confirmed_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self.subject) or str(_("(no subject)"))

    def status(self, mailing_status=None) -> str:
        """Where the newsletter stands; `mailing_status` (outreach's counts) tells sending from sent."""
        if self.mailing_id is None:
            return self.Status.DRAFT
        if self.mailing.cancelled_at is not None:
            return self.Status.STOPPED
        if self.send_at is not None and self.send_at > timezone.now():
            return self.Status.SCHEDULED
        if mailing_status is not None and mailing_status.done:
            return self.Status.SENT
        return self.Status.SENDING
