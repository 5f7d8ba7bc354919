"""A class on one machine: what JupyterHub needs from labkit (class/jupyterhub_config.py uses it).

    ./run.sh class                                  # in a checkout: installs .[class], starts the hub
    cd CLASS && jupyterhub -f CHECKOUT/class/jupyterhub_config.py     # the same, by hand

The class's folder (LABKIT_CLASS_DIR, default ~/labkit-class) holds everything the hub makes:
homes/NAME for each learner, the hub's database, its cookie secret and the passwords file.

- `LearnerSpawner`: each learner's Jupyter server is a local process (JupyterHub's
  SimpleLocalProcessSpawner: no system accounts; everyone runs as the user who started the hub,
  so learners are not isolated from each other: a workshop, not an exam) whose home is
  homes/NAME. On its first start the course's notebooks are copied there (never over a learner's
  own copy); the instructor (an admin) also gets instructor.ipynb. Before the server, the
  learner's own simulated Docker engine starts (`labkit sim serve` on HOME/.labkit/engine.sock)
  and DOCKER_HOST points at it, so the learner's kernels, `!docker` cells and terminals share one
  engine, and no learner sees another's; it stops with the server.
- `passwords(folder)`: the learners' shared password and the instructor's, from
  LABKIT_CLASS_PASSWORD / LABKIT_CLASS_ADMIN_PASSWORD or made once and kept in the class's folder.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Unicode, default

from .errors import LabkitError

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COURSE = os.path.join(CHECKOUT, "notebooks")
INSTRUCTOR_NOTEBOOK = os.path.join(CHECKOUT, "class", "instructor.ipynb")
ENGINE_SOCKET = os.path.join(".labkit", "engine.sock")    # in the learner's home
ENGINE_START = 20.0     # seconds for a learner's engine to answer (60 start at once on 2 cores)
ENGINE_STOP = 5.0       # seconds after SIGTERM before SIGKILL
SOCKET_PATH_MAX = 107   # bytes in a unix socket's path (Linux)


class ClassError(LabkitError):
    """The class's hub cannot do what was asked (a learner's engine that does not start)."""


def default_folder() -> str:
    return os.path.abspath(os.environ.get("LABKIT_CLASS_DIR") or os.path.expanduser("~/labkit-class"))


def passwords(folder: str) -> tuple[str, str]:
    """(learners' password, instructor's password): from LABKIT_CLASS_PASSWORD and
    LABKIT_CLASS_ADMIN_PASSWORD, else made once and kept in FOLDER/passwords (mode 0600), so a
    restarted hub keeps them. JupyterHub asks for 8 characters at least, 32 for the instructor."""
    path = os.path.join(folder, "passwords")
    kept = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            kept = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    learner = os.environ.get("LABKIT_CLASS_PASSWORD") or kept.get("learners") or secrets.token_urlsafe(6)
    admin = os.environ.get("LABKIT_CLASS_ADMIN_PASSWORD") or kept.get("instructor") or secrets.token_urlsafe(24)
    if len(learner) < 8:
        raise ClassError(f"LABKIT_CLASS_PASSWORD has {len(learner)} characters: JupyterHub asks for 8 at least")
    if len(admin) < 32:
        raise ClassError(f"LABKIT_CLASS_ADMIN_PASSWORD has {len(admin)} characters: JupyterHub asks for 32 at least")
    if kept != {"learners": learner, "instructor": admin}:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"learners={learner}\ninstructor={admin}\n")
    return learner, admin


def engine_answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        try:
            s.connect(path)
        except OSError:
            return False
        s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        try:
            return s.recv(64).startswith(b"HTTP/1.")
        except OSError:
            return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LearnerSpawner(SimpleLocalProcessSpawner):
    """A learner's Jupyter server as a local process, with the course's notebooks in its home and
    its own simulated Docker engine (see the module's docstring)."""

    homes = Unicode(os.path.join(default_folder(), "homes"), config=True,
                    help="The folder of the learners' homes (HOMES/NAME)")
    course = Unicode(COURSE, config=True, help="The folder of the notebooks each learner gets a copy of")
    instructor_notebook = Unicode(INSTRUCTOR_NOTEBOOK, config=True,
                                  help="The notebook admins get beside the course: the class's grade sheet")
    engine = Unicode("sim", config=True,
                     help='"sim": each learner gets a simulated engine of their own (labkit sim serve); '
                          '"none": no engine is started (DOCKER_HOST as the hub has it)')

    engine_pid = 0
    _engine_proc: subprocess.Popen | None = None
    _starting = False

    @default("home_dir")
    def _home_in_homes(self):   # homes/NAME, in place of SimpleLocalProcessSpawner's template
        return os.path.join(self.homes, self.user.name)

    @property
    def engine_socket(self) -> str:
        return os.path.join(self.home_dir, ENGINE_SOCKET)

    # -- JupyterHub's spawner interface ---------------------------------------------------------------
    async def start(self):
        os.makedirs(self.home_dir, mode=0o755, exist_ok=True)
        self.copy_course()
        if self.user.admin and os.path.isfile(self.instructor_notebook):
            self.default_url = "/lab/tree/" + os.path.basename(self.instructor_notebook)
        self._starting = True
        try:
            if self.engine == "sim":
                await self.start_engine()
            return await super().start()
        except BaseException:
            await self.stop_engine()
            raise
        finally:
            self._starting = False

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
        finally:
            await self.stop_engine()

    async def poll(self):
        if self._starting:
            return None
        engine_pid = self.engine_pid   # LocalProcessSpawner.poll clears the state of a server gone
        status = await super().poll()
        if status is not None and engine_pid:
            self.engine_pid = engine_pid
            await self.stop_engine()
        return status

    def get_env(self):
        env = super().get_env()
        env["LABKIT_CLASS_HOMES"] = self.homes
        if self.engine == "sim":
            env["DOCKER_HOST"] = "unix://" + self.engine_socket
        return env

    def get_state(self):
        state = super().get_state()
        if self.engine_pid:
            state["engine_pid"] = self.engine_pid
        return state

    def load_state(self, state):
        super().load_state(state)
        self.engine_pid = state.get("engine_pid", 0)

    def clear_state(self):
        super().clear_state()
        self.engine_pid = 0

    # -- the course ------------------------------------------------------------------------------------
    def copy_course(self) -> list[str]:
        """Copy the course's notebooks and pages (the glossary they link) and, for an admin, the
        instructor's notebook into the home, each only when the home has no file of that name: a
        learner's work is never overwritten."""
        sources = sorted(os.path.join(self.course, f) for f in os.listdir(self.course)
                         if f.endswith((".ipynb", ".md"))) \
            if os.path.isdir(self.course) else []
        if self.user.admin and os.path.isfile(self.instructor_notebook):
            sources.append(self.instructor_notebook)
        copied = []
        for source in sources:
            target = os.path.join(self.home_dir, os.path.basename(source))
            if not os.path.exists(target):
                shutil.copyfile(source, target)
                copied.append(os.path.basename(source))
        if copied:
            self.log.info("labkit: copied %s into %s", ", ".join(copied), self.home_dir)
        return copied

    # -- the learner's engine --------------------------------------------------------------------------
    async def start_engine(self) -> None:
        """Start `labkit sim serve` on the learner's socket and wait until it answers."""
        await self.stop_engine()   # one left by a hub that stopped without stopping it
        path = self.engine_socket
        if len(path.encode()) > SOCKET_PATH_MAX:
            raise ClassError(f"the engine's socket {path} is longer than a unix socket allows "
                             f"({SOCKET_PATH_MAX} bytes): choose a shorter LABKIT_CLASS_DIR")
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        log = os.path.join(os.path.dirname(path), "engine.log")
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "LABKIT_ENGINE")}
        env["LABKIT_CLASS_HOMES"] = self.homes
        with open(log, "ab") as out:
            self._engine_proc = subprocess.Popen(
                [sys.executable, "-m", "labkit.cli", "sim", "serve", "--socket", path],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)   # the hub's Ctrl-C is not the engine's
        self.engine_pid = self._engine_proc.pid
        deadline = time.monotonic() + ENGINE_START
        while not engine_answers(path):
            if self._engine_proc.poll() is not None or time.monotonic() > deadline:
                await self.stop_engine()
                with open(log, encoding="utf-8", errors="replace") as f:
                    tail = f.read()[-600:].strip()
                raise ClassError(f"{self.user.name}'s simulated engine did not answer on {path}"
                                 + (f": {tail}" if tail else ""))
            await asyncio.sleep(0.1)
        self.log.info("labkit: %s's simulated engine (pid %s) answers on %s", self.user.name, self.engine_pid, path)

    async def stop_engine(self) -> None:
        """Stop the learner's engine (SIGTERM, then SIGKILL); it removes its socket itself."""
        pid, proc = self.engine_pid, self._engine_proc
        self.engine_pid, self._engine_proc = 0, None
        if not pid:
            return
        if proc is None and not self._is_our_engine(pid):
            return   # a pid from the hub's database, reused since by another process
        for sig, wait in ((signal.SIGTERM, ENGINE_STOP), (signal.SIGKILL, ENGINE_STOP)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if proc is not None and proc.poll() is not None or proc is None and not pid_alive(pid):
                    return
                await asyncio.sleep(0.05)
        if proc is not None:
            proc.poll()

    def _is_our_engine(self, pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return self.engine_socket.encode() in f.read()
        except OSError:
            return False


__all__ = ["ClassError", "LearnerSpawner", "default_folder", "passwords"]
