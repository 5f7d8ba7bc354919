"""When the engine stops answering, and when it answers again.

Every verb that talks to the engine is a `step`: when the engine does not answer, it raises
`EngineUnavailable` (a LabkitError) saying which engine does not answer and which step was not
done (its CLI line when there is one), instead of a connection error from deep inside requests.
The next step tries again: once an engine answers at the same address the lab goes on (a notice
says so); when it is another engine (a new ID: a private engine made afresh, a restarted `labkit
sim serve`), the lab forgets what it knew of the old one. This process's own simulator
(`Lab("sim")`) is started again by the next step if it was closed.
"""
from __future__ import annotations

import functools

import requests.exceptions

from ..errors import EngineUnavailable

# What a call raises when the engine does not answer: requests' errors for a connection refused,
# a socket gone, a timeout or a broken answer, or the socket's own when an exec's stream breaks.
# (Not RequestException as a whole: docker-py's APIError is one, and it is the engine answering.)
ENGINE_DOWN = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
               requests.exceptions.ChunkedEncodingError, ConnectionError, TimeoutError)


def step(doing: str, leftovers: bool = True):
    """A verb that talks to the engine. Before it: reconnect after an outage, learn the engine's
    identity, remove leftovers if that is still to do. When the engine does not answer: an
    EngineUnavailable naming the engine and what was not done (the CLI line, when there is one)."""
    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if self._depth:
                return method(self, *args, **kwargs)
            self._depth += 1
            before = self.last_command
            try:
                self._before(doing, leftovers)
                return method(self, *args, **kwargs)
            except ENGINE_DOWN as e:
                self._outage = True
                line = self.last_command
                raise self._unavailable(e, f"`{line}`" if line and line != before else doing) from None
            finally:
                self._depth -= 1
        return call
    return wrap


def why_down(e: BaseException) -> str:
    """What a connection error says of the engine, in a learner's words."""
    text = str(e)
    if isinstance(e, (requests.exceptions.Timeout, TimeoutError)) or "timed out" in text.lower():
        return "it did not answer in time"
    if "No such file" in text or "FileNotFound" in text:
        return "its socket is gone"
    if "refused" in text.lower():
        return "the connection was refused"
    return "the connection broke"


class Outages:
    """The Lab's part that notices an engine gone and back (see the module's docstring)."""

    def _unavailable(self, e: BaseException, doing: str) -> EngineUnavailable:
        return EngineUnavailable(
            f"the Docker engine at {self.address} does not answer ({why_down(e)}): {doing} was not done. "
            "Is it stopped? Start it again, then repeat this step: the lab reconnects by itself.")

    def _reconnect(self, doing: str) -> None:
        """After an outage: is an engine back at the lab's address, and is it the same one?"""
        timeout = self.api.timeout
        self.api.timeout = min(5, timeout or 5)   # a quick look: the step itself waits the full time
        try:
            info = self.api.info()
        except ENGINE_DOWN as e:
            raise self._unavailable(e, doing) from None
        finally:
            self.api.timeout = timeout
        self._outage = False
        before = self._host
        if before is not None and info.get("ID") == before.id:
            self._notice(f"the engine at {self.address} answers again")
            return
        # Another engine (or one the lab had not looked at): what it knew of containers is void.
        self._memory.forget()
        self._host = None
        self._notice(f"the engine at {self.address} answers again" + (
            f", but it is another engine (ID {str(info.get('ID'))[:12]}): what this lab made on "
            "the one before is not on it" if before is not None else ""))

    def _before(self, doing: str, leftovers: bool = True) -> None:
        if self.engine.closed:
            self.engine.start()      # the same simulated engine, served again at its socket
            self._notice("labkit's simulated engine had been stopped: it runs again, with all it held")
        if self._outage:
            try:
                self._reconnect(doing)
            except EngineUnavailable:
                return                # the step tries itself: its error says what was not done
        if self._host is None:
            self.host()
        if leftovers and self._leftovers_pending:
            self._remove_leftovers()
