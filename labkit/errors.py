"""labkit's own errors.

They share one root, `LabkitError`, under docker-py's `DockerException`, so one
`except docker.errors.DockerException` catches both the engine's errors and labkit's. Each class
builds its own message: it names the thing that failed and says what to do about it.
"""

import docker.errors


class LabkitError(docker.errors.DockerException):
    """The root of labkit's own errors."""


class EngineUnavailable(LabkitError):
    """No Docker engine answers where one was asked for (the message says where, and what to do)."""


class MissingTool(LabkitError):
    """A program labkit needs is not installed."""

    def __init__(self, tool: str, package: str, needed_for: str):
        self.tool = tool
        self.package = package
        super().__init__(
            f"{tool} was not found; it is needed {needed_for}. "
            f"Install it with `apt-get install {package}`."
        )


class LabImageError(LabkitError):
    """The lab image could not be made or loaded."""

    def __init__(self, image: str, reason: str):
        self.image = image
        super().__init__(f"the lab image {image} could not be loaded: {reason}")


class HostsError(LabkitError):
    """Starting, using or stopping lab hosts (engines in network namespaces) failed."""


class NeedsRoot(HostsError):
    def __init__(self, action: str):
        super().__init__(
            f"{action} needs root: it creates network namespaces and starts dockerd. "
            f"Run it as root (for example with sudo)."
        )


class BadName(HostsError):
    def __init__(self, what: str, value, rule: str):
        self.value = value
        super().__init__(f"{what} {value!r} is not valid: {rule}")


class CommandFailed(HostsError):
    def __init__(self, args: list[str], returncode: int, output: str):
        self.command = args
        self.returncode = returncode
        self.output = output
        super().__init__(
            f"`{' '.join(args)}` failed with exit status {returncode}: {output.strip() or '(no output)'}"
        )


class NotRecorded(HostsError):
    """Something labkit wants to create already exists, and labkit did not create it."""

    def __init__(self, thing: str, remove_with: str):
        self.thing = thing
        super().__init__(
            f"{thing} already exists, but labkit has no record of creating it. If it is a "
            f"leftover, remove it with `{remove_with}`; otherwise choose another prefix."
        )


class EngineStartFailed(HostsError):
    def __init__(self, host: str, url: str, reason: str, log_path: str, log_tail: str):
        self.host = host
        self.log_path = log_path
        super().__init__(
            f"the Docker engine of {host} ({url}) did not start: {reason}. "
            f"Last lines of {log_path}:\n{log_tail}"
        )
