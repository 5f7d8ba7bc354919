"""The simulated engine's HTTP face: the Engine API on a unix socket, as dockerd serves it.

HTTP/1.1 with keep-alive (docker-py and the CLI reuse connections). `POST /exec/{id}/start` is
answered like the engine: `101 UPGRADED` with the raw-stream content type, then the multiplexed
frames on the same connection, which then closes.

The frames must not reach the client in the same read as the 101 headers: docker-py parses the
headers with a buffered reader and then reads the frames from the raw socket, so bytes already in
that buffer are lost. The engine never meets this because a process's output comes later than its
headers. Here the frames are held back until the client has read the headers, which Linux tells
exactly: SIOCOUTQ on a unix stream socket counts the bytes the peer has not read yet. Elsewhere
(no SIOCOUTQ) a short pause stands in.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import socketserver
import struct
import sys
import termios
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler

from .api import Engine
from .api.router import API_VERSION, SERVER_HEADER, Reply

SIOCOUTQ = getattr(termios, "TIOCOUTQ", 0x5411)


def unread_bytes(sock: socket.socket) -> int | None:
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), SIOCOUTQ, b"\0\0\0\0"))[0]
    except OSError:
        return None


def wait_until_read(sock: socket.socket, limit: float = 2.0) -> None:
    """Return once the peer has read everything sent so far (or after a short pause where the
    platform cannot tell)."""
    deadline = time.monotonic() + limit
    delay = 0.00002
    while True:
        left = unread_bytes(sock)
        if left is None:
            time.sleep(0.005)
            return
        if left == 0 or time.monotonic() > deadline:
            return
        time.sleep(delay)
        delay = min(delay * 2, 0.001)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine: Engine  # set on the per-server subclass

    def setup(self):
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self):
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, fmt, *args):  # quiet, like dockerd at its default level
        pass

    def address_string(self):
        return "unix"

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _handle(self):
        path, _, query = self.path.partition("?")
        body = self._body()
        try:
            reply = self.engine.handle(self.command, path, query, body)
        except Exception as e:  # a bug in the simulator: answer like an engine would, and log it
            traceback.print_exc()
            reply = Reply(500, {"message": f"labkit simulated engine: internal error: {type(e).__name__}: {e}"})
        if reply.chunked:
            self._send_chunked(reply)
        elif reply.stream:
            self._send_upgraded(reply)
        else:
            self._send(reply)

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _handle

    def _common_headers(self):
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Docker-Experimental", "false")
        self.send_header("Ostype", "linux")
        self.send_header("Server", SERVER_HEADER)

    def send_response(self, code, message=None):
        # Like dockerd: the status line and the engine's own headers (no Date, no Python banner).
        self.send_response_only(code, message)

    def _send(self, reply: Reply):
        body = reply.body
        ctype = reply.headers.get("Content-Type", "application/json")
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif body is None:
            data = b""
        else:
            data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        self.send_response(reply.status)
        self._common_headers()
        if self.command == "GET" and self.path.rstrip("/").endswith("/_ping"):
            self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.send_header("Pragma", "no-cache")
        if reply.status not in (204, 304):
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and reply.status not in (204, 304):
            self.wfile.write(data)

    def _send_chunked(self, reply: Reply):
        self.send_response(reply.status)
        self._common_headers()
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        data = reply.stream(b"")
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
        self.wfile.flush()

    def _send_upgraded(self, reply: Reply):
        upgrade = "upgrade" in self.headers.get("Connection", "").lower()
        if not upgrade:
            frames = reply.stream(b"")
            self.send_response(200)
            self._common_headers()
            self.send_header("Content-Type", "application/vnd.docker.raw-stream")
            self.send_header("Content-Length", str(len(frames)))
            self.end_headers()
            self.wfile.write(frames)
            return
        self.send_response(101, "UPGRADED")
        self.send_header("Content-Type", "application/vnd.docker.raw-stream")
        self.send_header("Connection", "Upgrade")
        self.send_header("Upgrade", "tcp")
        self.end_headers()
        self.wfile.flush()
        stdin = self._read_stdin() if reply.wants_stdin else b""
        frames = reply.stream(stdin)
        wait_until_read(self.connection)
        if frames:
            self.wfile.write(frames)
            self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _read_stdin(self, limit: float = 5.0) -> bytes:
        """What the client sends on the upgraded connection until it closes its side (docker
        exec -i closes its write half at the end of its input)."""
        self.connection.settimeout(limit)
        data = b""
        try:
            while True:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                data += chunk
        except (TimeoutError, OSError):
            pass
        finally:
            self.connection.settimeout(None)
        return data


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        self.connections: set[socket.socket] = set()  # open client connections (keep-alive)
        super().__init__(*args, **kwargs)

    def handle_error(self, request, client_address):
        # A client that hangs up early is no error of the engine's (dockerd logs nothing either).
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def get_request(self):
        request, _ = self.socket.accept()
        return request, "unix"


class SimServer:
    """One simulated engine served on one unix socket, in a background thread."""

    def __init__(self, engine: Engine, path: str, own_folder: bool = False):
        self.engine = engine
        self.path = path
        self.own_folder = own_folder  # made for this server: removed with it
        if os.path.exists(path):
            os.unlink(path)
        handler = type("EngineHandler", (Handler,), {"engine": engine})
        self.httpd = UnixServer(path, handler)
        os.chmod(path, 0o660)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       name=f"labkit-sim {path}", daemon=True)

    @property
    def url(self) -> str:
        return "unix://" + self.path

    @property
    def closed(self) -> bool:
        """True once close() was called: the socket no longer accepts (serve it again with a new
        SimServer over the same engine)."""
        return self.httpd.socket.fileno() < 0

    def start(self) -> "SimServer":
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        # A stopped engine answers nobody: close the clients' kept-alive connections too.
        for conn in list(self.httpd.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass
        if self.own_folder:
            try:
                os.rmdir(os.path.dirname(self.path))
            except OSError:
                pass
