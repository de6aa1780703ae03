"""The routes' contract: /api, /, /healthz, and JSON errors."""

from __future__ import annotations

import json
import string

from scaleout_app import create_app, letters_document


def test_api_is_52_keys_in_order_each_one_ascii_letter(client):
    response = client.get("/api")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = json.loads(response.data)
    assert list(document) == [str(i) for i in range(52)]
    for value in document.values():
        assert len(value) == 1 and value in string.ascii_letters


def test_api_is_not_cacheable(client):
    assert client.get("/api").headers["Cache-Control"] == "no-store"


def test_api_is_new_on_every_request(client):
    bodies = {client.get("/api").data for _ in range(20)}
    assert len(bodies) == 20


def test_api_body_is_the_json_of_the_letters_drawn():
    drawn = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    body = letters_document(choices=lambda population, k: drawn[:k])
    assert json.loads(body) == {str(i): letter for i, letter in enumerate(drawn)}
    assert body == json.dumps({str(i): c for i, c in enumerate(drawn)}, separators=(",", ":"))


def test_head_works_where_get_does(client):
    for path in ("/", "/api", "/healthz"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.data == b""
        assert int(response.headers["Content-Length"]) > 0


def test_index_points_to_api(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "/api" in response.get_json()["endpoints"]


def test_healthz_is_200_while_serving_and_503_once_draining(client, lifecycle):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    lifecycle.start_draining()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "draining"}
    # Draining affects health only: requests in flight still get their answer.
    assert client.get("/api").status_code == 200


def test_unknown_path_is_a_json_404(client):
    response = client.get("/nope?x=1")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == 404


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.post("/api", data=b"x")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "Method Not Allowed"
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and "POST" not in allowed


def test_an_unexpected_error_is_a_json_500_without_details():
    app = create_app({"ACCESS_LOG": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert "secret" not in response.get_data(as_text=True)


def test_create_app_reads_nothing_from_the_environment(monkeypatch):
    monkeypatch.setenv("APP_PORT", "not-a-port")
    monkeypatch.setenv("APP_ACCESS_LOG", "maybe")
    assert create_app().test_client().get("/api").status_code == 200
