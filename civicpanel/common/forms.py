"""What every form that people type into shares, and the renderer that gives every form the
design system's markup."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from civicpanel.common.security import clean_submitted


class FormRenderer(TemplatesSetting):
    """Every Django form's fields render through templates/components/form_field.html and the
    widget templates in templates/django/forms/, so forms carry the design system's markup
    without a page writing it."""

    field_template_name = "components/form_field.html"


class CleanInputMixin:
    """Cleans submitted text before any field sees it: control characters that nobody types
    (NUL, escape, vertical tab, ...) are removed and line breaks normalised
    (`common.security.clean_text`). Stored text then cannot break an XLSX export, PostgreSQL
    (which refuses NUL) or a terminal, and the person sees no difference.

    Numbers need no extra care: Django's FloatField and DecimalField refuse NaN and infinities,
    IntegerField anything but digits."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(clean_submitted(data), *args, **kwargs)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Choices of rows with whole-number ids. An id no database key can hold is refused as an
    unknown choice before any query: SQLite raises OverflowError on such a number inside an
    `__in` look-up, which would otherwise answer 500 to an edited form."""

    largest_id = 2**63 - 1

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isdecimal() and len(text) <= 19 and int(text) <= self.largest_id):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)
