"""Docker's networking tutorials ("Networking with standalone containers", "... using the host
network", "... using a macvlan network") typed with the docker CLI on the simulator and on the real
engine, compared step by step.

    python bench/tutorial_replay.py --docs PATH/standalone.md [--engine sim|docker|both] [--show]

PATH is one of Docker's docs pages (docker/docs, content/manuals/engine/network/tutorials/*.md),
read where it lies, never copied into this repository. The commands are taken from the page's
```console blocks as a learner types them:

- `$ docker ...` lines (with their `\\` continuations), and `docker ...` lines without the prompt,
  are typed as they are;
- other `$ CMD` lines are typed on the Docker host (host.md: `ip addr show`, `sudo netstat ...`),
  as `docker run --rm --network host busybox sh -c CMD` (sudo left out: the engine is root's);
- `docker attach NAME` / `docker container attach NAME` opens a session in NAME, and the `# CMD`
  lines that follow are typed there, as `docker exec NAME sh -c CMD` (a script has no terminal to
  attach; the attach line itself is typed too, so its answer is compared); `CTRL+p CTRL+q` ends it;
- `alpine` (the image) becomes `busybox`, `ash` becomes `sh`, and the `nginx` image at the end of a
  command becomes `busybox httpd -f -p 80` (no registry answers here: nothing can be pulled); pings to the internet (google.com) are left out, and said so: nothing may leave the machine.

Each engine is fresh: `labkit sim serve` on a socket of its own, and a private real engine
(labkit.hosts, prefix "lkt"; root and dockerd; run it under the machine-wide lock:
`flock /tmp/labkit-real-engine.lock python bench/tutorial_replay.py ...`). Output and exit status of
every step are compared after normalisation (IDs as tokens in order of appearance, timestamps, ages,
round-trip times, column padding: the conformance harness's rules).
"""
from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conformance.harness import Normaliser, docker_cli  # noqa: E402

IMAGE = re.compile(r"(?<![\w-])alpine(?=(:latest)?(?![\w-]))")
SHELL = re.compile(r"(?<![\w-])ash(?![\w-])")
NGINX = re.compile(r"(?<=\s)nginx(?::latest)?$")
ATTACH = re.compile(r"^docker (?:container )?attach (\S+)$")
INTERNET = ("google.com",)


@dataclass
class Step:
    section: str
    command: str            # what is typed (after the substitutions)
    typed: list[str]        # the docker arguments, or [] for a step left out
    note: str = ""


def extract(markdown: str) -> list[Step]:
    """The tutorial's commands, in order, as steps."""
    steps, section, session = [], "", None
    in_block = False
    pending = ""
    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            section, session = line[3:], None
        if line.startswith("```"):
            in_block = line.startswith("```console") if not in_block else False
            continue
        if not in_block:
            continue
        if pending or line.startswith(("$ ", "docker ")):
            text = (pending + " " + line.removesuffix("\\").strip()) if pending else \
                line.removeprefix("$ ").removesuffix("\\").strip()
            if line.endswith("\\"):
                pending = text
                continue
            pending = ""
            command = NGINX.sub("busybox httpd -f -p 80", SHELL.sub("sh", IMAGE.sub("busybox", text)))
            attach = ATTACH.match(command)
            if attach:
                session = attach.group(1)
            if command.startswith("docker "):
                steps.append(Step(section, command, shlex.split(command)[1:]))
            else:  # a command typed on the Docker host itself
                cmd = command.removeprefix("sudo ")
                steps.append(Step(section, f"(host) {cmd}", ["run", "--rm", "--network", "host", "busybox", "sh", "-c", cmd]))
        elif line.startswith("# ") and session:
            cmd = SHELL.sub("sh", line[2:].strip())
            if any(host in cmd for host in INTERNET):
                steps.append(Step(section, f"({session}) {cmd}", [], "left out: it needs the internet"))
            else:
                steps.append(Step(section, f"({session}) {cmd}", ["exec", session, "sh", "-c", cmd]))
        elif line.startswith("CTRL+p CTRL+q"):
            session = None
    return steps


