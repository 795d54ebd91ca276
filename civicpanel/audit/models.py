"""The append-only audit log of staff actions and access to personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """One staff action that changed data, or one view, search or export of personal data.

    Rows are never updated or deleted: `save` refuses an update and `delete` refuses always;
    on PostgreSQL a trigger (migration 0002) enforces the same in the database itself.
    Members are referred to by id only, so erasing a member leaves no e-mail or name here.
    """

    council = models.ForeignKey("tenancy.Council", on_delete=models.PROTECT, null=True, related_name="+")
    # No database constraint: the log must outlive a deleted account, and is never updated.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                              null=True, related_name="+")
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    member_ids = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["council", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit events cannot be deleted")
