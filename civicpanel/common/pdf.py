"""HTML to PDF through WeasyPrint: the one way every PDF of the product is made.

Reports, letters and paper questionnaires render a Django template to HTML and pass it here.
Two things are decided once for all of them:

- Nothing is fetched from the network. Staff-written text ends up in these documents, and an
  image or stylesheet address in it must not make the server call out (server-side request
  forgery) or wait on a slow host. Only `data:` URIs and files below the project's static
  folder can be loaded: the vendored fonts and the stylesheets.
- Documents are tagged (PDF/UA-1) so screen readers can read them, and carry their language
  and title.

WeasyPrint needs the Pango library from the operating system (Debian: libpango-1.0-0 and
libpangoft2-1.0-0). Where it is missing, `pdf_available()` is False and `render_pdf` raises
`PdfUnavailable`: pages then say that PDFs cannot be made on this server instead of failing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs are not installed on this server."""


@cache
def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi; OSError when it is missing)
    except (ImportError, OSError):
        return False
    return True


def static_url(relative: str) -> str:
    """A file URL for a static asset (font, stylesheet) that the fetcher below will serve."""
    return (STATIC_ROOT / relative).resolve().as_uri()


def _local_fetcher():
    from weasyprint.urls import URLFetcher

    allowed_root = STATIC_ROOT.resolve()

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path)).resolve()
                if not path.is_relative_to(allowed_root):
                    raise ValueError("only the project's static files may be loaded")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"data", "file"}, allow_redirects=False)


def render_pdf(html: str, *, tagged: bool = True) -> bytes:
    """The PDF of an HTML document (give it `<html lang>` and a `<title>`: they become metadata)."""
    if not pdf_available():
        raise PdfUnavailable("WeasyPrint cannot load Pango on this server")
    from weasyprint import HTML

    document = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=_local_fetcher())
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True} if tagged else {}
    return document.write_pdf(**options)


def render_document(html: str, *, tagged: bool = True):
    """The laid-out pages of an HTML document (WeasyPrint's Document), loaded as `render_pdf`
    loads: for a document written both whole and page by page from one layout (the recruitment
    letters and their digital-post package). Write it with `document_pdf`."""
    if not pdf_available():
        raise PdfUnavailable("WeasyPrint cannot load Pango on this server")
    from weasyprint import HTML

    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True} if tagged else {}
    document = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=_local_fetcher()).render(**options)
    document.civicpanel_options = options
    return document


def document_pdf(document, *, pages=None) -> bytes:
    """The PDF of a document from `render_document`, or of some of its pages."""
    chosen = document.copy(pages) if pages is not None else document
    return chosen.write_pdf(**getattr(document, "civicpanel_options", {}))
