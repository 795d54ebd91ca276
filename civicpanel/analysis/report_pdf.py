"""The committee report as HTML and as a tagged PDF in the language staff chose."""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from civicpanel.analysis.report_content import report_content
from civicpanel.common.pdf import render_pdf, static_url

LANGUAGES = ("da", "nb", "en")


def report_title(survey, language: str) -> str:
    from civicpanel.common.models import translated

    with translation.override(language):
        return _("Committee report: %(survey)s") % {"survey": translated(survey.title, language) or survey.name}


def report_html(*, council, survey, language: str, breakdown_keys: list[str],
                progress: Callable[[int, str], None] = lambda p, s: None) -> str:
    with translation.override(language):
        content = report_content(council=council, survey=survey, breakdown_keys=breakdown_keys, progress=progress)
        return render_to_string("analysis/report/report.html", {
            "c": content, "language": language, "document_title": report_title(survey, language),
            "css_url": static_url("civicpanel/report.css"),
        })


def report_pdf(*, council, survey, language: str, breakdown_keys: list[str],
               progress: Callable[[int, str], None] = lambda p, s: None) -> bytes:
    """Raises common.pdf.PdfUnavailable on a server without Pango."""
    html = report_html(council=council, survey=survey, language=language, breakdown_keys=breakdown_keys,
                       progress=progress)
    progress(70, "pdf")
    return render_pdf(html)
