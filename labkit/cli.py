"""The `labkit` command.

    labkit sim serve --socket PATH        the simulated engine as a daemon, in the foreground
    labkit sim serve --background [--exit-with PID] [--unless-an-engine-answers]
                                          ... in the background; prints its DOCKER_HOST URL
    labkit doctor [--short]               which engine labkit uses and why; what is installed
    labkit hosts up N [--prefix P]        N real engines in network namespaces (root)
    labkit hosts down [--prefix P]        stop them and remove everything they made
    labkit hosts ls [--prefix P]          the hosts that are up
    labkit reset [--lab NAME]             remove the lab's own networks and containers
    labkit grade FOLDER... [--out FILE]   a class's grade sheet from learners' saved notebooks
                 [--json] [--rerun]       (one folder per learner; CSV, or JSON)
    labkit grade --predictions FOLDER...  their predictions, right or not, as their reveals showed

`labkit reset` removes exactly what carries the lab's labels (labkit=1, labkit.lab=NAME), on the
engine labkit.connect() picks (LABKIT_ENGINE, DOCKER_HOST); nothing else. `labkit hosts down`
removes exactly what the set's record lists, also after a crash.

Errors (labkit's own and the engine's) print as one line on stderr, with exit status 1.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import stat
import sys
import threading

import docker

from . import __version__
from .errors import LabkitError

PROG = "labkit"


class CommandError(LabkitError):
    """A problem a command finds itself, before asking labkit or the engine."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        return 130
    except docker.errors.APIError as e:  # the engine's own text, without docker-py's URL dressing
        return fail(e.explanation or str(e))
    except (docker.errors.DockerException, OSError) as e:  # LabkitError included
        return fail(str(e) or type(e).__name__)


