"""Model fields for personal data that is encrypted at rest (see common.crypto).

    class Guest(BlindIndexMixin, models.Model):
        email = EncryptedTextField(null=True, blank=True)
        email_hash = BlindIndexField(source="email")      # only if you must look it up
        name = EncryptedTextField(blank=True)

In Python the field reads and writes plain strings (`guest.email == "a@b.dk"`); the database
holds only ciphertext. SQL cannot compare ciphertexts, so the only lookups allowed on an
encrypted field are `isnull` and equality with the empty string; anything else raises at once
instead of silently finding nothing. Look values up through the blind index instead
(`.filter(email_hash=blind_index(value))`, wrapped for members as `Member.objects.by_email`).

BlindIndexMixin keeps the index in step on `save()`, also with `update_fields`. A queryset
`.update()` or `bulk_update()` of the source field does not: set the index field with it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.lookups import Exact, IsNull

from civicpanel.common import crypto


class EncryptedValueLookupError(ValueError):
    pass


class _EmptyOnlyExact(Exact):
    """`field=""` / `field=None` work (they need no decryption); any other value raises."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise EncryptedValueLookupError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: it cannot be compared "
                "in SQL. Look it up through its blind index (for members: Member.objects.by_email).")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text stored with AES-256-GCM; None and "" are stored as they are."""

    description = "Text encrypted at rest (AES-256-GCM)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if crypto.is_encrypted(value):
            return crypto.decrypt(value)
        # A value written before the field was encrypted (only until the data migration or
        # `rotate_data_keys` has run over it): read as it is, encrypted on the next save.
        return value

    def to_python(self, value):
        if isinstance(value, str) and crypto.is_encrypted(value):
            return crypto.decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        return None

    def get_transform(self, name):
        return None


class BlindIndexField(models.CharField):
    """HMAC-SHA256 of another field's normalised value, recomputed whenever the row is saved."""

    description = "Blind index (HMAC-SHA256) of an encrypted field"

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class BlindIndexMixin:
    """Saves a blind index with its source field when `save(update_fields=[...])` names only the source."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {field.name for field in self._meta.concrete_fields
                     if isinstance(field, BlindIndexField) and field.source in update_fields}
            if extra:
                kwargs["update_fields"] = {*update_fields, *extra}
        return super().save(*args, **kwargs)
