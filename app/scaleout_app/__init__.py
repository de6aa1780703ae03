"""The http-scale-out service: a Flask app whose /api answers 52 random letters.

`create_app()` builds the app and touches nothing outside it; `python -m scaleout_app`
reads the environment and serves it with waitress (see server.py).
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .access_log import AccessLog

__all__ = ["API_KEYS", "LETTERS", "Lifecycle", "create_app", "letters_document"]

LETTERS = string.ascii_letters
API_KEYS = 52

# The body is one fixed shape with 52 holes, so fill a %-template instead of serialising a
# dict: same bytes as json.dumps of {"0": ..., "51": ...} with keys in numeric order.
_API_TEMPLATE = "{" + ",".join(f'"{i}":"%s"' for i in range(API_KEYS)) + "}"
_NO_STORE = {"Cache-Control": "no-store"}


def letters_document(choices=random.choices) -> str:
    """One /api body: keys "0".."51" in order, each one letter drawn uniformly and independently."""
    return _API_TEMPLATE % tuple(choices(LETTERS, k=API_KEYS))


class Lifecycle:
    """What the server tells the app about its own life: serving, or draining to stop."""

    def __init__(self) -> None:
        self._draining = threading.Event()

    @property
    def draining(self) -> bool:
        return self._draining.is_set()

    def start_draining(self) -> None:
        self._draining.set()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` may set ACCESS_LOG (bool), ACCESS_LOG_WRITE (a callable taking
    one bytes line), PROXY_HOPS (int, proxies whose X-Forwarded-* are trusted) and LIFECYCLE."""
    app = Flask(__name__)
    app.config.update(ACCESS_LOG=True, ACCESS_LOG_WRITE=None, PROXY_HOPS=1, LIFECYCLE=None)
    app.config.update(config or {})
    lifecycle = app.config["LIFECYCLE"] or Lifecycle()
    app.extensions["scaleout.lifecycle"] = lifecycle
    json_response = app.response_class

    @app.get("/")
    def index() -> Response:
        return app.json.response(
            service="http-scale-out",
            description="Answers a JSON object of 52 random ASCII letters, new on every request.",
            endpoints={
                "/api": "GET: keys '0' to '51', each one letter from a-z or A-Z",
                "/healthz": "GET: 200 while serving, 503 once shutting down",
            },
        )

    @app.get("/api")
    def api() -> Response:
        return json_response(letters_document(), 200, _NO_STORE, mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        if lifecycle.draining:
            return json_response(
                '{"status":"draining"}', 503, _NO_STORE, mimetype="application/json"
            )
        return json_response('{"status":"ok"}', 200, _NO_STORE, mimetype="application/json")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # Keep what the exception says about the response (Allow on a 405), but the body is JSON.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        response = app.json.response(error=exc.name, status=exc.code, detail=exc.description)
        response.status_code = exc.code or 500
        response.headers.extend(headers)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        response = app.json.response(
            error="Internal Server Error", status=500, detail="The server failed to answer."
        )
        response.status_code = 500
        return response

    wsgi = app.wsgi_app
    if app.config["PROXY_HOPS"]:
        hops = int(app.config["PROXY_HOPS"])
        wsgi = ProxyFix(wsgi, x_for=hops, x_proto=hops, x_host=0, x_port=0)
    app.wsgi_app = AccessLog(
        wsgi, enabled=bool(app.config["ACCESS_LOG"]), write=app.config["ACCESS_LOG_WRITE"]
    )
    return app
