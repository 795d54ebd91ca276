from __future__ import annotations

from django.shortcuts import render

from civicpanel.accounts.decorators import staff_view
from civicpanel.analysis.selectors import staff_overview


@staff_view()
def staff_home(request):
    return render(request, "staff/home.html", {"overview": staff_overview(council=request.council)})
