"""The API docs page (Swagger UI), served with its assets from the service itself.

Government intranets (政务外网/内网) reach no CDN, so FastAPI's default page, which loads
Swagger UI from one, is blank there. The assets come from the `fastapi-offline` package, which
ships Swagger UI's release build. ReDoc is not offered: its bundle loads its vendor's logo from
their CDN.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
TITLE = "gridloop 接口文档 / API docs"
# Swagger UI sends the document to an online validator unless told not to.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and its JavaScript, CSS and icon under /docs/assets.

    The app must be created with `docs_url=None, redoc_url=None`, so that FastAPI's own pages
    (which reference the CDN) are not there too.
    """
    app.mount(
        ASSETS_PATH,
        StaticFiles(packages=[("fastapi_offline", "static")]),
        name="docs-assets",
    )

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        # Behind a proxy that serves the API under a prefix, every URL carries that prefix.
        root = str(request.scope.get("root_path", ""))
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=TITLE,
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
