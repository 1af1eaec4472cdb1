"""The PDF stylesheet parsed once per worker process, its bundled fonts loaded once into one font configuration."""

from __future__ import annotations

import os

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from triage.pdf.assets import AssetFetcher, asset_bytes

# The one stylesheet link the PDF templates write; a render finds it and uses the parsed copy instead of fetching it.
STYLESHEET_LINK = '<link rel="stylesheet" href="triage-asset:css/pdf.css">'

# Parsing the stylesheet and loading its six font faces cost about as much as laying out a page of text (bench/pdf.py).
# Kept per process id: a forked worker must not share the parent's fontconfig and Pango state.
_parsed: dict[int, tuple[weasyprint.CSS, FontConfiguration]] = {}


def parsed_stylesheet() -> tuple[weasyprint.CSS, FontConfiguration]:
    """This process's parsed PDF stylesheet and the font configuration holding its bundled fonts."""
    found = _parsed.get(os.getpid())
    if found is None:
        fonts = FontConfiguration()
        # Only bundled fonts are named in the stylesheet; the allowlisting fetcher serves them and refuses anything else.
        css = weasyprint.CSS(string=asset_bytes("css/pdf.css").decode(), url_fetcher=AssetFetcher(), font_config=fonts)
        _parsed.clear()
        found = _parsed[os.getpid()] = (css, fonts)
    return found


def write_pdf(html: str, fetcher: AssetFetcher) -> bytes:
    """HTML to PDF with the fetcher; a document linking the PDF stylesheet gets the parsed copy and its loaded fonts."""
    before, linked, after = html.partition(STYLESHEET_LINK)
    if not linked:
        return bytes(weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf())
    css, fonts = parsed_stylesheet()
    # WeasyPrint treats a passed stylesheet as an author sheet after the document's: the templates have no other one.
    page = weasyprint.HTML(string=before + after, base_url=None, url_fetcher=fetcher)
    return bytes(page.write_pdf(stylesheets=[css], font_config=fonts))
