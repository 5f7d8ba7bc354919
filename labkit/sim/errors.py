"""The engine's errors: an HTTP status and the engine's own message.

The simulated engine raises these; the API layer turns them into `{"message": ...}` answers with
the status the real engine uses, and docker-py then raises its own NotFound/APIError from them,
exactly as it does against the real engine.
"""


class EngineError(Exception):
    status = 500

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class InvalidParameter(EngineError):
    status = 400


class Forbidden(EngineError):
    status = 403


class NotFound(EngineError):
    status = 404


class Conflict(EngineError):
    status = 409


class NotImplementedError_(EngineError):
    status = 501


class Unavailable(EngineError):
    status = 503


class NotModified(EngineError):
    """Starting a running container, stopping a stopped one: HTTP 304, no body."""
    status = 304

    def __init__(self):
        super().__init__("")


class ExecNotFound(EngineError):
    """The program a container is started with is not in its image (the runtime's text)."""
    status = 400

    def __init__(self, message: str, code: int = 127):
        super().__init__(message)
        self.code = code   # the exit code the engine records: 127 not found, 126 cannot run
