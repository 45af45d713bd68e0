"""The browser console, built from `console/` into `console_dist/` beside this module.

Files are served as built, precompressed (`.gz`) when the browser accepts gzip. Any other path
under /console/ is a route of the single-page app and gets its index.html, so a reload on
/console/cases/12 works. Built asset names carry a content hash, so they may be cached forever;
index.html is revalidated every time so a new build shows at once.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from gridloop.errors import DomainError, NotFound

DIST = Path(__file__).parent / "console_dist"
PREFIX = "/console"
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


class ConsoleNotBuilt(DomainError):
    status = 503
    slug = "console-not-built"
    title = "控制台尚未构建 / The console is not built"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX)
def console_root() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX + "/{path:path}")
def console_file(path: str, request: Request) -> Response:
    index = DIST / "index.html"
    if not index.is_file():
        raise ConsoleNotBuilt("请先运行 make console / run `make console` to build it")
    target = _resolve(path)
    if target is None:
        if path.startswith("assets/"):
            raise NotFound("没有这个文件 / no such file in the console build")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
    headers = {"Cache-Control": IMMUTABLE if path.startswith("assets/") else "no-cache"}
    gzipped = target.with_name(target.name + ".gz")
    if "gzip" in request.headers.get("accept-encoding", "") and gzipped.is_file():
        media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return FileResponse(gzipped, media_type=media_type, headers=headers)
    return FileResponse(target, headers=headers)


def _resolve(path: str) -> Path | None:
    """The built file at `path`, or None for a client route (or anything outside the build)."""
    if not path:
        return None
    root = DIST.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target
