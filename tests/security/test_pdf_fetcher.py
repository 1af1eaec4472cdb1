"""The PDF renderer reaches nothing but its bundled assets, and passes WeasyPrint no user-influenced options."""

from __future__ import annotations

import ast
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import weasyprint
from weasyprint.urls import URLFetcher, URLFetchingError, fetch

from triage.pdf import summary as pdf

PDF_MODULE = Path(pdf.__file__)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []
    redirect_to: str = ""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hits.append(self.path)
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        body = b"body{background:red} SENTINEL-HTTP"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def _serve(redirect_to: str = "") -> tuple[http.server.ThreadingHTTPServer, type[_Counter]]:
    handler = type("Handler", (_Counter,), {"hits": [], "redirect_to": redirect_to})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


@pytest.fixture
def loopback() -> Iterator[tuple[str, type[_Counter], type[_Counter]]]:
    """A loopback HTTP server counting requests, and a second one that redirects to it."""
    target, target_hits = _serve()
    base = f"http://127.0.0.1:{target.server_address[1]}"
    redirector, redirect_hits = _serve(redirect_to=f"{base}/after-redirect")
    yield f"http://127.0.0.1:{redirector.server_address[1]}", target_hits, redirect_hits
    target.shutdown()
    redirector.shutdown()


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A local file whose content must never reach a PDF."""
    path = tmp_path / "sentinel.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20"><text y="15">SENTINEL-FILE-CONTENT</text></svg>'
    )
    return path


def test_the_fetcher_serves_exactly_the_allowlisted_assets() -> None:
    fetcher = pdf.AssetFetcher()
    for name, mime in pdf.ASSETS.items():
        response = fetcher(f"triage-asset:{name}")
        assert response.read() == (Path(pdf.resource_dir("static")) / name).read_bytes()
        assert response.content_type == mime


@pytest.mark.parametrize(
    "url",
    [
        "triage-asset:../../../etc/passwd",
        "triage-asset:css/../fonts/DejaVuSans.ttf",
        "triage-asset:fonts/LICENSE-DejaVu.txt",
        "triage-asset:/css/pdf.css",
        "TRIAGE-ASSET:css/pdf.css",
        "ftp://127.0.0.1/pub/file",
        "data:text/css,body{color:red}",
        "https://example.org/x.css",
        "file:///etc/passwd",
        "jar:file:///tmp/x!/y",
    ],
)
def test_the_fetcher_refuses_everything_else(url: str) -> None:
    fetcher = pdf.AssetFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher(url)
    assert fetcher.refused == [url[:120]]


def test_file_http_and_redirect_urls_are_refused_without_any_request(sentinel: Path, loopback: tuple[str, Any, Any]) -> None:
    redirect_base, target_hits, redirect_hits = loopback
    fetcher = pdf.AssetFetcher()
    for url in (sentinel.as_uri(), f"{redirect_base}/redirect", redirect_base.replace("127.0.0.1", "localhost") + "/x"):
        with pytest.raises(URLFetchingError), fetch(fetcher, url):
            pass
    assert target_hits.hits == [] and redirect_hits.hits == []


def _hostile_html(sentinel: Path, base: str) -> str:
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="triage-asset:css/pdf.css">
<link rel="stylesheet" href="{base}/sheet.css">
<link rel="attachment" href="{sentinel.as_uri()}" title="leak">
<link rel="attachment" href="{base}/attach">
<style>@import url({base}/import.css); body {{ background: url({sentinel.as_uri()}); }}
@font-face {{ font-family: X; src: url({base}/font.ttf); }}</style>
</head><body><p>visible text</p>
<img src="{sentinel.as_uri()}" alt=""><img src="{base}/img.png" alt="">\
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" alt="">
<object data="{sentinel.as_uri()}"></object><embed src="{base}/embed"><iframe src="{base}/frame"></iframe>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{sentinel.as_uri()}" width="10" height="10"/></svg>
</body></html>"""


def _embedded_files(data: bytes) -> dict[str, Any]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return dict(reader.attachments)


def test_a_hostile_document_renders_without_reaching_files_or_the_network(sentinel: Path, loopback: tuple[str, Any, Any]) -> None:
    redirect_base, target_hits, redirect_hits = loopback
    html = _hostile_html(sentinel, redirect_base)
    data, refused = pdf._render_job(html)
    assert refused >= 8  # stylesheets, @import, images, embed, data: and both attachments were all asked for and refused
    assert target_hits.hits == [] and redirect_hits.hits == []
    assert _embedded_files(data) == {}
    assert b"/EmbeddedFiles" not in data and b"SENTINEL" not in data
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "visible text" in text and "SENTINEL" not in text


def test_the_attachment_check_above_would_catch_a_leak(sentinel: Path) -> None:
    """Control: WeasyPrint's stock fetcher embeds the file, so an empty result above is meaningful."""
    html = f'<html><head><link rel="attachment" href="{sentinel.as_uri()}"></head><body><p>x</p></body></html>'
    leaked = weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("file",))).write_pdf()
    assert _embedded_files(leaked) != {}


def test_write_pdf_gets_no_stylesheets_attachments_metadata_or_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[dict[str, Any], dict[str, Any]]] = []
    original_init, original_write = weasyprint.HTML.__init__, weasyprint.HTML.write_pdf

    def spy_init(self: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(({"init": True, **kwargs}, {}))
        original_init(self, *args, **kwargs)

    def spy_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(({}, {"args": args, **kwargs}))
        return original_write(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", spy_init)
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spy_write)
    pdf._render_job("<html><body><p>spy</p></body></html>")
    init = next(c[0] for c in calls if c[0])
    write = next(c[1] for c in calls if c[1])
    assert set(init) == {"init", "string", "base_url", "url_fetcher"}
    assert init["base_url"] is None and isinstance(init["url_fetcher"], pdf.AssetFetcher)
    assert write == {"args": ()}


def test_the_renderer_module_passes_no_dangerous_keywords() -> None:
    tree = ast.parse(PDF_MODULE.read_text(encoding="utf-8"))
    forbidden = {"stylesheets", "attachments", "xmp_metadata", "presentational_hints", "custom_metadata", "pdf_forms"}
    used = {kw.arg for node in ast.walk(tree) if isinstance(node, ast.Call) for kw in node.keywords}
    assert not forbidden & used
    envs = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Environment"]
    assert envs and all(
        any(kw.arg == "autoescape" and getattr(kw.value, "value", None) is True for kw in env.keywords) for env in envs
    )
    assert "Markup" not in PDF_MODULE.read_text(encoding="utf-8")
