"""/docs and /redoc work with no other host: vendored assets, a strict policy, a bearer scheme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from puerta.config import Settings
from puerta.web.app import create_app

STATIC = Path(__file__).parents[2] / "src" / "puerta" / "web" / "static"


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(secret_key="test-secret", _env_file=None))


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_pages_load_only_from_this_server(app: FastAPI, path: str) -> None:
    client = TestClient(app)
    page = client.get(path)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "fonts.googleapis" not in page.text


def test_every_vendored_package_says_where_it_came_from() -> None:
    packages = sorted((STATIC / "vendor").iterdir())
    names = [p.name.rsplit("-", 1)[0] for p in packages]
    assert names == ["altcha", "htmx", "redoc", "swagger-ui-dist", "us-atlas"]
    for package in packages:
        source = (package / "SOURCE.txt").read_text()
        assert "https://registry.npmjs.org/" in source
        assert "sha512-" in source
        licence = next(package.glob("LICENSE*"))  # LICENSE, or altcha's LICENSE.txt
        assert licence.stat().st_size > 100


def test_the_document_declares_the_bearer_scheme_on_signed_in_routes(app: FastAPI) -> None:
    spec = TestClient(app).get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["session"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The token of POST /api/v1/sessions. Browsers use the session cookie.",
    }
    ops = {(m, p): op for p, ms in spec["paths"].items() for m, op in ms.items()}
    assert ops[("post", "/api/v1/registrations/{registration_id}/requests")]["security"] == [
        {"session": []}
    ]
    assert ops[("get", "/api/v1/registrations/{registration_id}/status")]["security"] == [
        {"session": []}
    ]
    assert "security" not in ops[("post", "/api/v1/sessions")]
