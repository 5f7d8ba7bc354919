"""The lab: short verbs over a Docker client, for notebooks and widgets.

    lab = labkit.Lab("sim", name="demo")                # or "docker", "auto", or a DockerClient
    lab.network("front", subnet="10.10.0.0/24")         # docker network create ...
    lab.container("web", networks=["front"], ports={80: 8080})   # docker run -d ...
    lab.ping("web", "10.10.0.1").ok                     # docker exec web ping -c 1 -W 1 ...
    lab.snapshot()                                      # a labkit.model.Topology
    lab.history                                         # the docker CLI lines of all of that
    lab.reset()                                         # removes exactly this lab's objects

The package, one module per concept: `front` (the Lab and its verbs), `validate` and `ports`
(what is asked, checked before the engine sees it), `spec` (a container or network as asked: its
CLI line, and what a re-run compares), `session` and `leftovers` (which process made what, and
what ended ones left), `known` (what the lab saw that the engine's lists do not tell: interface
names, aliases, hostnames), `outage` (an engine that stops and comes back), `probes` (reading
ping, nslookup, nc and ip), `snapshot` (the engine's JSON as labkit's model), `errors`.

Labels: everything a Lab creates carries `labkit=1` and `labkit.lab=NAME`; `reset()` and the
snapshot's ownership find objects by them, never by name patterns. A third label,
`labkit.session`, names the Python process (kernel) that made the object: MACHINE-BOOT-PID-START,
as `session_id()` gives it. It is bookkeeping, so the CLI lines in `history` leave it out.

Leftovers: a new Lab looks for objects labelled with its name that a session which has ended
(a restarted kernel, a crashed script, an earlier boot) left on the engine, removes them, and says
so in one line (`lab.notices`, printed). Objects of sessions still running (another kernel on this
machine) or made on another machine are left alone, and that is said too. `leftovers="keep"`
skips this. When the engine does not answer at construction, the check waits for the lab's first
call that reaches it. Two labs with different names never touch each other's objects; one name is
one lab, wherever it runs, so `reset()` removes all objects labelled with it. The default name is
`LABKIT_LAB`, else "lab": on a shared engine give each learner a name of their own.

Re-running a notebook: `network()` and `container()` return the lab's existing object of that
name when it was made with the same settings (a container is also started again and connected to
any asked-for network it lacks), and refuse, naming the differences, when it was not; they never
replace an object that is not the lab's. `connect()` and `disconnect()` do nothing when the
container is already connected, or not connected.

When the engine stops: every verb raises `EngineUnavailable` (a LabkitError) saying which engine
does not answer and which step was not done; the next verb tries again (see labkit.lab.outage).

Security defaults: containers are never privileged, get no mounts (so never the engine's socket),
and take only network capabilities (`cap_add`: NET_ADMIN, NET_RAW, NET_BIND_SERVICE,
NET_BROADCAST); published ports bind to 127.0.0.1 unless an address is given.

Errors: the engine's errors pass through as docker-py raised them (same class, `status_code`,
`response`), their `explanation` prefixed with what the lab was doing, so that the message names
the container or network. What can be checked without the engine (names, CIDRs, ports, drivers)
is checked first and raised as `BadArgument` (a `docker.errors.InvalidArgument`). A failed
`container()` removes what it made. Names are at most 64 characters (a full container ID fits).

Probes run busybox commands in the source container with docker exec, so they behave the same on
the real engine and on the simulator.
"""
from ..errors import EngineUnavailable
from .errors import BadArgument, Differs, NotTheLabs, RemoveFailed
from .front import Lab
from .ports import PUBLISH_IP, Binding, parse_ports
from .probes import Probe, parse_nslookup
from .snapshot import inspect_network
from .session import SESSION_LABEL, default_name, session_id, session_state
from .spec import COMMAND, IMAGE
from .validate import CAPABILITIES, DRIVERS, LAB_LABEL, MARK_LABEL, MAX_NAME, NAME, NAME_RULE, check_lab_name

__all__ = ["Lab", "Probe", "Binding", "inspect_network", "BadArgument", "NotTheLabs", "Differs", "RemoveFailed",
           "EngineUnavailable", "parse_ports", "parse_nslookup", "session_id", "session_state",
           "default_name", "check_lab_name", "IMAGE", "COMMAND", "PUBLISH_IP", "CAPABILITIES",
           "SESSION_LABEL", "LAB_LABEL", "MARK_LABEL", "DRIVERS", "MAX_NAME", "NAME", "NAME_RULE"]
