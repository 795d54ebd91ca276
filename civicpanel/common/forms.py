"""The form renderer: every Django form's fields render through templates/components/form_field.html
and the widget templates in templates/django/forms/, so forms carry the design system's markup
without a page writing it."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    field_template_name = "components/form_field.html"
