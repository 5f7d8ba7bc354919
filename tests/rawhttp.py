"""HTTP at the byte level on an engine's unix socket, for tests that send what no client library
would (garbage, half requests, mistyped bodies) and read exactly what comes back.

    answer = exchange(path, request("POST", "/v1.41/networks/create", b'{"Name": 5}'))
    answer.status, answer.message
"""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass


def request(method: str, path: str, body: bytes | None = None, content_type: str | None = "application/json",
            headers: dict | None = None, version: str = "HTTP/1.1") -> bytes:
    """One request as bytes: Host and Connection: close, a Content-Type and Content-Length when
    there is a body."""
    lines = [f"{method} {path} {version}", "Host: docker", "Connection: close"]
    if content_type is not None and body is not None:
        lines.append(f"Content-Type: {content_type}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None and "Transfer-Encoding" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(body: bytes, size: int = 7) -> bytes:
    """A body in chunked transfer coding, `size` bytes a chunk."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


@dataclass
class Answer:
    raw: bytes
    timed_out: bool = False

    @property
    def head(self) -> bytes:
        return self.raw.partition(b"\r\n\r\n")[0]

    @property
    def status(self) -> int | None:
        parts = self.head.split(b"\r\n", 1)[0].split(b" ")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    @property
    def headers(self) -> dict[str, str]:
        out = {}
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            out[name.strip().lower()] = value.strip()
        return out

    @property
    def body(self) -> bytes:
        head, sep, rest = self.raw.partition(b"\r\n\r\n")
        if not sep:
            return b""
        if self.headers.get("transfer-encoding") == "chunked":
            out = b""
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0] or b"0", 16)
                if not size:
                    break
                out, rest = out + rest[:size], rest[size + 2:]
            return out
        return rest

    @property
    def message(self) -> str:
        """The error text: the JSON message, or the plain-text body."""
        try:
            return json.loads(self.body)["message"]
        except (ValueError, KeyError, TypeError):
            return self.body.decode("utf-8", "replace").rstrip("\n")


def exchange(path: str, data: bytes, timeout: float = 10, shut: bool = True) -> Answer:
    """Send `data` on a new connection (then close the write side when `shut`), and read until the
    engine closes or `timeout` passes."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the engine answered and closed before reading it all
        raw = b""
        try:
            while chunk := s.recv(65536):
                raw += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            return Answer(raw, timed_out=True)
    return Answer(raw)
