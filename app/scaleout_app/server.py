"""Serve the app with waitress, and stop without failing a request.

On SIGTERM (or SIGINT) the server:
  1. starts draining: /healthz answers 503 and every response carries `Connection: close`,
     while new connections are still accepted for `drain_seconds` (a load balancer that has
     not yet seen the 503 keeps sending);
  2. stops accepting: connections already queued in the kernel's backlog are accepted first,
     so no client that completed a TCP handshake is refused, then the listening socket closes;
  3. closes idle keep-alive connections, lets every request in flight finish, and exits 0;
  4. at `shutdown_grace_seconds` after the signal, cuts whatever is left and exits 1.
A second SIGINT (Ctrl-C twice) exits at once.
"""

from __future__ import annotations

import collections
import json
import logging
import signal
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask

from . import Lifecycle
from .access_log import log_line
from .config import Settings

_POLL = 0.05


class _Task(WSGITask):
    def execute(self) -> None:
        if self.channel.server.lifecycle.draining:
            self.set_close_on_finish()  # adds `Connection: close` before any header is written
        super().execute()


class _JSONErrorTask(ErrorTask):
    """The server's own 4xx (malformed request line, headers over the limit...) as JSON."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps(
            {"error": error.reason, "status": error.code, "detail": str(error.body)},
            separators=(",", ":"),
        ).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        server = self.channel.server
        if server.access_log:
            server.write_log(
                log_line(
                    ts=round(time.time(), 3),
                    # a request line too broken to parse leaves these unset
                    method=getattr(self.request, "command", "") or "",
                    path=getattr(self.request, "path", "") or "",
                    status=error.code,
                    duration_ms=0.0,
                    request_id="",
                    remote=str(self.channel.addr[0]) if self.channel.addr else "",
                )
            )


class _Channel(HTTPChannel):
    task_class = _Task
    error_task_class = _JSONErrorTask

    def handle_close(self) -> None:
        # Read what the client already sent before closing. Closing a socket with unread input
        # makes the kernel answer with RST, which can destroy a 413 or 431 before the client
        # reads it.
        # Waitress may call this twice for one channel; the second time the socket is gone.
        sock = self.socket
        if sock is not None:
            try:
                for _ in range(16):
                    if not sock.recv(65536):
                        break
            except OSError:
                pass
        super().handle_close()

    def idle(self) -> bool:
        return not self.requests and self.request is None and not self.total_outbufs_len


class _Server(TcpWSGIServer):
    channel_class = _Channel

    def __init__(
        self,
        *args: Any,
        lifecycle: Lifecycle,
        access_log: bool,
        write_log,
        inline: bool = False,
        **kw: Any,
    ):
        self.lifecycle = lifecycle
        self.access_log = access_log
        self.write_log = write_log
        # inline: no worker threads; the event loop serves each request itself, right after
        # the poll that completed it. Every route is some microseconds of CPU and waits on
        # nothing, so on one vCPU a thread pool only adds two thread hand-offs per request
        # (queue + condition variable, then the trigger pipe back) and GIL contention.
        self.inline = inline
        self.ready: collections.deque = collections.deque()
        super().__init__(*args, **kw)

    def add_task(self, task: Any) -> None:
        if self.inline:
            self.ready.append(task)  # served by run() once the current poll is handled
        else:
            super().add_task(task)

    def pull_trigger(self) -> None:
        # A task pulls the trigger to wake the loop from a worker thread; inline, it is the
        # loop. (The stop sequence calls self.trigger.pull_trigger(thunk) directly.)
        if not self.inline:
            super().pull_trigger()

    def run(self) -> None:
        if not self.inline:
            super().run()
            return
        poll = wasyncore.poll2 if self.adj.asyncore_use_poll else wasyncore.poll
        timeout, ready = self.adj.asyncore_loop_timeout, self.ready
        try:
            while self._map:
                poll(0.0 if ready else timeout, self._map)
                while ready:
                    task = ready.popleft()
                    try:
                        task.service()
                    except Exception:
                        logging.getLogger("waitress").exception("Exception when servicing %r", task)
        except (SystemExit, KeyboardInterrupt):
            pass

    def channels(self) -> list[_Channel]:
        return [d for d in list(self._map.values()) if isinstance(d, _Channel)]

    # The methods below run on the event loop's thread, handed over through the trigger.

    def stop_accepting(self) -> None:
        if not self.accepting:
            return
        self.accepting = False
        # Take every connection the kernel already completed, then close the listener.
        while True:
            try:
                pair = self.accept()
            except OSError:
                break
            if pair is None:
                break
            conn, addr = pair
            self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
        self.del_channel()
        self.socket.close()

    def close_idle(self) -> None:
        for channel in self.channels():
            if channel.idle():
                channel.will_close = True

    def close_all(self) -> None:
        for channel in self.channels():
            channel.will_close = True
            channel.handle_close()

    def finish(self) -> None:
        self.trigger.close()


def build_server(app: Any, settings: Settings, lifecycle: Lifecycle, write_log) -> _Server:
    adj = Adjustments(
        host=settings.host,
        port=settings.port,
        threads=max(1, settings.threads),
        ident="http-scale-out",
        max_request_header_size=settings.max_request_header_bytes,
        max_request_body_size=settings.max_request_body_bytes,
        # The ALB keeps connections open for 60 s; a backend that closes idle ones sooner races
        # it and turns the race into 502s. Waitress's 120 s is safely longer.
        channel_timeout=120,
        connection_limit=1000,
        asyncore_use_poll=True,  # select() breaks past 1024 descriptors
        # Waitress's default strips X-Forwarded-* and Forwarded unless `trusted_proxy` is set,
        # before the app runs: ProxyFix (APP_PROXY_HOPS) would never see the ALB's headers and
        # every log line would name the ALB. ProxyFix decides what to trust; with 0 hops
        # nothing reads those headers.
        clear_untrusted_proxy_headers=False,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(settings.threads)
    return _Server(
        app,
        map={},
        dispatcher=dispatcher,
        adj=adj,
        sockinfo=adj.listen[0],
        lifecycle=lifecycle,
        access_log=settings.access_log,
        write_log=write_log,
        inline=settings.threads == 0,
    )


class GracefulStop:
    """Runs the stop sequence in the module docstring on its own thread."""

    def __init__(self, server: _Server, settings: Settings, emit) -> None:
        self.server = server
        self.settings = settings
        self.emit = emit
        self.started = threading.Event()
        self.cut_requests = 0
        self.forced = False

    def begin(self, signum: int, _frame: Any = None) -> None:
        if self.started.is_set():
            if signum == signal.SIGINT:
                self.emit(event="stop", phase="forced", signal=signal.Signals(signum).name)
                self.forced = True
                raise SystemExit(130)  # waitress's loop catches it and returns
            return
        self.started.set()
        threading.Thread(
            target=self._run, args=(signum,), name="graceful-stop", daemon=True
        ).start()

    def _run(self, signum: int) -> None:
        server, settings = self.server, self.settings
        deadline = time.monotonic() + settings.shutdown_grace_seconds
        server.lifecycle.start_draining()
        self.emit(
            event="stop",
            phase="draining",
            signal=signal.Signals(signum).name,
            drain_seconds=settings.drain_seconds,
            grace_seconds=settings.shutdown_grace_seconds,
        )
        time.sleep(max(0.0, min(settings.drain_seconds, deadline - time.monotonic())))
        server.trigger.pull_trigger(server.stop_accepting)
        self.emit(event="stop", phase="closed_listener")
        while time.monotonic() < deadline:
            server.trigger.pull_trigger(server.close_idle)
            time.sleep(_POLL)
            if not server.channels() and not server.task_dispatcher.queue and not server.ready:
                break
        else:
            busy = [c for c in server.channels() if c.requests]
            self.cut_requests = sum(len(c.requests) for c in busy)
            self.emit(
                event="stop",
                phase="grace_expired",
                open_connections=len(server.channels()),
                requests_cut=self.cut_requests,
            )
            server.trigger.pull_trigger(server.close_all)
            time.sleep(_POLL)
        server.trigger.pull_trigger(server.finish)


def serve(app: Any, settings: Settings, lifecycle: Lifecycle, write_log) -> int:
    """Serve until stopped by a signal; return the process exit code."""
    logging.getLogger("waitress").setLevel(logging.WARNING)
    # Waitress warns "Task queue depth is N" for every request queued behind busy threads:
    # normal at saturation, one stderr line per request, and CPU taken from serving.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    def emit(**fields: Any) -> None:
        write_log(log_line(ts=round(time.time(), 3), **fields))

    server = build_server(app, settings, lifecycle, write_log)
    stop = GracefulStop(server, settings, emit)
    signal.signal(signal.SIGTERM, stop.begin)
    signal.signal(signal.SIGINT, stop.begin)
    emit(
        event="listening",
        host=server.effective_host,
        port=int(server.effective_port),
        threads=settings.threads,
    )
    server.run()  # returns once the stop sequence has emptied the socket map
    server.task_dispatcher.shutdown(timeout=1)
    code = 130 if stop.forced else 1 if stop.cut_requests else 0
    emit(event="stop", phase="exited", exit_code=code)
    return code
