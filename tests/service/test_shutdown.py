"""SIGTERM: drain, stop accepting, finish what is in flight, exit 0; nothing accepted fails."""

from __future__ import annotations

import http.client
import signal
import socket
import time

import pytest

from tests.service.test_http import parse
from tests.support import run_load

pytestmark = pytest.mark.slow


def events(lines: list[dict]) -> list[str]:
    return [line["phase"] for line in lines if line.get("event") == "stop"]


def test_sigterm_under_load_fails_no_request_and_exits_0(start):
    # Each client must finish a request within the drain window to be told to close.
    service = start(APP_DRAIN_SECONDS="3", APP_ACCESS_LOG="off")
    stop, result, threads = run_load(service.host, service.port, clients=8)
    time.sleep(1.0)
    assert result.ok > 0 and not result.failed
    service.proc.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=20)
    stop.set()
    code, lines = service.stop()
    assert code == 0
    assert result.failed == []
    # Every client was told to go away rather than cut off.
    assert result.closed_by_server == 8
    assert events(lines) == ["draining", "closed_listener", "exited"]


def test_during_the_drain_window_new_connections_are_served_and_told_503(start):
    service = start(APP_DRAIN_SECONDS="3")
    service.proc.send_signal(signal.SIGTERM)
    service.await_stop_phase("draining")
    conn = http.client.HTTPConnection(service.host, service.port, timeout=5)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert response.status == 503
    assert response.getheader("Connection") == "close"
    conn.close()
    code, _ = service.stop()
    assert code == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((service.host, service.port), timeout=2)


def test_a_request_in_flight_at_sigterm_is_answered(start):
    service = start(APP_DRAIN_SECONDS="0.2", APP_SHUTDOWN_GRACE_SECONDS="10")
    sock = socket.create_connection((service.host, service.port), timeout=10)
    sock.sendall(b"GET /api HTTP/1.1\r\nHost: x\r\n")  # headers not finished yet
    time.sleep(0.2)
    service.proc.send_signal(signal.SIGTERM)
    time.sleep(1.0)  # well past the drain window: the listener is closed by now
    assert service.proc.poll() is None  # still waiting for our request
    sock.sendall(b"\r\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    status, headers, body = parse(data)
    assert status == 200 and len(body) > 400
    assert headers["connection"] == "close"
    code, lines = service.stop()
    assert code == 0
    assert "grace_expired" not in events(lines)


def test_the_grace_deadline_is_kept_when_a_client_never_finishes(start):
    service = start(APP_DRAIN_SECONDS="0", APP_SHUTDOWN_GRACE_SECONDS="1")
    sock = socket.create_connection((service.host, service.port), timeout=10)
    sock.sendall(b"GET /api HTTP/1.1\r\n")  # a slow client that never completes
    time.sleep(0.2)
    began = time.monotonic()
    code, lines = service.stop(timeout=10)
    elapsed = time.monotonic() - began
    sock.close()
    assert code == 0  # nothing accepted was cut: the request was never complete
    assert "grace_expired" in events(lines)
    assert elapsed < 5  # a loose bound: the test is that it ends, not how fast


def test_a_second_ctrl_c_exits_at_once(start):
    service = start(APP_DRAIN_SECONDS="30", APP_SHUTDOWN_GRACE_SECONDS="60")
    service.proc.send_signal(signal.SIGINT)
    service.await_stop_phase("draining")
    service.proc.send_signal(signal.SIGINT)
    service.proc.wait(timeout=10)  # on its own: stop() would add a SIGTERM
    code, lines = service.stop(timeout=10)
    assert code == 130
    assert events(lines) == ["draining", "forced", "exited"]
