"""Generated bad input against the real server: never a server error, never a crash, still serving.

Hypothesis builds requests from pieces that servers get wrong: odd methods, request targets
with control bytes and encodings, broken versions, headers with bad names or values, many or
huge headers, bodies that disagree with their framing. Each is sent on a fresh connection and
the answer, if any, must be a sequence of complete HTTP responses, each with a status below
500, or 501 to a request that asked for a transfer coding (as RFC 9112 6.1 says).
"""

from __future__ import annotations

import re
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.conftest import Service
from tests.support import start_service

pytestmark = pytest.mark.slow

EXAMPLES = 400

token = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)
wild = st.binary(min_size=0, max_size=40)
methods = st.one_of(
    st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE",
                     b"CONNECT", b"get", b"G\x00T", b"", b" GET"]),
    token.map(str.encode),
)  # fmt: skip
targets = st.one_of(
    st.sampled_from([b"/", b"/api", b"/healthz", b"*", b"http://x/api", b"//api", b"/api?",
                     b"/%00", b"/%zz", b"/api/../../etc/passwd", b"/\xff\xfe", b"/a b"]),
    st.builds(lambda p, q: b"/" + p + b"?" + q, wild, wild),
    st.binary(min_size=0, max_size=300),
)  # fmt: skip
versions = st.sampled_from(
    [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.x", b"", b"FTP/1.0", b"HTTP/11"]
)
header_names = st.one_of(
    st.sampled_from([b"Host", b"Content-Length", b"Transfer-Encoding", b"Connection", b"Expect",
                     b"X-Request-Id", b"X-Forwarded-For", b"Bad Name", b"", b"X\x00Y"]),
    token.map(str.encode),
)  # fmt: skip
header_values = st.one_of(
    st.sampled_from([b"0", b"-1", b"chunked", b"gzip, chunked", b"100-continue", b"close",
                     b"99999999999999999999", b"\x00", b" "]),
    wild,
    st.integers(min_value=1, max_value=40000).map(lambda n: b"v" * n),
)  # fmt: skip
headers = st.lists(st.tuples(header_names, header_values), max_size=30)
bodies = st.one_of(st.just(b""), wild, st.just(b"0\r\n\r\n"), st.just(b"5\r\nhello\r\n0\r\n\r\n"))


def exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)  # no more from us: the server must answer or close
        except OSError:
            pass  # the server may close early on a bad start; what it sent is still checked
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


@pytest.fixture(scope="module")
def fuzz_service():
    service = Service(*start_service(APP_ACCESS_LOG="off"))
    yield service
    service.kill()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=methods, target=targets, version=versions, headers=headers, body=bodies)
def test_bad_requests_never_get_a_5xx(fuzz_service, method, target, version, headers, body):
    request = method + b" " + target + (b" " + version if version else b"") + b"\r\n"
    request += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    request += b"\r\n" + body
    answer = exchange(fuzz_service.port, request)
    assert fuzz_service.proc.poll() is None, "the server died"
    # RFC 9112 6.1: a transfer coding the server does not implement is answered 501, the one
    # 5xx that is the client's doing (waitress reads the header in HTTP/1.1 requests only).
    # Any other 5xx is the server's fault.
    codings = version == b"HTTP/1.1" and any(
        name.strip().lower() == b"transfer-encoding" for name, _ in headers
    )
    for status, response_body in responses(answer, head=method == b"HEAD"):
        if codings and status == b"501":
            assert b"Transfer-Encoding requested is not supported" in response_body, answer[:300]
            continue
        assert int(status) < 500, answer[:300]


def test_the_server_still_serves_after_the_fuzzing(fuzz_service):
    answer = exchange(fuzz_service.port, b"GET /api HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200")
    code, _ = fuzz_service.stop()
    assert code == 0


def responses(answer: bytes, head: bool = False) -> list[tuple[bytes, bytes]]:
    """The status code and body of every response in `answer`, read one response after the
    other (a body may quote the request, status-line look-alikes and all). A body is as long as
    its Content-Length says, none for 1xx, 204, 304 and the answer to HEAD, and without a
    length it runs to the close. Anything that is not a sequence of complete responses fails,
    and so does a chunked one (this server always sends a length)."""
    found = []
    while answer:
        head_block, blank, rest = answer.partition(b"\r\n\r\n")
        assert blank, f"an incomplete response: {answer[:200]!r}"
        status_line, *lines = head_block.split(b"\r\n")
        assert re.fullmatch(rb"HTTP/1\.[01] \d{3} .*", status_line), answer[:200]
        status = status_line[9:12]
        if status.startswith(b"1"):
            found.append((status, b""))
            answer = rest  # an interim answer; the final one follows
            continue
        fields = [(name.strip().lower(), value.strip()) for name, _, value in
                  (line.partition(b":") for line in lines)]  # fmt: skip
        assert b"transfer-encoding" not in dict(fields), f"a chunked response: {answer[:300]!r}"
        lengths = [value for name, value in fields if name == b"content-length"]
        if status in (b"204", b"304") or (head and _bodiless_head(rest, lengths)):
            length = 0
        elif not lengths:
            length = len(rest)  # the body runs to the close
        else:
            assert len(lengths) == 1 and lengths[0].isdigit(), answer[:300]
            length = int(lengths[0])
            assert len(rest) >= length, f"a body cut short: {answer[:300]!r}"
        found.append((status, rest[:length]))
        head = False  # a pipelined request after the first one is none of ours
        answer = rest[length:]
    return found


def _bodiless_head(rest: bytes, lengths: list[bytes]) -> bool:
    """Whether the answer to a HEAD request came without its body: a server may still send the
    body of an error page, so the body is absent only if what follows cannot be it."""
    declared = int(lengths[0]) if len(lengths) == 1 and lengths[0].isdigit() else 0
    return len(rest) < declared or re.match(rb"HTTP/1\.[01] \d{3} ", rest) is not None
