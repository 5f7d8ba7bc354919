"""host: the predefined `host` network. A container on it is the host, network-wise: it shares the
host's namespace (its interfaces, addresses and ports), so its endpoint is bookkeeping only. The
engine makes this network at start-up and refuses a second one."""
from __future__ import annotations

from .... import rules
from .base import Driver


class HostDriver(Driver):
    kind = rules.Driver.HOST
    has_interfaces = False


DRIVER = HostDriver()
