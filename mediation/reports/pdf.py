"""HTML to PDF with WeasyPrint, from the very HTML the browser prints.

The page's stylesheet is read from the static folder; every other URL is refused, so
rendering a PDF never makes a network request (no SSRF through a link in a case's text).
"""
import logging
import os
from urllib.parse import urlsplit

from flask import current_app, request

log = logging.getLogger(__name__)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # heavy optional library, as in html_to_pdf

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self, static_folder: str, static_path: str, host: str):
            super().__init__(allowed_protocols=("http", "https"))
            self.static_folder = os.path.realpath(static_folder)
            self.static_path = static_path.rstrip("/") + "/"
            self.host = host

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.netloc != self.host or not parts.path.startswith(self.static_path):
                raise ValueError(f"not fetched while rendering a PDF: {url}")
            path = os.path.realpath(os.path.join(self.static_folder, parts.path[len(self.static_path):]))
            if not path.startswith(self.static_folder + os.sep) or not os.path.isfile(path):
                raise ValueError(f"no such static file: {url}")
            with open(path, "rb") as f:
                body = f.read()
            kind = "text/css" if path.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": kind})

    return StaticOnlyFetcher


def html_to_pdf(html: str) -> bytes:
    """A PDF of `html`, with relative URLs resolved against this request's site."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    fetcher = _fetcher_class()(current_app.static_folder, current_app.static_url_path, urlsplit(request.url_root).netloc)
    return HTML(string=html, base_url=request.url_root, url_fetcher=fetcher).write_pdf()