def fail(message: str) -> int:
    lines = str(message).strip().splitlines() or ["failed"]
    print(f"{PROG}: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:  # only multi-line messages (an engine's log tail) go further
        print(f"  {line}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="labkit: a Jupyter teaching lab kit for Docker networking.")
    parser.add_argument("--version", action="version", version=f"labkit {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND")

    sim = commands.add_parser("sim", help="labkit's simulated Docker engine")
    sim_commands = sim.add_subparsers(metavar="COMMAND")
    serve = sim_commands.add_parser(
        "serve", help="serve a fresh simulated engine on a unix socket, in the foreground",
        description="Serve a fresh simulated engine (one host, host1) on a unix socket until "
                    "SIGINT or SIGTERM; the socket is removed on exit. With --background it runs as a "
                    "daemon and the command prints its URL for DOCKER_HOST once it answers, as "
                    "./run.sh lab does: DOCKER_HOST=$(labkit sim serve --background --exit-with $$)")
    serve.add_argument("--socket", metavar="PATH",
                       help="the unix socket to listen on (with --background, by default a new one in "
                            "your runtime folder: $XDG_RUNTIME_DIR/labkit, else $TMPDIR/labkit-UID)")
    serve.add_argument("--background", action="store_true",
                       help="run as a daemon; print unix://PATH once it answers, then return")
    serve.add_argument("--exit-with", type=int, metavar="PID",
                       help="stop once the process PID has ended (a launcher that execs JupyterLab: $$)")
    serve.add_argument("--unless-an-engine-answers", action="store_true",
                       help="with --background: print nothing and start nothing when a Docker engine "
                            "answers at DOCKER_HOST (or the default socket)")
    serve.set_defaults(run=cmd_sim_serve)

    doctor = commands.add_parser("doctor", help="which engine labkit uses and why; what is installed")
    doctor.add_argument("--short", action="store_true", help="one line: the engine and why")
    doctor.set_defaults(run=cmd_doctor)

    hosts = commands.add_parser("hosts", help="real Docker engines in network namespaces (root)")
    host_commands = hosts.add_subparsers(metavar="COMMAND")
    up = host_commands.add_parser("up", help="start N hosts (host1..hostN), each with the lab image")
    up.add_argument("n", type=int, metavar="N", help="how many hosts")
    up.add_argument("--prefix", default="lk", help="the set's name (default: lk)")
    up.set_defaults(run=cmd_hosts_up)
    down = host_commands.add_parser("down", help="stop the set's hosts and remove all it made")
    down.add_argument("--prefix", default="lk", help="the set's name (default: lk)")
    down.set_defaults(run=cmd_hosts_down)
    ls = host_commands.add_parser("ls", help="list the hosts that are up")
    ls.add_argument("--prefix", default=None, help="only this set (default: every set)")
    ls.set_defaults(run=cmd_hosts_ls)

    reset = commands.add_parser("reset", help="remove the lab's own networks and containers")
    reset.add_argument("--lab", default=None, metavar="NAME",
                       help="the lab's name (default: LABKIT_LAB, else lab)")
    reset.set_defaults(run=cmd_reset)

    grade = commands.add_parser(
        "grade", help="a class's grade sheet from learners' saved notebooks (one folder per learner)",
        description="Read each learner's saved notebooks (one folder per learner, named after the "
                    "learner) without running them, and write one row per learner and exercise: "
                    "learner, notebook, exercise, result (right / not yet / not tried), last checked "
                    "(UTC), what the check saw. Files that cannot be read are named on stderr.")
    grade.add_argument("folders", nargs="+", metavar="FOLDER", help="a learner's folder (its name is the learner's)")
    grade.add_argument("--out", metavar="FILE", help="write the sheet to FILE (default: standard output)")
    grade.add_argument("--json", action="store_true", help="JSON (a list of rows) instead of CSV")
    grade.add_argument("--rerun", action="store_true",
                       help="run each notebook again first, in a temporary folder on the simulator "
                            "(as an autograder would; the notebooks' code runs as you)")
    grade.add_argument("--predictions", action="store_true",
                       help="list the learners' revealed predictions instead (learner, notebook, prediction, "
                            "question, answer, truth, right, revealed, reveals)")
    grade.set_defaults(run=cmd_grade)

    for group in (sim, hosts):  # `labkit sim` alone: its help, and a usage error
        group.set_defaults(run=help_of(group))
    return parser


def help_of(parser: argparse.ArgumentParser):
    def run(args) -> int:
        parser.print_help(sys.stderr)
        return 2
    return run


# ---- labkit sim serve -------------------------------------------------------------------------

def cmd_sim_serve(args) -> int:
    from . import launcher
    if args.background:
        if args.unless_an_engine_answers:
            from .engines import engine_answers
            if engine_answers():
                return 0
        if args.socket:
            check_socket_path(os.path.abspath(args.socket))
        print(launcher.start_background(args.socket, exit_with=args.exit_with))
        return 0
    if args.unless_an_engine_answers:
        raise CommandError("--unless-an-engine-answers goes with --background")
    if not args.socket:
        raise CommandError("labkit sim serve needs --socket PATH (or --background, for a socket in your runtime folder)")
    from . import sim
    path = os.path.abspath(args.socket)
    check_socket_path(path)
    if args.exit_with is not None:
        launcher.check_pid(args.exit_with)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: stop.set())
    server = sim.serve(sim.World(), path=path)
    if args.exit_with is not None:
        launcher.watch(args.exit_with, stop)
    try:
        until = f"until process {args.exit_with} ends, or Ctrl-C" if args.exit_with else "stop it with Ctrl-C"
        print(f"labkit: simulated Docker engine listening on unix://{path} "
              f"(try: DOCKER_HOST=unix://{path} docker network ls); {until}", flush=True)
        while not stop.wait(3600):
            pass
    finally:
        server.close()
    return 0


def check_socket_path(path: str) -> None:
    """Refuse to take over a live engine's socket or to remove anything that is not a socket."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise CommandError(f"cannot listen on {path}: the folder {folder} does not exist")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise CommandError(f"cannot listen on {path}: it exists and is not a socket; choose another path")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        try:
            s.connect(path)
        except OSError:
            return  # a stale socket: the simulator replaces it
    raise CommandError(f"cannot listen on {path}: something already listens there; choose another path")


# ---- labkit doctor ----------------------------------------------------------------------------

def cmd_doctor(args) -> int:
    from .doctor import diagnose
    report = diagnose(kernel=not args.short)   # the short line never shows the kernel's features
    print(report.text(short=args.short))
    return 1 if report.problems else 0


# ---- labkit hosts -----------------------------------------------------------------------------

def cmd_hosts_up(args) -> int:
    from . import hosts
    started = hosts.start_hosts(args.n, prefix=args.prefix, progress=progress)
    print_hosts(started)
    return 0


def cmd_hosts_down(args) -> int:
    from . import hosts
    removed = hosts.stop_hosts(args.prefix)
    for line in removed:
        print(f"removed {line}")
    if not removed:
        print(f"labkit: no hosts of the set {args.prefix!r} to stop")
    return 0


def cmd_hosts_ls(args) -> int:
    from . import hosts
    if args.prefix is not None:
        prefixes = [args.prefix]
    else:
        try:
            entries = sorted(os.listdir(hosts.STATE_ROOT))
        except FileNotFoundError:
            entries = []
        prefixes = [p for p in entries if hosts.PREFIX_RULE.fullmatch(p)
                    and os.path.isfile(f"{hosts.STATE_ROOT}/{p}/state.json")]
    found = [host for prefix in prefixes for host in hosts.list_hosts(prefix)]
    if found:
        print_hosts(found)
    else:
        where = f" in the set {args.prefix!r}" if args.prefix else ""
        why = "" if os.geteuid() == 0 else " (or none that you may use: their sockets are for root and the docker group)"
        print(f"labkit: no lab hosts are up{where}{why}")
    return 0


def print_hosts(found) -> None:
    rows = [("PREFIX", "HOST", "URL", "UNDERLAY")]
    rows += [(h.prefix, h.name, h.url, h.underlay_ip) for h in found]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])
    print(f"use one with: DOCKER_HOST={found[0].url} docker ps")


def progress(message: str) -> None:
    print(f"labkit: {message}", file=sys.stderr, flush=True)


# ---- labkit reset -----------------------------------------------------------------------------

def cmd_reset(args) -> int:
    from . import lab
    from .engines import connect
    name = lab.default_name() if args.lab is None else args.lab
    lab.check_lab_name(name)   # before any engine is asked
    removed = lab.Lab(connect(), name=name, leftovers="keep").reset()
    for kind in ("containers", "networks"):
        for thing in removed.get(kind, []):
            print(f"removed {kind[:-1]} {thing}")
    if not any(removed.values()):
        print(f"labkit: the lab {name!r} has nothing to remove")
    return 0


# ---- labkit grade -----------------------------------------------------------------------------

def cmd_grade(args) -> int:
    from . import grade
    problems: list[str] = []
    make = grade.predictions if args.predictions else grade.sheet
    rows = make(args.folders, rerun=args.rerun, problems=problems, progress=progress if args.rerun else None)
    for line in problems:
        print(f"labkit: grade: {line}", file=sys.stderr)
    columns = grade.PREDICTION_COLUMNS if args.predictions else grade.COLUMNS
    text = grade.to_json(rows) if args.json else grade.to_csv(rows, columns)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        learners = len({row.learner for row in rows})
        print(f"labkit: {len(rows)} rows ({learners} learners) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
