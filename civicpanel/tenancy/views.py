"""The council's brand as files the pages link to: a small stylesheet with its colours (so no
page needs an inline style) and its logo. Both addresses carry the brand version, so a browser
may keep them for a year and a change shows at once."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from civicpanel.tenancy.brand import palette

YEAR = 365 * 24 * 3600


def _council(request):
    council = getattr(request, "council", None)
    if council is None:
        raise Http404
    return council


def _cached(response: HttpResponse, version: int, council) -> HttpResponse:
    if version == council.brand_version:
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # an old address: answer with today's brand, but do not let it be kept
        response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def brand_css(request, version: int):
    council = _council(request)
    colours = palette(council.brand_colour)
    css = (
        ":root{"
        f"--brand:{colours.primary};--brand-dark:{colours.dark};--brand-light:{colours.light};"
        f"--chart-1:{colours.series[0]};--chart-2:{colours.series[1]};--chart-3:{colours.series[2]}"
        "}\n"
    )
    return _cached(HttpResponse(css, content_type="text/css; charset=utf-8"), version, council)


@require_GET
def logo(request, version: int):
    council = _council(request)
    if not council.logo or not council.logo_type:
        raise Http404
    try:
        with council.logo.open("rb") as file:
            data = file.read()
    except FileNotFoundError as error:
        raise Http404 from error
    response = HttpResponse(data, content_type=council.logo_type)
    # Even opened on its own, an SVG may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Content-Disposition"] = "inline"
    return _cached(response, version, council)
