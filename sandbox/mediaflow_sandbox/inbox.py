"""A local endpoint to aim n8n and Make callbacks at when no mediaflow API is running."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

POLL_SECONDS = 0.05
CALLBACK_WAIT_SECONDS = 60
"""Generous: the sandbox renders real media files first, slowly on a busy machine."""


@dataclass(frozen=True)
class ReceivedCallback:
    headers: dict[str, str]
    body: bytes


class CallbackInbox:
    """Records every POST it gets and answers 204, or the statuses queued with `answer_with`."""

    def __init__(self) -> None:
        self._received: queue.Queue[ReceivedCallback] = queue.Queue()
        self._statuses: queue.Queue[int] = queue.Queue()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}/callbacks"

    def __enter__(self) -> CallbackInbox:
        threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), daemon=True
        ).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_with(self, *statuses: int) -> None:
        """Answer the next callbacks with these statuses, then 204 again."""
        for status in statuses:
            self._statuses.put(status)

    def next(self, timeout: float = CALLBACK_WAIT_SECONDS) -> ReceivedCallback:
        return self._received.get(timeout=timeout)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                inbox._received.put(ReceivedCallback(headers, body))
                try:
                    status = inbox._statuses.get_nowait()
                except queue.Empty:
                    status = 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the inbox is read through `next`."""

        return Handler
