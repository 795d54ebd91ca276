"""System checks for the keys of personal data at rest (common.crypto).

`civicpanel check` validates the key configuration; `civicpanel check --database default`
also confirms that every encrypted value in the database is under a configured key (after a
restore, or before dropping an old key from CIVICPANEL_DATA_KEYS).
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def check_data_keys(app_configs=None, **kwargs):
    from civicpanel.common import crypto

    try:
        crypto.keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="civicpanel.E101")]
    return []


@checks.register(checks.Tags.database)
def check_encrypted_values_readable(app_configs=None, databases=None, **kwargs):
    from civicpanel.common import crypto
    from civicpanel.common.encrypted_data import rows_not_under

    if not databases:
        return []
    try:
        ring = crypto.keyring()
    except ImproperlyConfigured:
        return []  # reported by check_data_keys
    errors = []
    for model, field, count in rows_not_under(set(ring.keys), using_databases=databases):
        errors.append(checks.Error(
            f"{count} value(s) of {model._meta.label}.{field.name} are stored in clear or under a key "
            "that is not in CIVICPANEL_DATA_KEYS", id="civicpanel.E102",
            hint="Add the key they were encrypted with, then run `civicpanel rotate_data_keys` "
                 "(docs/operations.md, 'Keys for personal data')."))
    return errors
