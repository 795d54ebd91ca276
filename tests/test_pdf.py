"""The shared PDF path: tagged, with its language and title, and never reaching outside the project."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader

from civicpanel.common.pdf import pdf_available, render_pdf, static_url

pytestmark = pytest.mark.skipif(not pdf_available(), reason="WeasyPrint needs Pango on this machine")


def test_a_document_is_tagged_with_its_language_and_title():
    pdf = render_pdf('<html lang="da"><head><title>Rapport om trafik</title></head>'
                     "<body><h1>Trafiksikkerhed i Vigerslev</h1><p>Svarprocent 48,2 %</p></body></html>")
    reader = PdfReader(io.BytesIO(pdf))
    assert "Trafiksikkerhed i Vigerslev" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Rapport om trafik"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "da"
    assert "/StructTreeRoot" in catalog  # tagged: screen readers get the structure


def test_vendored_fonts_load_but_nothing_from_the_network():
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_port}"
        html = (f'<html lang="en"><head><title>t</title><link rel="stylesheet" href="{address}/x.css">'
                f'</head><body><img src="{address}/pixel.png"><img src="file:///etc/passwd">'
                f'<p>Text</p></body></html>')
        pdf = render_pdf(html)
    finally:
        server.shutdown()
    assert hits == []
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == "Text"
    assert static_url("dkfds/css/dkfds.min.css").startswith("file:///")
