"""What every form that people type into shares, and the renderer that gives every form the
design system's markup."""

from __future__ import annotations

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
