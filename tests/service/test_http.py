"""The real server over real sockets: keep-alive, HEAD, errors, and the server's limits."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import time
from pathlib import Path

import pytest


def raw(port: int, data: bytes, timeout: float = 5) -> bytes:
    """Send raw bytes, return everything the server sends back before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def test_keep_alive_serves_many_requests_on_one_connection(service):
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
    conn.connect()
    sock = conn.sock
    bodies = set()
    for _ in range(5):
        conn.request("GET", "/api")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/json"
        bodies.add(response.read())
        assert not response.will_close
    assert conn.sock is sock  # never reconnected
    assert len(bodies) == 5
    conn.close()


def test_head_has_headers_and_no_body(service):
    status, headers, body = parse(
        raw(service.port, b"HEAD /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    )
    assert status == 200
    assert int(headers["content-length"]) > 400
    assert body == b""


@pytest.mark.parametrize(
    ("request_bytes", "status", "extra"),
    [
        (b"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, set()),
        (b"DELETE /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, {"allow"}),
    ],
)
def test_app_errors_are_json(service, request_bytes, status, extra):
    got, headers, body = parse(raw(service.port, request_bytes))
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status"] == status
    assert extra <= set(headers)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /api HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n", 400),
        (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
        (b"GET /api HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n", 431),
        (b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
        (b"GET /api HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
    ],
    ids=["garbage", "bad-header", "long-request-line", "big-header", "big-body", "neg-length"],
)
def test_malformed_or_oversized_requests_get_a_json_4xx(service, request_bytes, status):
    got, headers, body = parse(raw(service.port, request_bytes))
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status"] == status
    # ...and the server is still serving.
    assert parse(raw(service.port, b"GET /api HTTP/1.0\r\n\r\n"))[0] == 200


def test_every_request_is_one_json_log_line(service):
    for path in ("/api", "/healthz", "/nope"):
        raw(service.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())
    raw(service.port, b"GARBAGE\r\n\r\n")
    code, lines = service.stop()
    assert code == 0
    requests = [line for line in lines if "status" in line]
    assert [(r["path"], r["status"]) for r in requests] == [
        ("/api", 200),
        ("/healthz", 200),
        ("/nope", 404),
        ("", 400),
    ]


def test_a_taken_port_is_a_clear_error(service, start):
    with pytest.raises(RuntimeError, match=r"cannot listen on 127\.0\.0\.1"):
        start(APP_PORT=str(service.port))


def test_clients_that_vanish_do_not_take_the_server_down(service):
    # Connections reset (SO_LINGER 0) at every point of a request: before it, halfway through
    # its headers, and right after sending it, without reading the answer.
    linger_reset = struct.pack("ii", 1, 0)
    for payload in (b"", b"GET /api HTTP/1.1\r\nHo", b"GET /api HTTP/1.1\r\nHost: x\r\n\r\n"):
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", service.port), timeout=5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_reset)
            if payload:
                sock.sendall(payload)
            sock.close()
    time.sleep(0.5)
    assert service.proc.poll() is None, "".join(service.errors)
    assert parse(raw(service.port, b"GET /api HTTP/1.0\r\n\r\n"))[0] == 200
    code, _ = service.stop()
    assert code == 0


def test_the_client_address_comes_from_the_load_balancer(service):
    raw(service.port, b"GET /api HTTP/1.0\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n")
    _, lines = service.stop()
    assert [line["remote"] for line in lines if line.get("path") == "/api"] == ["203.0.113.7"]


@pytest.mark.parametrize("threads", ["0", "4"])
def test_both_serving_modes_keep_alive_and_stop_cleanly(start, threads):
    service = start(APP_THREADS=threads)
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
    for _ in range(3):
        conn.request("GET", "/api")
        assert conn.getresponse().read()
    conn.close()
    status = Path(f"/proc/{service.proc.pid}/status").read_text()
    os_threads = int(next(x for x in status.splitlines() if x.startswith("Threads:")).split()[1])
    # The event loop's thread, plus the worker threads when there are any.
    assert os_threads == 1 + int(threads)
    code, _ = service.stop()
    assert code == 0
