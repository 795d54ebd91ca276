from __future__ import annotations

from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.analysis.charts import sparkline
from civicpanel.analysis.selectors import TREND_WEEKS, staff_overview
from civicpanel.surveys.effort import council_effort_average


def _trend(values: list[int], text: str) -> dict:
    return {"svg": mark_safe(sparkline(values, label=text)), "text": text}  # noqa: S308 - the label is escaped in sparkline


@staff_view()
def staff_home(request):
    overview = staff_overview(council=request.council)
    active, signups = overview["active_trend"], overview["signup_trend"]
    change = active[-1] - active[0]
    active_text = ngettext("%(sign)s%(n)s member in %(weeks)s weeks", "%(sign)s%(n)s members in %(weeks)s weeks",
                           abs(change)) % {"sign": "+" if change >= 0 else "−", "n": number_format(abs(change)),
                                           "weeks": TREND_WEEKS}
    signup_text = ngettext("%(n)s sign-up in the last week", "%(n)s sign-ups in the last week", signups[-1]) % {
        "n": number_format(signups[-1])}
    return render(request, "staff/home.html", {
        "overview": overview,
        "active_trend": _trend(active, active_text),
        "signup_trend": _trend(signups, signup_text),
        "can_build": can(request.membership, Capability.SURVEYS),
        "trend_note": _("Lines: the last %(weeks)s weeks.") % {"weeks": TREND_WEEKS},
        "effort": council_effort_average(council=request.council),
    })
