from __future__ import annotations

from django import template

from civicpanel.common.models import translated as pick_translation

register = template.Library()


@register.filter
def translated(texts):
    """{{ question.label|translated }}: the text in the active language (with fallbacks)."""
    return pick_translation(texts)


@register.filter
def percent(value, digits=0):
    """0.1234 -> "12 %" (Danish and Norwegian style puts a space before %)."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
