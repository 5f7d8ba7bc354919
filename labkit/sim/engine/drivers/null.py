"""null: the predefined `none` network. A container on it has only a loopback interface, so its
endpoint is bookkeeping only. The engine makes this network at start-up and refuses a second one."""
from __future__ import annotations

from .... import rules
from .base import Driver


class NullDriver(Driver):
    kind = rules.Driver.NULL
    has_interfaces = False


DRIVER = NullDriver()
