"""The Orders-tab web application: JSON API under /api, the page at /, named users with roles
(the admin token only bootstraps the first admin)."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.common.db import get_engine
from services.common.logging import get_logger
from services.common.settings import Settings
from services.orders_tab import api, cancel_api, pages, users_api, users_page
from services.orders_tab.auth import Access, LoginRequired, TokenMissing, api_access, bootstrap_token
from services.orders_tab.metrics import HTTP_DURATION, HTTP_REQUESTS
from services.orders_tab.roles import Permission

log = get_logger("orders_tab.web")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api")


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
    return "invalid request parameters: " + "; ".join(parts)


def _error(
    request: Request, status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> Response:
    if _wants_html(request):
        return pages.render("error.html", status_code=status, title=f"Error {status}", message=message)
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=headers)


class _LazyProducer:
    """One Kafka producer for the app, made on the first retry request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if self._producer is None:
                from services.common.kafka import make_producer

                self._producer = make_producer(self.settings)
            return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()


def create_app(settings: Settings) -> FastAPI:
    """The app; fails with a clear message when there is neither a named admin nor an admin token."""
    engine = get_engine(settings.database_url)
    token = bootstrap_token(settings, engine)
    app = FastAPI(
        title="Sales Channel · Orders tab",
        version="1.0.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        description="The Amazon orders of every store, as on the Orders tab (SPEC §3). "
        "Every route needs `Authorization: Bearer <token>`: your personal API token "
        "(`sales-channel users add`, or `POST /api/me/token`). Your role decides what you may do: "
        "viewer (read), operator (retry), admin (users).",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.access = Access(engine, token)
    app.state.producer = _LazyProducer(settings)
    app.include_router(api.router)
    app.include_router(cancel_api.router)
    app.include_router(users_api.router)
    app.include_router(pages.router)
    app.include_router(users_page.router)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(api_access(Permission.READ))])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, dependencies=[Depends(api_access(Permission.READ))])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Orders tab API")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return _error(request, 422, _validation_message(errors), jsonable_encoder(errors))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def _starlette_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return _error(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled_error", path=request.url.path, error=repr(exc))
        return _error(request, 500, "internal error; see the Orders-tab logs")

    @app.middleware("http")
    async def _metrics(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response: Response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            HTTP_REQUESTS.labels(name, str(status)).inc()
            HTTP_DURATION.labels(name).observe(time.perf_counter() - started)

    @app.on_event("shutdown")
    def _close() -> None:
        app.state.producer.close()

    return app


def run(settings: Settings, host: str, port: int) -> None:
    """``sales-channel web``: serve the Orders tab (metrics on METRICS_PORT, separately)."""
    import uvicorn

    from services.common.metrics import serve

    try:
        app = create_app(settings)
    except TokenMissing as exc:
        raise SystemExit(f"error: {exc}") from None
    serve(settings.metrics_port, service="orders_tab_web")
    log.info("orders_tab_web", url=f"http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), log_config=None)  # our JSON logs
