"""Mailings (waves of e-mail), their per-member deliveries, and the councils' own message texts.

Nothing here holds an e-mail address or a rendered body: the address is read from the member
at send time and the body (with its personal links) is rebuilt inside the worker, so erasing
a member leaves no address and no working link behind in this app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mailing(models.Model):
    """One wave: one message type sent to a set of members, now or at `send_at`."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="mailings")
    message_type = models.CharField(_("message type"), max_length=60)
    # The caller's handle on the wave (e.g. "survey:12:invite"), so it can find its mailings again.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    # Non-personal values shared by every e-mail of the wave (e.g. the survey title).
    extra_context = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["council", "reference"])]

    def __str__(self) -> str:
        return f"{self.message_type} #{self.pk}"

    @property
    def type_label(self) -> str:
        from civicpanel.outreach.registry import label_for

        return label_for(self.message_type)


class Delivery(models.Model):
    """One member's e-mail in a wave, and where it stands.

    queued -> sending -> sent; sending is committed before the SMTP conversation starts, so a
    worker killed mid-send leaves the row in `sending` and it is sent again (at-least-once).
    A temporary failure goes back to queued with `next_attempt_at`; a permanent one ends in failed.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class SkipReason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from this kind of e-mail")
        BOUNCED = "bounced", _("E-mail address bounced")
        LEFT = "left", _("Left the panel")
        PAUSED = "paused", _("Membership paused")
        PENDING = "pending", _("Sign-up not confirmed")
        NO_CONSENT = "no_consent", _("Consent given does not cover this kind of e-mail")

    OPEN_STATES = (State.QUEUED, State.SENDING)

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="deliveries")
    reference_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The language group the e-mail belongs to: the member's e-mail language when the wave was
    # made, then the language it was actually written in when it went out ("" in waves made
    # before this was kept: read from the member then).
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    skip_reason = models.CharField(_("reason skipped"), max_length=20, choices=SkipReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on the row: other workers leave it alone until the lease runs out.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The unsubscribe link is rebuilt from (secret key, id, salt); only its hash is kept.
    unsubscribe_salt = models.CharField(max_length=32, blank=True)
    unsubscribe_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["mailing", "member"], name="delivery_one_per_member"),
        ]
        indexes = [models.Index(fields=["mailing", "state"])]

    def __str__(self) -> str:
        return f"{self.mailing_id}/{self.member_id}: {self.state}"


class MessageTemplate(models.Model):
    """A council's own subject and body for one message type in one language.

    Absent means the default registered by the app that owns the message type is used.
    """

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="message_templates")
    key = models.CharField(_("message type"), max_length=60)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["council", "key", "language"], name="message_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"