@contextlib.contextmanager
def engine(which: str, folder: str):
    if which == "sim":
        sock = os.path.join(folder, "sim.sock")
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proc = subprocess.Popen([sys.executable, "-m", "labkit.cli", "sim", "serve", "--socket", sock], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(sock):
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("labkit sim serve did not start")
                time.sleep(0.1)
            yield f"unix://{sock}"
        finally:
            proc.terminate()
            proc.wait(10)
    else:
        from labkit import hosts
        host = hosts.fresh_engine("lkt")
        try:
            yield host.url
        finally:
            host.stop()


def replay(steps: list[Step], which: str, cli: str, timeout: float) -> tuple[list[tuple[int, str, str] | None], float]:
    """Type every step against a fresh engine: (exit, stdout, stderr) per step (None when left out),
    and the seconds it took."""
    with tempfile.TemporaryDirectory() as home, engine(which, home) as url:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "DOCKER_HOST": url,
               "DOCKER_CLI_HINTS": "false"}
        out, started = [], time.monotonic()
        for step in steps:
            if not step.typed:
                out.append(None)
                continue
            try:
                done = subprocess.run([cli] + step.typed, capture_output=True, text=True, env=env, timeout=timeout,
                                      stdin=subprocess.DEVNULL)
                out.append((done.returncode, done.stdout, done.stderr))
            except subprocess.TimeoutExpired:
                out.append((-1, "", f"(no answer within {timeout:.0f} s)"))
        return out, time.monotonic() - started


def normalised(steps: list[Step], results: list) -> list[str | None]:
    """Each step's answer as one text, normalised as the conformance harness normalises a scenario:
    IDs as tokens in order of appearance over the whole transcript, JSON answers (inspect) compared
    as documents: their keys sorted (a network's Containers are keyed by ID, which the engine sorts
    by, so their order differs between engines; the harness compares them as dictionaries).

    The harness finds IDs for its numbering in its observations' JSON text, where an ID that starts
    a line of output follows "\\n" and is missed (the goldens were recorded that way); here each
    line of output is given to it as well, so every ID is numbered where it first appears."""
    observations = []
    for step, r in zip(steps, results):
        if r is None:
            continue
        out = r[1]
        if out.startswith(("[", "{")):
            with contextlib.suppress(ValueError):
                out = {"json": json.loads(out)}
        observations.append((f"$ docker {shlex.join(step.typed)}", {"exit": r[0], "stdout": out, "stderr": r[2]}))
    lines = [(f"line {i}.{j}", line) for i, (_, v) in enumerate(observations)
             for j, line in enumerate((v["stdout"] if isinstance(v["stdout"], str) else "").splitlines()
                                      + v["stderr"].splitlines())]
    norm = Normaliser([o for i, obs in enumerate(observations)
                       for o in [obs] + [x for x in lines if x[0].startswith(f"line {i}.")]])
    done = iter(norm.all(observations))
    texts = []
    for r in results:
        if r is None:
            texts.append(None)
            continue
        v = next(done)[1]
        out = v["stdout"] if isinstance(v["stdout"], str) else json.dumps(v["stdout"]["json"], indent=4, sort_keys=True) + "\n"
        texts.append(f"exit {v['exit']}\n{out}--- stderr\n{v['stderr']}")
    return texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", required=True, metavar="PATH", help="the tutorial's markdown (standalone.md)")
    parser.add_argument("--engine", choices=("sim", "docker", "both"), default="both")
    parser.add_argument("--cli", default=None, help="the docker client (default: as the conformance suite)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per command (default 60)")
    parser.add_argument("--show", action="store_true", help="print each engine's answers in full")
    args = parser.parse_args(argv)
    with open(args.docs) as f:
        steps = extract(f.read())
    if not steps:
        sys.exit(f"no commands found in {args.docs}: is it the tutorial's markdown?")
    cli = args.cli or docker_cli()
    engines = ("sim", "docker") if args.engine == "both" else (args.engine,)
    answers, times = {}, {}
    for which in engines:
        raw, times[which] = replay(steps, which, cli, args.timeout)
        answers[which] = normalised(steps, raw)
    typed = [i for i, s in enumerate(steps) if s.typed]
    print(f"{len(steps)} steps in {args.docs} ({len(typed)} typed, {len(steps) - len(typed)} left out), "
          f"client {cli}")
    agree = 0
    for i, step in enumerate(steps):
        if not step.typed:
            print(f"  --      {step.command}   [{step.note}]")
            continue
        if len(engines) == 2:
            same = answers["sim"][i] == answers["docker"][i]
            agree += same
            print(f"  {'same' if same else 'DIFF':6}  {step.command}")
            if not same:
                for line in list(difflib.unified_diff(answers["docker"][i].splitlines(), answers["sim"][i].splitlines(),
                                                      "docker", "sim", lineterm="", n=0))[2:14]:
                    print(f"            {line}")
        else:
            print(f"  {'':6}  {step.command}")
        if args.show:
            for which in engines:
                print("\n".join(f"       {which}| {line}" for line in answers[which][i].splitlines()))
    print("time: " + ", ".join(f"{w} {t:.1f} s" for w, t in times.items()))
    if len(engines) == 2:
        print(f"{agree} of {len(typed)} typed steps print the same on the simulator as on the real engine")


if __name__ == "__main__":
    main()
