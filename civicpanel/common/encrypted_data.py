"""Every encrypted column of the install, read and rewritten without decrypting in SQL:
used by the key rotation command and the database check."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from civicpanel.common import crypto
from civicpanel.common.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [(model, field) for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)]


def raw_values(model, field, *, using: str = "default"):
    """The queryset annotated with the stored (encrypted) text of the field as `raw`."""
    return model._base_manager.using(using).annotate(raw=Cast(field.attname, output_field=models.TextField()))


def rows_not_under(key_ids: set[str], *, using_databases=("default",)) -> Iterator[tuple[type, object, int]]:
    """(model, field, count) of values stored in clear or under a key id not in `key_ids`."""
    from django.db import connections

    for using in using_databases:
        existing = set(connections[using].introspection.table_names())
        for model, field in encrypted_fields():
            if model._meta.db_table not in existing:
                continue  # not migrated yet (`migrate` runs this check before it creates tables)
            queryset = raw_values(model, field, using=using).exclude(raw__isnull=True).exclude(raw="")
            for key_id in key_ids:
                queryset = queryset.exclude(raw__startswith=f"{crypto.PREFIX}{key_id}:")
            count = queryset.count()
            if count:
                yield model, field, count


def _batched(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def rotate(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every value not yet under the current key, and recompute every blind index
    under the current index key. Resumable: each batch commits on its own, and a second run
    finds nothing left to do. Returns {"<model>.<field>": rows rewritten}."""
    from django.db import transaction

    from civicpanel.common.fields import BlindIndexField

    current = crypto.keyring().current_id
    done: dict[str, int] = {}
    for model, field in encrypted_fields():
        stale = (raw_values(model, field).exclude(raw__isnull=True).exclude(raw="")
                 .exclude(raw__startswith=f"{crypto.PREFIX}{current}:"))
        pks = list(stale.order_by("pk").values_list("pk", flat=True))
        for chunk in _batched(pks, batch_size):
            with transaction.atomic():
                rows = list(model._base_manager.filter(pk__in=chunk).only("pk", field.attname))
                model._base_manager.bulk_update(rows, [field.attname])  # encrypts under the current key
        done[f"{model._meta.label}.{field.name}"] = len(pks)
    for model in apps.get_models():
        indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
        for index in indexes:
            source = model._meta.get_field(index.source)
            # A row left without an index on purpose (a case-only duplicate address, see the
            # members migration 0003) stays without one.
            rows_qs = model._base_manager.exclude(**{f"{index.attname}__isnull": True}).order_by("pk")
            pks = list(rows_qs.values_list("pk", flat=True))
            changed = 0
            for chunk in _batched(pks, batch_size):
                with transaction.atomic():
                    rows = list(model._base_manager.filter(pk__in=chunk).only("pk", source.attname, index.attname))
                    stale_rows = []
                    for row in rows:
                        value = crypto.blind_index(getattr(row, source.attname))
                        if value != getattr(row, index.attname):
                            setattr(row, index.attname, value)
                            stale_rows.append(row)
                    if stale_rows:
                        model._base_manager.bulk_update(stale_rows, [index.attname])
                    changed += len(stale_rows)
            done[f"{model._meta.label}.{index.name}"] = changed
    return done
