"""The simulated engine's HTTP face: the Engine API on a unix socket, served as dockerd serves it.

Connections. One thread per connection, started by an accept loop on a listening socket with a
backlog of BACKLOG: a burst of clients waits in the kernel's queue (dockerd answers 200 network
creates sent at once; so does this). A connection kept alive between requests, or one that sends
its request slowly, occupies only its own thread and blocks nobody. A request that has started
but then stalls for STALL_TIMEOUT seconds is dropped (the connection closes).

Requests. HTTP/1.1 (and 1.0), parsed here with the limits and answers of Go's net/http, which
dockerd is built on: a request head over MAX_HEADER_BYTES answers 431; a malformed request line,
header or length 400; an HTTP/1.1 request without Host 400; a transfer coding other than chunked
501; each in Go's plain-text form, then the connection closes. A body over MAX_BODY_BYTES (a
bound of the simulator's own: dockerd has none) answers 413. `Expect: 100-continue` is answered
before the body is read. Whatever parses goes to the router (api/router.py), which answers in JSON
and takes the world's lock for the time of one route: parsing, encoding and the sockets' traffic
run concurrently; long polls (wait, attach) wait on the world's condition, which frees the lock.

Streams: the upgrade path. A route may answer with `Reply.stream` instead of a body:
- `Reply(101, stream=f)` is what `POST /exec/{id}/start` and `POST /containers/{id}/attach` get
  when the client asks to upgrade (`Connection: Upgrade`, as docker-py and the CLI do): the headers
  `101 UPGRADED` with the raw-stream content type go out first; then, when `wants_stdin`, what the
  client sends until it closes its side is read (stdin); then `f(stdin)` runs and its bytes (the
  multiplexed frames, or the raw TTY stream) are written; the write side is shut and the connection
  closes, as the engine closes a hijacked connection when the process ends. Without the upgrade
  the same bytes come as a 200 body.
- `Reply(200, stream=f, chunked=True)` (wait, stats): the headers now, then what `f(b"")` gives,
  one chunk or an iterable of chunks (each sent as it comes), then the end of the body.
- `Reply(101, session=f)` (exec start, attach: the process model): the connection is hijacked as
  the engine hijacks it: `101 UPGRADED` (or, without the upgrade, `200 OK` with the raw-stream
  type), then `f(channel)` owns the connection (a Channel: write the output as it comes, read the
  client's input, tell whether the client is gone) until the process ends or the client detaches;
  then the connection closes.

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
import select
import socket
import struct
import sys
import termios
import threading
import time
import traceback
from dataclasses import dataclass, field

from .api import Engine
from .api.router import API_VERSION, SERVER_HEADER, Reply

SIOCOUTQ = getattr(termios, "TIOCOUTQ", 0x5411)

BACKLOG = 1024                       # connections waiting to be accepted (the kernel caps it)
MAX_HEADER_BYTES = (1 << 20) + 4096  # Go's http.DefaultMaxHeaderBytes and the slack it allows
MAX_BODY_BYTES = 64 << 20            # the simulator's own bound on a request body
STALL_TIMEOUT = 30.0                 # seconds a request may stall once it has started
DRAIN_TIMEOUT = 1.0                  # reading what a refused client still sends, before closing

# Go's net/http answers a request it cannot read with plain text, then closes the connection.
GO_ERROR_HEADERS = b"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"


def go_plain_error(status: int, reason: str, text: str = "") -> bytes:
    """Go's answer to an unreadable request: `400 Bad Request`, or with a reason
    `400 Bad Request: missing required Host header`, as status line and body alike."""
    line = f"{status} {reason}" + (f": {text}" if text else "")
    return b"HTTP/1.1 " + line.encode() + GO_ERROR_HEADERS + line.encode()


class BadRequest(Exception):
    """A request that cannot be read: answered with `answer` (bytes), then the connection closes."""

    def __init__(self, answer: bytes):
        super().__init__(answer[:60])
        self.answer = answer


MALFORMED = go_plain_error(400, "Bad Request")
HEAD_TOO_LARGE = go_plain_error(431, "Request Header Fields Too Large")
NO_HOST = go_plain_error(400, "Bad Request", "missing required Host header")
BAD_VERSION = go_plain_error(505, "HTTP Version Not Supported", "unsupported protocol version")
UNSUPPORTED_TE = b"HTTP/1.1 501 Not Implemented" + GO_ERROR_HEADERS + b"Unsupported transfer encoding"
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 406: "Not Acceptable", 409: "Conflict",
           413: "Request Entity Too Large", 500: "Internal Server Error", 501: "Not Implemented",
           503: "Service Unavailable"}


@dataclass
class Request:
    method: str
    target: str                      # as sent: path and query
    version: str                     # "HTTP/1.1" or "HTTP/1.0"
    headers: dict[str, str] = field(default_factory=dict)   # lower-case names
    body: bytes = b""

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in self.headers.get("connection", "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    @property
    def upgrade(self) -> bool:
        return "upgrade" in self.headers.get("connection", "").lower()


def unread_bytes(sock: socket.socket) -> int | None:
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), SIOCOUTQ, b"\0\0\0\0"))[0]
    except OSError:
        return None


HEADERS_READ_LIMIT = 20.0   # seconds a client may take to read the headers before the frames follow


def wait_until_read(sock: socket.socket, limit: float = HEADERS_READ_LIMIT) -> None:
    """Return once the peer has read everything sent so far (or after a short pause where the
    platform cannot tell). The limit is long: a client that a loaded machine has not given the
    CPU for seconds still gets the headers alone (an exec's empty output, seen once in a full
    conformance run on a busy machine, is what came of 2 s, if the headers were read late)."""
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


# -- reading a request ------------------------------------------------------------------------------
def read_head(rfile) -> tuple[bytes, list[bytes]] | None:
    """The request line and header lines (None: the client closed between requests)."""
    line = rfile.readline(MAX_HEADER_BYTES + 1)
    while line in (b"\r\n", b"\n"):       # stray line ends between requests, tolerated like Go
        line = rfile.readline(MAX_HEADER_BYTES + 1)
    if not line:
        return None
    size = len(line)
    lines = []
    while True:
        if size > MAX_HEADER_BYTES:
            raise BadRequest(HEAD_TOO_LARGE)
        if not line.endswith(b"\n"):       # the client closed (or the line has no end)
            raise BadRequest(MALFORMED)
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return lines[0], lines[1:-1]
        line = rfile.readline(MAX_HEADER_BYTES + 1 - size)
        size += len(line)


def parse_head(first: bytes, header_lines: list[bytes]) -> Request:
    parts = first.rstrip(b"\r\n").split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1] or not set(parts[0]) <= TOKEN:
        raise BadRequest(MALFORMED)
    method, target, version = (p.decode("latin-1") for p in parts)
    if not (version.startswith("HTTP/") and version[5:6].isdigit()):
        raise BadRequest(MALFORMED)
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest(BAD_VERSION)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(b":")
        if not sep or not name or not set(name) <= TOKEN:
            raise BadRequest(MALFORMED)
        key = name.decode("latin-1").lower()
        value = value.strip().decode("latin-1")
        headers[key] = headers[key] + ", " + value if key in headers and key != "content-length" else value
    if version == "HTTP/1.1" and "host" not in headers:
        raise BadRequest(NO_HOST)
    return Request(method, target, version, headers)


def body_length(request: Request) -> int | None:
    """The declared body length; None for a chunked body."""
    coding = request.headers.get("transfer-encoding", "").strip().lower()
    if coding:
        if coding != "chunked":
            raise BadRequest(UNSUPPORTED_TE)
        return None
    raw = request.headers.get("content-length", "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise BadRequest(MALFORMED)
    return int(raw)


class BodyTooLarge(Exception):
    pass


def read_chunked(rfile) -> bytes:
    parts, total = [], 0
    while True:
        size_line = rfile.readline(4096)
        if not size_line.endswith(b"\n"):
            raise BadRequest(MALFORMED)
        digits = size_line.split(b";", 1)[0].strip()
        if not digits or not set(digits) <= HEX_DIGITS:
            raise BadRequest(MALFORMED)
        size = int(digits, 16)
        if size == 0:
            while rfile.readline(MAX_HEADER_BYTES) not in (b"\r\n", b"\n", b""):   # trailers
                pass
            return b"".join(parts)
        total += size
        if total > MAX_BODY_BYTES:
            raise BodyTooLarge
        data = rfile.read(size)
        if len(data) < size:
            raise BadRequest(MALFORMED)
        parts.append(data)
        rfile.readline(4096)


# -- one connection ----------------------------------------------------------------------------------
class Connection:
    """One client connection: requests read and answered in turn until either side closes."""

    def __init__(self, server: "SimServer", sock: socket.socket):
        self.server = server
        self.engine = server.engine
        self.sock = sock
        self.rfile = sock.makefile("rb", buffering=65536)

    def serve(self) -> None:
        try:
            while self.serve_one():
                pass
        except (OSError, ValueError):   # the client went away, stalled, or the server closed
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.server.connections.discard(self)
        try:
            self.rfile.close()
            self.sock.close()
        except OSError:
            pass

    def serve_one(self) -> bool:
        """Read one request and answer it; False when the connection is to close."""
        self.sock.settimeout(None)
        if not self.rfile.peek(1):          # idle until the next request: no time limit
            return False
        self.sock.settimeout(STALL_TIMEOUT)  # once started, a request may not stall
        try:
            head = read_head(self.rfile)
            if head is None:
                return False
            request = parse_head(*head)
            length = body_length(request)
            if length is not None and length > MAX_BODY_BYTES:
                raise BodyTooLarge
            if request.headers.get("expect", "").lower() == "100-continue":
                self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if length is None:
                request.body = read_chunked(self.rfile)
            elif length:
                request.body = self.rfile.read(length)
                if len(request.body) < length:     # the client closed early: Go's handler reads
                    request.headers["connection"] = "close"   # what came, and answers that
        except BadRequest as e:
            self.refuse(e.answer)
            return False
        except BodyTooLarge:
            self.refuse(self.encode(request, Reply(413, {"message": "http: request body too large"}),
                                    closing=True))
            return False
        self.sock.settimeout(None)
        return self.answer(request)

    def refuse(self, answer: bytes) -> None:
        """Answer, then read (and drop) what the client still sends for a moment, so that it
        reads the answer instead of a reset, and close."""
        self.sock.sendall(answer)
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.sock.settimeout(DRAIN_TIMEOUT)
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while time.monotonic() < deadline and self.sock.recv(65536):
                pass
        except OSError:
            pass

    def answer(self, request: Request) -> bool:
        path, _, query = request.target.partition("?")
        try:
            reply = self.engine.handle(request.method, path, query, request.body, request.headers)
        except Exception as e:  # a bug in the simulator: answer like an engine would, and log it
            traceback.print_exc()
            reply = Reply(500, {"message": f"labkit simulated engine: internal error: {type(e).__name__}: {e}"})
        keep = request.keep_alive
        if reply.session is not None or (reply.stream is not None and not reply.chunked):
            return self.send_upgraded(request, reply) and keep
        if reply.stream is not None:
            ctype = reply.headers.get("Content-Type", "application/json")
            self.sock.sendall(self.head(request, reply, ctype, chunked=True, closing=not keep))
            data = reply.stream(b"")
            for chunk in [data] if isinstance(data, bytes) else data:   # one answer, or a stream of them
                if chunk:
                    self.sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.sock.sendall(b"0\r\n\r\n")
            return keep
        self.sock.sendall(self.encode(request, reply, closing=not keep))
        return keep

    # -- writing ------------------------------------------------------------------------------------
    def head(self, request: Request, reply: Reply, ctype: str | None, length: int | None = None,
             chunked: bool = False, closing: bool = False, reason: str = "") -> bytes:
        """The status line and headers, as dockerd writes them."""
        status = reply.status
        lines = [f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Unknown')}",
                 f"Api-Version: {API_VERSION}", "Docker-Experimental: false", "Ostype: linux",
                 f"Server: {SERVER_HEADER}"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        lines += [f"{k}: {v}" for k, v in reply.headers.items() if k != "Content-Type"]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        if closing and status != 101:
            lines.append("Connection: close")
        elif request.version == "HTTP/1.0" and status != 101:
            lines.append("Connection: keep-alive")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def encode(self, request: Request, reply: Reply, closing: bool = False) -> bytes:
        body = reply.body
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif body is None:
            data = b""
        else:
            data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        if reply.status in (204, 304):
            return self.head(request, reply, None, closing=closing)
        ctype = reply.headers.get("Content-Type", "application/json")
        head = self.head(request, reply, ctype, len(data), closing=closing)
        return head if request.method == "HEAD" else head + data

    def send_upgraded(self, request: Request, reply: Reply) -> bool:
        """The upgrade path (see the module's docstring); True when the connection stays open."""
        if reply.session is not None:
            if request.upgrade:
                head = self.head(request, Reply(101, headers={"Connection": "Upgrade", "Upgrade": "tcp"}),
                                 "application/vnd.docker.raw-stream", reason="UPGRADED")
            else:
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n")
            self.sock.sendall(head)
            try:
                reply.session(Channel(self.sock, self.rfile))
            finally:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return False
        if not request.upgrade:
            frames = reply.stream(b"")
            raw = Reply(200, frames, {"Content-Type": "application/vnd.docker.raw-stream"})
            self.sock.sendall(self.encode(request, raw, closing=not request.keep_alive))
            return True
        upgraded = Reply(101, headers={"Connection": "Upgrade", "Upgrade": "tcp"})
        self.sock.sendall(self.head(request, upgraded, "application/vnd.docker.raw-stream", reason="UPGRADED"))
        stdin = self.read_stdin() if reply.wants_stdin else b""
        frames = reply.stream(stdin)
        wait_until_read(self.sock)
        if frames:
            self.sock.sendall(frames)
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return False

    def read_stdin(self, limit: float = 5.0) -> bytes:
        """What the client sends on the upgraded connection until it closes its side (docker
        exec -i closes its write half at the end of its input)."""
        self.sock.settimeout(limit)
        parts = []
        try:
            while True:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                parts.append(chunk)
        except (TimeoutError, OSError):
            pass
        finally:
            self.sock.settimeout(None)
        return b"".join(parts)


class Channel:
    """A hijacked connection, as a session (api/streams.py) uses it."""

    def __init__(self, sock: socket.socket, rfile):
        self.sock = sock
        self.rfile = rfile
        self.headers_read = False

    def write(self, data: bytes) -> bool:
        """Send output; False when the client is gone. The first output waits until the client
        has read the headers (see the module's docstring)."""
        if not self.headers_read:
            wait_until_read(self.sock)
            self.headers_read = True
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def read(self) -> bytes:
        """The client's next input; b"" once it closed its side (or went away)."""
        try:
            return self.rfile.read1(65536)
        except (OSError, ValueError):
            return b""

    def gone(self) -> bool:
        """The client closed the connection (not only its writing side)."""
        try:
            p = select.poll()
            p.register(self.sock.fileno(), select.POLLHUP | select.POLLERR)
            return any(ev & (select.POLLHUP | select.POLLERR) for _, ev in p.poll(0))
        except (OSError, ValueError):
            return True


# -- the server --------------------------------------------------------------------------------------
class SimServer:
    """One simulated engine served on one unix socket: an accept loop in a background thread,
    one thread per connection."""

    def __init__(self, engine: Engine, path: str, own_folder: bool = False):
        self.engine = engine
        self.path = path
        self.own_folder = own_folder  # made for this server: removed with it
        self.connections: set[Connection] = set()   # open client connections (keep-alive)
        if os.path.exists(path):
            os.unlink(path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        os.chmod(path, 0o660)
        self.listener.listen(BACKLOG)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.accept_loop, name=f"labkit-sim {path}", daemon=True)

    @property
    def url(self) -> str:
        return "unix://" + self.path

    @property
    def closed(self) -> bool:
        """True once close() was called: the socket no longer accepts (serve it again with a new
        SimServer over the same engine)."""
        return self.stopping.is_set()

    def start(self) -> "SimServer":
        self.thread.start()
        return self

    def accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError as e:
                if self.stopping.is_set():
                    return
                print(f"labkit sim: accept on {self.path} failed: {e}; retrying", file=sys.stderr)
                time.sleep(0.05)   # out of file descriptors, say: the backlog holds the clients
                continue
            conn = Connection(self, sock)
            self.connections.add(conn)
            threading.Thread(target=conn.serve, name="labkit-sim connection", daemon=True).start()

    def close(self) -> None:
        self.stopping.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accept loop
        except OSError:
            pass
        self.listener.close()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(2)
        # A stopped engine answers nobody: close the clients' kept-alive connections too.
        for conn in list(self.connections):
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
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
