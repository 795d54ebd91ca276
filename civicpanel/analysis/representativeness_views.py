"""The representativeness dashboard: aggregated, so analysts may see it too."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.analysis.representativeness import COUNT_TTL, representativeness_counted


@staff_view(Capability.RESULTS)
@require_GET
def representativeness_view(request):
    return render(request, "analysis/representativeness.html",
                  {"report": representativeness_counted(council=request.council), "recount_minutes": COUNT_TTL // 60})
