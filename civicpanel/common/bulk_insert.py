"""Inserting many new rows whose values depend on their own id (a personal link's hash is made
from the invitation's id), in one pass.

`bulk_create` followed by reading the rows back and a `bulk_update` of the hashes costs three
passes, and Django's bulk update writes a CASE with a branch per row: for a wave of 86,000
invitations that was 48 s of a staff member's request. On PostgreSQL the ids are taken from the
table's sequence first, each row is completed with them, and the rows go in with one COPY.
Other databases (SQLite in development and tests) insert, then complete and update the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connections, models, router
from django.db.models import Model


def bulk_insert[M: Model](objs: Sequence[M], complete: Callable[[M], None] | None = None,
                          fields: Sequence[str] = ()) -> None:
    """Insert the new `objs` (all of one model, no pk yet). `complete(obj)`, when given, sets the
    `fields` that depend on obj.pk once it is known. Afterwards every obj has its pk and those
    fields. Also the fastest way in for many rows that need no completion."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=500)  # the pks come back on SQLite too
        if complete is not None:
            for obj in objs:
                complete(obj)
            model.objects.bulk_update(objs, list(fields), batch_size=500)
        return
    meta = model._meta
    columns = list(meta.concrete_fields)
    plain = [_plain(field) for field in columns]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            if complete is not None:
                complete(obj)
        names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN") as copy:
            for obj in objs:
                # pre_save: what bulk_create would store (auto_now values included).
                copy.write_row([_value(obj, field, connection) if not is_plain else obj.__dict__[field.attname]
                                for field, is_plain in zip(columns, plain, strict=True)])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


# Field classes whose stored value is the attribute as it is (psycopg adapts it): Django's
# preparation of every value, three method calls each, was a quarter of writing a large wave.
# Exact classes only: a subclass may prepare its values (an encrypted text, say).
_PLAIN_FIELDS = (models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField,
                 models.SmallIntegerField, models.PositiveIntegerField, models.PositiveBigIntegerField,
                 models.PositiveSmallIntegerField, models.CharField, models.TextField, models.BooleanField,
                 models.FloatField, models.ForeignKey)


def _plain(field) -> bool:
    if type(field) not in _PLAIN_FIELDS or field.has_db_default():
        return False
    return not isinstance(field, models.ForeignKey) or _plain(field.target_field)


def _value(obj, field, connection):
    value = field.pre_save(obj, True)
    if type(field) is models.DateTimeField and (value is None or value.tzinfo is not None):
        return value  # an aware moment (or none) is stored as it is; a naive one goes through Django
    return field.get_db_prep_save(value, connection)
