from __future__ import annotations

from django import template

from civicpanel.common import formatting
from civicpanel.common.models import translated as pick_translation

register = template.Library()


@register.filter
def translated(texts):
    """{{ question.label|translated }}: the text in the active language (with fallbacks)."""
    return pick_translation(texts)


@register.filter
def duration(minutes):
    """Minutes of staff time as "1 h 25 min" in the page's language."""
    return formatting.duration(minutes)


@register.filter
def percent(value, digits=0):
    """0.1234 -> "12 %"; with digits 1, "12,3 %" in Danish and Norwegian, "12.3 %" in English."""
    return formatting.percent(value, int(digits))


@register.filter
def percent_range(low, high):
    """{{ low|percent_range:high }}: "23–39 %" (the unit once, so the column stays narrow)."""
    return formatting.percent_range(low, high)


@register.filter
def num(value, digits=0):
    """1862 -> "1.862" (da), "1 862" (nb), "1,862" (en); {{ x|num:2 }} shows two decimals."""
    return formatting.number(value, int(digits))


@register.filter
def longdate(value):
    """A date or moment as "12. december 2026" in Danish (the page's language)."""
    return formatting.long_date(value)


@register.filter
def datetime_long(value):
    """A moment as "12. december 2026 14:05" in Danish, in the council's time zone."""
    return formatting.date_time(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
