from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import render


def _council_or_404(request):
    if request.council is None:
        raise Http404
    return request.council


def home(request):
    council = _council_or_404(request)
    return render(request, "common/home.html", {"council": council})


def privacy(request):
    council = _council_or_404(request)
    return render(request, "common/privacy.html", {"council": council})


def accessibility(request):
    council = _council_or_404(request)
    return render(request, "common/accessibility.html", {"council": council})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")

