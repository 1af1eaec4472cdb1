"""The only things WeasyPrint may load: the bundled PDF assets (allowlisted) and the clinic's checked logo."""

from __future__ import annotations

from functools import cache
from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse

from triage.paths import resource_dir

ASSET_SCHEME = "triage-asset:"
LOGO_URL = ASSET_SCHEME + "clinic-logo"  # not a bundled file: the logo an admin uploaded, checked when it was stored
# The exact allowlist: the only URLs WeasyPrint may load are these bundled files.
ASSETS: dict[str, str] = {
    "css/pdf.css": "text/css",
    **{f"fonts/{n}.ttf": "font/ttf" for n in ("DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback", "Symbola-emoji")},
}


@cache
def asset_bytes(name: str) -> bytes:
    """The content of one allowlisted bundled asset."""
    if name not in ASSETS:
        raise KeyError(name)
    return (resource_dir("static") / name).read_bytes()


class AssetFetcher(URLFetcher):
    """WeasyPrint's only way out: serves the allowlisted bundled assets and refuses every other URL."""

    def __init__(self, logo: bytes = b"", logo_mime: str = "") -> None:
        # No protocol is allowed to the stock opener, and no redirects: fetch() below never reaches it anyway.
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.refused: list[str] = []
        self.logo = (logo, logo_mime) if logo and logo_mime else None

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Serve `triage-asset:<allowlisted name>`; raise for anything else (file, http(s), ftp, data, ...)."""
        if url == LOGO_URL and self.logo is not None:  # the clinic's checked logo, handed in with the job
            return URLFetcherResponse(url, body=self.logo[0], headers={"Content-Type": self.logo[1]})
        name = url[len(ASSET_SCHEME) :] if url.startswith(ASSET_SCHEME) else None
        if name is None or name not in ASSETS:
            self.refused.append(url[:120])
            raise ValueError("refused: the PDF renderer loads only its bundled assets")
        return URLFetcherResponse(url, body=asset_bytes(name), headers={"Content-Type": ASSETS[name]})

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
        """Route every open through fetch (and so through the allowlist)."""
        return self.fetch(url if isinstance(url, str) else str(getattr(url, "full_url", "")))
