"""/docs (Swagger UI) and /redoc from the vendored assets: no request to any other host.

FastAPI's own pages load their scripts from a CDN, so offline (or on a network that
reaches only Puerta) they are blank. These are the same pages over
``static/vendor/`` (``scripts/vendor.py``), with a Content-Security-Policy that lets
nothing load from elsewhere (ReDoc's sidebar names a CDN logo; the policy stops it).
"Authorize" works because the OpenAPI document declares the bearer scheme
(``web/deps.py``, ``BEARER``): a bearer token needs no CSRF token.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse

SWAGGER = "/static/vendor/swagger-ui-dist-5.35.0"
REDOC = "/static/vendor/redoc-2.5.4"
#: Inline scripts are the pages' own start-up code (FastAPI's templates); ReDoc runs its
#: search in a blob: worker.
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'"
)


def _locked(page: HTMLResponse) -> HTMLResponse:
    """The policy, and a language on the page (FastAPI's templates have none; the API's
    reference is in English)."""
    body = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)
    out = HTMLResponse(body, status_code=page.status_code)
    out.headers["Content-Security-Policy"] = POLICY
    return out


def install(app: FastAPI) -> None:
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger(_request: Request) -> HTMLResponse:
        return _locked(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} API",
                swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                swagger_css_url=f"{SWAGGER}/swagger-ui.css",
                swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
                oauth2_redirect_url="/docs/oauth2-redirect",
                swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
            )
        )

    async def redirect(_request: Request) -> HTMLResponse:
        return _locked(get_swagger_ui_oauth2_redirect_html())

    async def redoc(_request: Request) -> HTMLResponse:
        return _locked(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} API",
                redoc_js_url=f"{REDOC}/redoc.standalone.js",
                redoc_favicon_url=f"{SWAGGER}/favicon-32x32.png",
                with_google_fonts=False,
            )
        )

    app.add_route("/docs", swagger, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
