"""The API docs page and everything it loads are served by the service and name no outside URL
that a browser would fetch: government intranets reach no CDN (tests/browser loads the page with
every outside request blocked).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

URL = re.compile(r"https?://([^/\s\"'`<>()\\:?#$]*)")
# Licence headers (`/*! … */`) may name their projects' sites.
LICENCE_COMMENT = re.compile(r"/\*!.*?\*/", re.DOTALL)
# Hosts that Swagger UI's bundle only names, never fetches. A new asset version that names
# another host fails here, and someone must look at why it is there.
TEXT_ONLY_HOSTS = {
    # XML namespaces; JSON Schema and OpenAPI dialect identifiers
    "www.w3.org",
    "json-schema.org",
    "spec.openapis.org",
    # RFCs cited by its format checks; the link made of an SPDX licence identifier
    "datatracker.ietf.org",
    "www.rfc-editor.org",
    "spdx.org",
    # links in developer error messages (React, Redux, prop-types, highlight.js, core-js)
    "reactjs.org",
    "redux.js.org",
    "fb.me",
    "github.com",
    # bases that URLs are parsed against, and sample values of string formats
    "swagger.io",
    "vladimirgorej.com",
    "base",
    "",
    "example.com",
    "실례.com",
    # links its Markdown renderer would make of a #hashtag or an @mention
    "twitter.com",
    "www.facebook.com",
    "instagram.com",
    "www.tiktok.com",
    "soundcloud.com",
    # the online validator, which the page turns off (validatorUrl: null, checked below)
    "validator.swagger.io",
}


class _Page(HTMLParser):
    """The URLs a page loads (src, href) and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("src", "href") and value]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data)


def _hosts(text: str) -> set[str]:
    return set(URL.findall(LICENCE_COMMENT.sub("", text)))


def test_the_docs_page_loads_only_the_services_own_assets(client: TestClient) -> None:
    response = client.get("/docs")
    page = _Page()
    page.feed(response.text)

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert _hosts(response.text) == set()
    assert page.links, "the page loads Swagger UI's script and stylesheet"
    assert all(link.startswith("/") for link in page.links), page.links
    assert any('"validatorUrl": null' in script for script in page.scripts)
    for link in page.links:
        asset = client.get(link)
        assert asset.status_code == 200, link
        allowed = {"www.w3.org"} if link.endswith(".css") else TEXT_ONLY_HOSTS
        assert _hosts(asset.text) <= allowed, (link, _hosts(asset.text) - allowed)


def test_the_openapi_document_names_no_outside_url(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert _hosts(response.text) == set()


def test_fastapis_cdn_pages_are_not_served(client: TestClient) -> None:
    # ReDoc's bundle loads its vendor's logo from their CDN, so it is not offered at all.
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
