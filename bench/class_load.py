"""A class on this machine: N learners' kernels stepping through a notebook on the simulator.

DESIGN.md's target on this 2-core machine: 60 learners' kernels through notebook 02, p95 cell time
at most 1 s and at most 150 MB per kernel. Each learner is what the class's hub gives one
(labkit.hub.LearnerSpawner): a python3 kernel of their own and a simulated engine of their own
(`labkit sim serve` on a socket, DOCKER_HOST set; `--engine in-kernel` runs it inside each kernel
instead, LABKIT_ENGINE=sim). Each learner runs the notebook's code cells in order, waiting THINK
seconds (default 2) after each cell before the next, as a learner reading the page would; they
start one after another, all within SPREAD seconds (default 20). `--start warm` (default): every
learner's engine and kernel are up first (logged in, notebook open), then they start stepping,
spread; `--start cold`: each learner's engine and kernel start within the spread too, as in a room
logging in at the same minute (the start-up's CPU then competes with the first cells).

A cell's time is from the request to the kernel's reply with all its output (what a learner
waits for after Shift-Enter; Jupyter's server adds a little in front of it). The memory of a
kernel is read after its last cell: its PSS (shared pages divided among the processes sharing
them: what the kernels together really hold, per kernel) and its RSS (counting shared libraries
in full). The engines' memory is reported apart. The load average before and after the run is
printed beside the figures: on a shared machine, say it with the figure.

    python bench/class_load.py [--learners 60] [--notebook notebooks/02-user-defined-bridges.ipynb]
                               [--spread 20] [--think 2] [--engine daemon|in-kernel] [--start warm|cold]

Exits non-zero when a cell fails (a bench, not a timed test: slow is a figure, not a failure).

Measured here (2 cores, shared with other sessions' test runs: the 1-minute load average before
each run is given), 60 learners, notebook 02:
- warm, an engine daemon each: p95 0.50 s (load 3.6) and 1.13 s (load 2.9); the first cell
  (`import labkit`, all within 20 s) is most of the tail: other cells p95 0.23 s and 0.78 s.
  Per kernel RSS 92 MB, PSS 67 MB; per engine RSS 55-59 MB, PSS 36-39 MB.
- warm, the engine in each kernel: p95 0.53 s (load 2.2); per kernel RSS 94 MB, PSS 70 MB.
- cold (the room logs in during the same 20 s): p95 2.4 s (load 6.0) and 3.8 s (load 2.7):
  60 kernels and engines starting (about 1.5 CPU-s each) swamp two cores; spread the logins.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nbformat
from jupyter_client.manager import AsyncKernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "notebooks", "02-user-defined-bridges.ipynb")
P95_TARGET = 1.0          # s
MEMORY_TARGET = 150.0     # MB per kernel
CELL_TIMEOUT = 300        # s: a cell that never answers is a failure, not a hang


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of a process in MB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key] = int(rest.split()[0]) / 1024
    return values["Pss"], values["Rss"]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (s)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def engine_answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        try:
            s.connect(path)
            s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.")
        except OSError:
            return False


class Learner:
    def __init__(self, index: int, folder: str, engine: str):
        self.name = f"learner{index:02d}"
        self.home = os.path.join(folder, self.name)
        os.makedirs(self.home)
        self.engine = engine
        self.daemon: subprocess.Popen | None = None
        self.km: AsyncKernelManager | None = None
        self.kc = None
        self.times: list[float] = []
        self.errors: list[str] = []
        self.memory = (0.0, 0.0)
        self.engine_memory = (0.0, 0.0)
        self.cpu = 0.0           # the kernel's CPU time, start-up included (s)
        self.engine_cpu = 0.0
        self.ready = 0.0         # from its start to the kernel's first answer (s)

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "LABKIT_ENGINE")}
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["HOME"] = self.home
        if self.engine == "in-kernel":
            env["LABKIT_ENGINE"] = "sim"
        return env

    async def start_engine(self, env: dict) -> None:
        path = os.path.join(self.home, "engine.sock")
        self.daemon = subprocess.Popen([sys.executable, "-m", "labkit.cli", "sim", "serve", "--socket", path],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
        deadline = time.monotonic() + 60
        while not engine_answers(path):
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}'s engine did not answer on {path}")
            await asyncio.sleep(0.1)
        env["DOCKER_HOST"] = f"unix://{path}"

    async def start(self, delay: float) -> None:
        """After `delay` s: the learner's engine, then their kernel, until it answers."""
        await asyncio.sleep(delay)
        begun = time.monotonic()
        env = self.environment()
        if self.engine == "daemon":
            await self.start_engine(env)
        self.km = AsyncKernelManager(kernel_name="python3")
        await self.km.start_kernel(cwd=self.home, env=env, stderr=subprocess.DEVNULL)   # its start-up warnings
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=CELL_TIMEOUT)
        self.ready = time.monotonic() - begun

    async def step(self, cells: list[str], delay: float, think: float) -> None:
        """After `delay` s: the notebook's cells in order, `think` s after each."""
        await asyncio.sleep(delay)
        for index, code in enumerate(cells):
            started = time.monotonic()
            failed = []
            reply = await self.kc.execute_interactive(
                code, timeout=CELL_TIMEOUT,
                output_hook=lambda msg: failed.append(msg["content"]["ename"]) if msg["msg_type"] == "error" else None)
            self.times.append(time.monotonic() - started)
            if reply["content"]["status"] != "ok" or failed:
                self.errors.append(f"cell {index}: {', '.join(failed) or reply['content']['status']}")
            await asyncio.sleep(think)
        self.memory = memory_mb(self.km.provisioner.process.pid)
        self.cpu = cpu_seconds(self.km.provisioner.process.pid)
        if self.daemon is not None:
            self.engine_memory = memory_mb(self.daemon.pid)
            self.engine_cpu = cpu_seconds(self.daemon.pid)

    async def run(self, cells: list[str], delay: float, think: float) -> None:
        """Start, then step at once (a learner who logs in and runs the notebook)."""
        await self.start(delay)
        await self.step(cells, 0, think)

    async def stop(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(10)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()


async def class_run(args) -> list[Learner]:
    nb = nbformat.read(args.notebook, as_version=4)
    cells = [cell.source for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    folder = tempfile.mkdtemp(prefix="labkit-class-bench-")
    learners = [Learner(i, folder, args.engine) for i in range(args.learners)]
    step = args.spread / max(1, args.learners - 1)
    try:
        if args.start == "warm":   # everyone's kernel up first; then they start stepping, spread
            jobs = [learner.start(0) for learner in learners]
            results = await asyncio.gather(*jobs, return_exceptions=True)
            jobs = [learner.step(cells, i * step, args.think) for i, learner in enumerate(learners)]
            results = [r if isinstance(r, BaseException) else s_ for r, s_ in
                       zip(results, await asyncio.gather(*jobs, return_exceptions=True))]
        else:                      # each learner's engine and kernel start within the spread too
            jobs = [learner.run(cells, i * step, args.think) for i, learner in enumerate(learners)]
            results = await asyncio.gather(*jobs, return_exceptions=True)
        for learner, result in zip(learners, results):
            if isinstance(result, BaseException):
                learner.errors.append(f"{type(result).__name__}: {result}")
    finally:
        await asyncio.gather(*(learner.stop() for learner in learners), return_exceptions=True)
        shutil.rmtree(folder, ignore_errors=True)
    return learners


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--notebook", default=NOTEBOOK)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which the learners start")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a cell's answer and the next cell")
    parser.add_argument("--engine", choices=("daemon", "in-kernel"), default="daemon")
    parser.add_argument("--start", choices=("warm", "cold"), default="warm",
                        help="warm: every kernel is up before the first cell; cold: the kernels start "
                             "within the spread too (a room logging in at once)")
    args = parser.parse_args(argv)

    print(f"{args.learners} learners through {os.path.basename(args.notebook)}, starting within {args.spread:g} s "
          f"({args.start}), {args.think:g} s between cells, engine: {args.engine}; {os.cpu_count()} cores")
    print(f"load average before: {load()}", flush=True)
    started = time.monotonic()
    learners = asyncio.run(class_run(args))
    wall = time.monotonic() - started
    print(f"load average after:  {load()}  (wall time {wall:.0f} s)")

    times = [t for learner in learners for t in learner.times]
    errors = [f"{learner.name}: {e}" for learner in learners for e in learner.errors]
    if times:
        p95 = percentile(times, 0.95)
        print(f"cells run: {len(times)} ({len(times) // max(1, len(learners))} per learner)")
        print(f"cell time: median {statistics.median(times):.3f} s, p95 {p95:.3f} s, max {max(times):.3f} s; "
              f"p95 / target {P95_TARGET:g} s = {p95 / P95_TARGET:.2f}")
        firsts = [learner.times[0] for learner in learners if learner.times]
        ready = [learner.ready for learner in learners if learner.ready]
        print(f"  a learner's start (engine and kernel up): median {statistics.median(ready):.1f} s, "
              f"max {max(ready):.1f} s")
        print(f"  CPU per learner: kernel {statistics.median(l.cpu for l in learners):.1f} s, engine "
              f"{statistics.median(l.engine_cpu for l in learners):.1f} s; this driver "
              f"{time.process_time():.1f} s in all; the machine: {os.cpu_count()} cores x {wall:.0f} s")
        print(f"  first cell (imports labkit): median {statistics.median(firsts):.3f} s, max {max(firsts):.3f} s; "
              f"other cells: p95 {percentile([t for l in learners for t in l.times[1:]] or [0.0], 0.95):.3f} s")
    if times and os.environ.get("CLASS_LOAD_PER_CELL"):
        for index in range(max(len(l.times) for l in learners)):
            at = [l.times[index] for l in learners if len(l.times) > index]
            print(f"  cell {index:2d}: median {statistics.median(at):.3f} s, p95 {percentile(at, 0.95):.3f} s")
    measured = [learner for learner in learners if learner.memory[0]]
    if measured:
        pss = [learner.memory[0] for learner in measured]
        rss = [learner.memory[1] for learner in measured]
        print(f"memory per kernel: PSS median {statistics.median(pss):.0f} MB, max {max(pss):.0f} MB; "
              f"RSS median {statistics.median(rss):.0f} MB, max {max(rss):.0f} MB; "
              f"max PSS / target {MEMORY_TARGET:g} MB = {max(pss) / MEMORY_TARGET:.2f}")
        engines = [learner.engine_memory for learner in measured if learner.engine_memory[0]]
        if engines:
            print(f"memory per engine (labkit sim serve): PSS median {statistics.median(e[0] for e in engines):.0f} MB, "
                  f"RSS median {statistics.median(e[1] for e in engines):.0f} MB")
    for line in errors[:20]:
        print("error:", line)
    return 1 if errors or not times else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
