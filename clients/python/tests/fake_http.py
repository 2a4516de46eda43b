"""Scriptable HTTP servers on 127.0.0.1 for the client's tests: a token service whose answers a
test chooses (problems, delays, held answers), and an ArcGIS-like service that checks tokens."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional


@dataclass
class Received:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)
    content_type: Optional[str] = None
    delay: float = 0.0


class FakeServer:
    """Answers each request with ``respond(received)``. ``hold()`` keeps every answer back until
    ``release()``, so a test can have callers pile up behind one request in flight."""

    def __init__(self, respond: Callable[[Received], Reply]) -> None:
        self.respond = respond
        self.requests: List[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._gate = threading.Event()
        self._gate.set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urllib.parse.urlsplit(self.path)
                received = Received(
                    method="GET",
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with server._arrived:
                    server.requests.append(received)
                    server._arrived.notify_all()
                server._gate.wait(30)
                reply = server.respond(received)
                if reply.delay:
                    time.sleep(reply.delay)
                if isinstance(reply.body, (dict, list)):
                    data = json.dumps(reply.body).encode()
                    content_type = reply.content_type or ("application/json" if reply.status == 200 else "application/problem+json")
                elif isinstance(reply.body, str):
                    data = reply.body.encode()
                    content_type = reply.content_type or "text/html"
                else:
                    data = reply.body or b""
                    content_type = reply.content_type or "application/octet-stream"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests carry tokens: never print them

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def hold(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} request(s), got {len(self.requests)}")

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def token_body(n: int, expires: int, **overrides: Any) -> Dict[str, Any]:
    """The service's 200 answer, with token fake-token-N expiring at ``expires`` (ms since 1970)."""
    body: Dict[str, Any] = {
        "token": f"fake-token-{n}",
        "expires": expires,
        "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires / 1000)) + ".000Z",
        "ssl": True,
        "target": "default",
        "client": "referer",
        "referer": "https://apps.example.com",
        "usage": {"header": "X-Esri-Authorization", "scheme": "Bearer", "parameter": "token", "refererHeader": "https://apps.example.com", "httpsOnly": True},
        "source": "cache",
        "stale": False,
    }
    body.update(overrides)
    return body


class TokenService(FakeServer):
    """A token service that issues fake-token-1, -2, … valid for ``lifetime`` seconds from
    ``now()``, unless ``next_replies`` holds scripted replies (taken first, in order)."""

    def __init__(self, now: Callable[[], float] = time.time, lifetime: float = 3600.0, **overrides: Any) -> None:
        self.issued = 0
        self.lifetime = lifetime
        self.now = now
        self.overrides = overrides
        self.next_replies: List[Reply] = []
        super().__init__(self._answer)

    def _answer(self, received: Received) -> Reply:
        with self._lock:
            if self.next_replies:
                return self.next_replies.pop(0)
            self.issued += 1
            n = self.issued
        target = received.path.rsplit("/", 1)[-1] if not received.path.endswith("/token") else "default"
        return Reply(200, token_body(n, int((self.now() + self.lifetime) * 1000), target=target, **self.overrides))

    @property
    def stage_url(self) -> str:
        return self.url + "/v1"
