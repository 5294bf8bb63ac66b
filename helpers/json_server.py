"""A small JSON web service on 127.0.0.1, run in its own process, standing in for the source's remote APIs.

GET /company/<name>?latency=0.2&fail=500 answers after ``latency`` seconds (the server's default if
not given) with a JSON record for the company, or with the HTTP status ``fail``. GET /health answers
at once. The server handles requests in threads, so slow requests overlap as on a real service.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from helpers.validation import require_number

MAX_LATENCY = 30.0


def company_record(name: str) -> dict[str, Any]:
    """The JSON body the service returns for a company: deterministic, derived from the name."""
    code = zlib.crc32(name.encode())
    return {
        "company": name,
        "rating": "ABCDE"[code % 5],
        "employees": 10 + code % 9_990,
        "filings": [(code >> shift) % 97 for shift in range(0, 24, 3)],
    }


class _Handler(BaseHTTPRequestHandler):
    """Answers /health and /company/<name>."""

    server_version = "CourseJSON/1.0"
    default_latency = 0.0

    def log_message(self, *_: Any) -> None:  # keep the notebook quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 (the http.server API's name)
        url = urlparse(self.path)
        if url.path == "/health":
            self._send(200, {"status": "ok", "pid": os.getpid()})
            return
        if not url.path.startswith("/company/"):
            self._send(404, {"error": f"no such endpoint {url.path}"})
            return
        query = parse_qs(url.query)
        try:
            latency = float(query.get("latency", [self.default_latency])[0])
            fail = int(query.get("fail", ["0"])[0])
        except ValueError:
            self._send(400, {"error": "latency must be a number of seconds and fail an HTTP status"})
            return
        time.sleep(min(max(latency, 0.0), MAX_LATENCY))
        if fail:
            self._send(fail, {"error": f"failing on purpose with {fail}"})
            return
        self._send(200, {**company_record(unquote(url.path[len("/company/"):])), "served_by": os.getpid()})


def _serve(port_sender: Any, latency: float) -> None:
    """Child process: run the server until terminated; send the chosen port back first."""
    handler = type("Handler", (_Handler,), {"default_latency": latency})
    server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})  # many clients connect at once
    server = server_class(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    port_sender.send(server.server_address[1])
    port_sender.close()
    server.serve_forever()


class JsonServer:
    """The service in a child process: ``with JsonServer(latency=0.2) as server: server.url``."""

    def __init__(self, latency: float = 0.1) -> None:
        require_number("latency", latency)
        if latency > MAX_LATENCY:
            raise ValueError(f"latency must be ≤ {MAX_LATENCY} s, got {latency}")
        self.latency = latency
        self.process: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL, such as http://127.0.0.1:43211."""
        if not self.port:
            raise RuntimeError("the server is not running: call start() (or use it in a with block)")
        return f"http://127.0.0.1:{self.port}"

    def company_url(self, name: str, latency: float | None = None, fail: int = 0) -> str:
        """The URL of one company's record, optionally with its own latency and a failure status."""
        from urllib.parse import quote

        query = [f"latency={latency}"] if latency is not None else []
        query += [f"fail={fail}"] if fail else []
        return f"{self.url}/company/{quote(name)}" + ("?" + "&".join(query) if query else "")

    def start(self, timeout: float = 30.0) -> JsonServer:
        """Start the server process (always with spawn: it needs nothing from this process) and wait until it answers."""
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(sender, self.latency), daemon=True, name="JsonServer")
        self.process.start()
        sender.close()
        if not receiver.poll(timeout):
            self.stop()
            raise TimeoutError(f"the JSON server did not start within {timeout} s")
        self.port = receiver.recv()
        receiver.close()
        return self

    def stop(self) -> None:
        """Stop the server process."""
        if self.process is not None:
            self.process.terminate()
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            self.process = None
        self.port = 0

    def __enter__(self) -> JsonServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

