"""The docs pages load nothing from outside the server: they work on a machine with no internet."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Assets(HTMLParser):
    """Every URL the browser would fetch by itself while loading the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_docs_page_loads_only_local_assets(client: TestClient, page: str, script: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    # No host at all: a CDN by name, or any other absolute or protocol-relative URL.
    assert not re.search(r"https?://|cdn\.jsdelivr|unpkg|googleapis", html), html
    # And the browser is told to fetch from nowhere else, whatever the UI's script tries at run time.
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy
    assert not re.search(r"https?:|\*", policy), policy
    urls = _assets(html)
    assert any(url.endswith(script) for url in urls), urls
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = next(kind for ext, kind in CONTENT_TYPES.items() if url.endswith(ext))
        assert expected in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 0, url


def test_swagger_ui_reads_the_openapi_31_document(client: TestClient) -> None:
    html = client.get("/docs").text
    spec_url = re.search(r"url: '([^']+)'", html)
    assert spec_url is not None, html
    assert client.get(spec_url.group(1)).json()["openapi"].startswith("3.1")
    # Swagger UI renders OpenAPI 3.1 from version 5 on; 4.x shows "Unable to render this definition".
    bundle = client.get(next(u for u in _assets(html) if u.endswith("swagger-ui-bundle.js"))).text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)
    assert version is not None
    assert int(version.group(1)) >= 5


def test_oauth2_redirect_page_is_served_locally(client: TestClient) -> None:
    html = client.get("/docs").text
    redirect = re.search(r"oauth2RedirectUrl: window\.location\.origin \+ '([^']+)'", html)
    assert redirect is not None, html
    response = client.get(redirect.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"<script[^>]+src=", response.text)


def test_missing_asset_is_not_found(client: TestClient) -> None:
    html = client.get("/docs").text
    folder = next(u for u in _assets(html) if u.endswith(".js")).rsplit("/", 1)[0]
    assert client.get(f"{folder}/no-such-file.js").status_code == 404
