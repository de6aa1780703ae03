"""One JSON line per request, and request ids."""

from __future__ import annotations

from scaleout_app import create_app


def test_one_json_line_per_request(client, log_lines):
    client.get("/api")
    client.post("/api")
    client.get("/missing")
    assert [(line["method"], line["path"], line["status"]) for line in log_lines] == [
        ("GET", "/api", 200),
        ("POST", "/api", 405),
        ("GET", "/missing", 404),
    ]
    for line in log_lines:
        assert set(line) >= {"ts", "method", "path", "status", "duration_ms", "request_id"}
        assert line["duration_ms"] >= 0


def test_request_id_is_made_and_echoed(client, log_lines):
    first = client.get("/api").headers["X-Request-Id"]
    second = client.get("/api").headers["X-Request-Id"]
    assert first and second and first != second
    assert [line["request_id"] for line in log_lines] == [first, second]


def test_a_sane_client_request_id_is_kept(client, log_lines):
    response = client.get("/api", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    assert log_lines[0]["request_id"] == "abc-123"


def test_the_load_balancer_trace_id_is_used_when_there_is_no_request_id(client):
    trace = "Root=1-67891233-abcdef012345678912345678"
    response = client.get("/api", headers={"X-Amzn-Trace-Id": trace})
    assert response.headers["X-Request-Id"] == trace


def test_an_unsafe_client_request_id_is_replaced(client, log_lines):
    for bad in ("a" * 200, "has space", 'quote"s', "new\u2028line"):
        response = client.get("/api", headers={"X-Request-Id": bad})
        assert response.headers["X-Request-Id"] != bad
    assert all(line["request_id"] not in {"has space"} for line in log_lines)


def test_access_log_can_be_turned_off(log_lines):
    app = create_app({"ACCESS_LOG": False, "ACCESS_LOG_WRITE": log_lines})
    response = app.test_client().get("/api")
    assert response.headers["X-Request-Id"]
    assert log_lines == []


def test_remote_address_comes_from_the_load_balancer_header(client, log_lines):
    client.get("/api", headers={"X-Forwarded-For": "203.0.113.9"})
    assert log_lines[0]["remote"] == "203.0.113.9"
