"""The lab image's programs: busybox 1.35's applets, one module per family (registry.py says how
an applet is written). Adding an applet: a function in its family's module, registered with
`@family.applet(NAME, spec=OPTIONS)`, and its test."""
from __future__ import annotations

from .files import files
from .ifaces import ifaces
from .net import net
from .registry import Table
from .servers import servers
from .system import system

APPLETS = Table(net, ifaces, files, system, servers)

__all__ = ["APPLETS"]
