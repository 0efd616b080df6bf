"""The FastAPI application: `create_app()` wires settings, the runtime, routers and errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.admin import routes as admin_routes
from app.admin.limited import limited_page
from app.admin.live_stream import router as live_router
from app.admin.missing import not_found_page
from app.admin.signed_out import reason_of, signed_out_page, wants_page
from app.auth.endpoints import router as auth_router
from app.auth.shopify_install import router as shopify_auth_router
from app.auth.woocommerce_connect import router as woocommerce_auth_router
from app.config import Settings, load_settings
from app.crypto import Vault
from app.errors import AppError
from app.health.endpoints import router as health_router
from app.initiatives.cart_link_endpoints import router as cart_link_router
from app.initiatives.endpoints import router as initiatives_router
from app.initiatives.messaging_endpoints import router as messaging_settings_router
from app.initiatives.surveys.page import router as survey_page_router
from app.initiatives.surveys.widget import router as survey_widget_router
from app.live.shutdown import stopping_on_exit_signals
from app.logs import configure_logging, redact_third_party_loggers
from app.messaging.tracking_endpoints import router as tracking_router
from app.messaging.unsubscribe import router as unsubscribe_router
from app.metrics.endpoints import router as metrics_router
from app.middleware import RequestIdMiddleware, SecurityHeadersMiddleware
from app.okr.endpoints import router as okr_router
from app.openapi import document_errors
from app.operations.endpoints import router as operations_router
from app.privacy.endpoints import router as privacy_router
from app.ratelimit import Limiter, TooManyRequests, limit_public_routes
from app.schema import ensure_schema
from app.shops.endpoints import router as shop_router
from app.startup import open_runtime
from app.tasks import registry as default_registry
from app.text_input import refuse_nul_characters
from app.webhooks.endpoints import router as webhooks_router
from app.webhooks.senders import Senders
from app.wiring import event_bus, personal_data, webhook_topics
from app.worker.tasks import TaskRegistry

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def create_app(
    settings: Settings | None = None,
    registry: TaskRegistry | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    *,
    run_cron: bool = True,
) -> FastAPI:
    """The app; `run_cron=False` leaves the embedded runner's schedules off (tests that drive
    sweeps by hand, so that a minute's sweep cannot run between two of their steps)."""
    settings = settings or load_settings()
    tasks = registry or default_registry
    # However the logs are configured (ours, uvicorn's --log-config, an embedding app's), the
    # store requests this app makes are never logged with their credentials.
    redact_third_party_loggers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_schema(settings)
        async with open_runtime(
            settings,
            tasks,
            http_transport=http_transport,
            run_cron=run_cron,
            events=event_bus(),
            webhook_topics=webhook_topics(),
            personal_data=personal_data(),
        ) as runtime:
            app.state.runtime = runtime
            app.state.senders = Senders(Vault.from_settings(settings))
            app.state.limiter = Limiter.open(runtime.redis)
            mode = "embedded jobs" if settings.embedded_jobs else "arq workers on Redis"
            logger.info(
                "StoreOKR ready (%s, %s, %s)",
                settings.env,
                runtime.engine.url.get_backend_name(),
                mode,
            )
            with stopping_on_exit_signals(runtime.stopping):
                yield

    app = FastAPI(
        title="StoreOKR",
        summary="Live OKRs for online stores.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        # Public routes (connect, install, login links, share pages) count per client address.
        # Text with a NUL in it is refused (422) before any route tries to store it.
        dependencies=[Depends(limit_public_routes), Depends(refuse_nul_characters)],
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: the request id's 500 too
    add_error_handlers(app)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(shopify_auth_router)
    app.include_router(woocommerce_auth_router)
    app.include_router(shop_router)
    app.include_router(webhooks_router)
    app.include_router(privacy_router)
    app.include_router(operations_router)
    app.include_router(live_router)
    app.include_router(metrics_router)
    app.include_router(okr_router)
    app.include_router(initiatives_router)
    app.include_router(messaging_settings_router)
    app.include_router(unsubscribe_router)
    app.include_router(tracking_router)
    app.include_router(survey_page_router)
    app.include_router(survey_widget_router)
    app.include_router(cart_link_router)
    app.include_router(admin_routes.router)
    app.mount("/admin/static", admin_routes.static, name="admin-static")
    document_errors(app)
    return app


def serve_app() -> FastAPI:
    """The uvicorn factory for `storeokr serve`: each worker process configures its logs."""
    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.json_logs)
    return create_app(settings)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, error: AppError) -> Response:
        if error.status_code >= 500:
            logger.warning("%s: %s", error.code, error.message)
        reason = reason_of(error)
        if reason is not None and wants_page(request):  # a browser: a page that says so
            return signed_out_page(request, reason, error.status_code)
        body = error_body(error.code, error.message, jsonable_encoder(error.details))
        response = JSONResponse(body, status_code=error.status_code)
        if reason is not None and request.headers.get("HX-Request") == "true":
            response.headers["HX-Refresh"] = "true"  # the page reloads into the signed-out one
        return response

    @app.exception_handler(TooManyRequests)
    async def too_many_requests(request: Request, error: TooManyRequests) -> Response:
        if error.page:
            return limited_page(request, error.retry_after)
        body = error_body(error.code, error.message, jsonable_encoder(error.details))
        headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(body, status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if wants_page(request):  # a browser opened an address whose id is no id
            return not_found_page(request)
        problems = [
            {
                "loc": list(item.get("loc", ())),
                "message": item.get("msg", ""),
                "type": item.get("type"),
            }
            for item in error.errors()
        ]
        fields = ", ".join(".".join(str(p) for p in item["loc"]) for item in problems)
        message = (
            f"the request is not valid: check {fields}" if fields else "the request is not valid"
        )
        return JSONResponse(error_body("invalid", message, {"errors": problems}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404 and wants_page(request):  # no such page
            return not_found_page(request)
        code = _HTTP_CODES.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(DBAPIError)
    async def database_error(_: Request, error: DBAPIError) -> JSONResponse:
        if error.connection_invalidated:
            logger.warning("database connection lost: %s", error.orig)
            body = error_body("database_unavailable", "the database connection was lost; retry")
            return JSONResponse(body, status_code=503)
        raise error  # anything else is a bug: RequestIdMiddleware answers 500 with the id
