"""Numbers, percentages and dates in the active language: one set of functions for pages
(through the template filters in common/templatetags/civicpanel.py), server-drawn charts and
exports, so that "3,1" in a table is never "3.1" in the chart beside it.

Separators and date formats come from Django's locale formats for the active language:
Danish "1.862" and "3,1", Norwegian "1 862" (no-break space) and "3,1", English "1,862" and
"3.1"; long dates "12. december 2026" (da), "12. desember 2026" (nb), "12 December 2026" (en).
"""

from __future__ import annotations

import datetime
import math

from django.utils import formats, timezone
from django.utils.translation import get_language

MISSING = "–"  # an en dash: no figure (not answered, or hidden)
# Danish and Norwegian write a space before the percent sign; a no-break one, so that "12 %"
# never breaks between the number and the sign at the end of a line.
PERCENT = "\u00a0%"


def _missing(value) -> bool:
    if value is None or value == "":
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def number(value, digits: int = 0) -> str:
    """1862 -> "1.862" (da), "1 862" (nb), "1,862" (en); digits fixes the decimals shown."""
    if _missing(value):
        return MISSING
    digits = max(0, int(digits))
    rounded = round(float(value), digits)
    if rounded == 0:
        rounded = 0.0  # never "-0"
    if digits == 0:
        rounded = int(rounded)
    return formats.number_format(rounded, decimal_pos=digits, use_l10n=True, force_grouping=True)


def percent(share, digits: int = 0) -> str:
    """A share (0.1234) as a percentage in the active language: "12 %", "12,3 %" (da, nb), "12.3 %" (en),
    with a no-break space before the sign."""
    if _missing(share):
        return MISSING
    return f"{number(float(share) * 100, digits)}{PERCENT}"


def percent_range(low, high, digits: int = 0) -> str:
    """An interval of shares: "23–39 %" (the unit written once)."""
    if _missing(low) or _missing(high):
        return MISSING
    return f"{number(float(low) * 100, digits)}–{number(float(high) * 100, digits)}{PERCENT}"


def points(value, digits: int = 0) -> str:
    """A difference in percentage points, given as points (2.5 -> "2,5" in Danish)."""
    return number(value, digits)


def duration(minutes) -> str:
    """A staff time in minutes as "1 h 25 min" ("1 t 25 min" in Danish and Norwegian)."""
    from django.utils.translation import gettext as _

    if _missing(minutes):
        return MISSING
    total = int(round(float(minutes)))
    hours, rest = divmod(total, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": number(rest)}
    return _("%(hours)s h %(minutes)s min") % {"hours": number(hours), "minutes": number(rest)}


def long_date(value) -> str:
    """A date (or a moment, in the council's time zone) as "12. december 2026" (da)."""
    if value is None:
        return MISSING
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    # Django's English DATE_FORMAT abbreviates the month ("Dec. 12, 2026"); the pages write it in full.
    return formats.date_format(value, "j F Y" if language() == "en" else "DATE_FORMAT", use_l10n=True)


def date_time(value) -> str:
    """A moment as "12. december 2026 14:05" (da), in the council's time zone."""
    if value is None:
        return MISSING
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{long_date(moment)} {moment:%H:%M}"


def language() -> str:
    """The active language code as the project uses it (da, nb or en)."""
    code = (get_language() or "da")[:2]
    return "nb" if code == "no" else code
