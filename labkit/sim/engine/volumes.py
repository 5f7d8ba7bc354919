"""Volumes: `docker volume create|ls|inspect|rm|prune`, and the mounts a container asks for
(`-v NAME:/path`, `-v /host/folder:/path`, `-v /path`, `--mount`, `--tmpfs`).

A volume of the local driver is a folder of the engine's (/var/lib/docker/volumes/NAME/_data);
here its files are the Volume's own entries, shared by every container that mounts it. A bind
mount shares a folder of the machine the simulator runs on (binds.py): `-v` makes a missing one
when the container starts, --mount refuses it at create.
"""
from __future__ import annotations

import re
import time

from ..errors import Conflict, EngineError, InvalidParameter, NotFound
from ..state import Container, Host, Inode, Mount, Volume
from . import binds, filesystem

VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+\Z")


def create(host: Host, name: str = "", driver: str = "local", labels: dict | None = None,
           options: dict | None = None) -> Volume:
    """docker volume create: an existing name answers with the volume already there."""
    driver = driver or "local"
    if name and name in host.volumes:
        vol = host.volumes[name]
        if driver != vol.driver:
            raise Conflict(f"volume name {name} already in use by driver {vol.driver}")
        return vol
    if driver != "local":
        raise NotFound(f"create {name}: error looking up volume plugin {driver}: plugin \"{driver}\" not found")
    anonymous = not name
    if anonymous:
        name = host.world.new_id("volume", host.name)
    elif not VOLUME_NAME.match(name):
        raise InvalidParameter(f'create {name}: "{name}" includes invalid characters for a local volume name, '
                               f'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
                               f'directory, use absolute path')
    for key in options or {}:
        if key not in ("type", "device", "o", "size"):
            raise InvalidParameter(f"create {name}: invalid option key: \"{key}\"")
    vol = Volume(name, driver, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), dict(labels or {}),
                 dict(options or {}), anonymous=anonymous, labels_given=labels is not None,
                 options_given=options is not None)
    host.volumes[name] = vol
    return vol


def find(host: Host, name: str) -> Volume:
    vol = host.volumes.get(name)
    if vol is None:
        raise NotFound(f"get {name}: no such volume")
    return vol


def users(host: Host, vol: Volume) -> list[str]:
    return filesystem.volume_in_use(host, vol)


def remove(host: Host, name: str, force: bool = False) -> None:
    """docker volume rm: refused while a container (even a stopped one) uses it."""
    vol = host.volumes.get(name)
    if vol is None:
        raise NotFound(f"get {name}: no such volume")  # even with force (20.10)
    using = users(host, vol)
    if using:
        raise Conflict(f"remove {name}: volume is in use - [{', '.join(using)}]")
    del host.volumes[name]


def prune(host: Host, keep=lambda vol: False) -> list[str]:
    """docker volume prune: every local volume no container uses (20.10: named ones too), but
    for volumes made with driver options (observed: the engine keeps them)."""
    gone = []
    for name, vol in sorted(host.volumes.items()):
        if users(host, vol) or keep(vol) or vol.options:
            continue
        del host.volumes[name]
        gone.append(name)
    return gone


def release(c: Container, remove_anonymous: bool) -> None:
    """A container removed: its anonymous volumes go with it when asked (`docker rm -v`, --rm)."""
    host = c.host
    for m in c.mounts:
        vol = m.volume
        if vol is not None and vol.anonymous and remove_anonymous and vol.name in host.volumes \
                and not [cid for cid in users(host, vol) if cid != c.id]:
            del host.volumes[vol.name]


# -- a container's mounts ----------------------------------------------------------------------------
def _check_destination(dest: str, spec: str) -> None:
    if not dest.startswith("/"):
        raise EngineError(f"invalid volume specification: '{spec}': invalid mount config for type "
                               f"\"volume\": invalid mount path: '{dest}' mount path must be absolute")


def parse_bind(host: Host, spec: str) -> Mount:
    """One -v SOURCE:DEST[:MODE] (HostConfig.Binds)."""
    parts = spec.split(":")
    if len(parts) == 1 and spec.startswith("/"):
        return Mount("volume", filesystem.absolute(spec), volume=create(host), mode="z")  # -v /path: anonymous
    if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
        raise InvalidParameter(f"invalid volume specification: '{spec}'")
    src, dest = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else ""
    flags = set(mode.split(",")) if mode else set()
    if flags - {"ro", "rw", "z", "Z", "nocopy", "shared", "rshared", "slave", "rslave", "private", "rprivate"}:
        raise InvalidParameter(f"invalid mode: {mode}")
    _check_destination(dest, spec)
    rw = "ro" not in flags
    if src.startswith("/"):
        prop = next((f for f in flags if f.endswith(("shared", "slave", "private"))), "rprivate")
        return Mount("bind", filesystem.absolute(dest), source=filesystem.absolute(src), rw=rw, mode=mode,
                     propagation=prop, make_source=True)
    vol = create(host, src)
    return Mount("volume", filesystem.absolute(dest), volume=vol, rw=rw, mode=mode or "z")


def parse_mount(host: Host, spec: dict) -> Mount:
    """One --mount (HostConfig.Mounts): Type volume, bind or tmpfs."""
    kind = spec.get("Type") or ""
    dest = spec.get("Target") or ""
    src = spec.get("Source") or ""
    rw = not spec.get("ReadOnly")
    if kind not in ("volume", "bind", "tmpfs"):
        raise InvalidParameter(f"invalid mount config for type \"{kind}\": mount type unknown")
    if not dest:
        raise InvalidParameter(f"invalid mount config for type \"{kind}\": field Target must not be empty")
    if kind == "bind":
        if not src:
            raise InvalidParameter("invalid mount config for type \"bind\": field Source must not be empty")
        if not binds.source_exists(filesystem.absolute(src)):
            raise InvalidParameter(f"invalid mount config for type \"bind\": bind source path does not exist: {src}")
        prop = ((spec.get("BindOptions") or {}).get("Propagation")) or "rprivate"
        return Mount("bind", filesystem.absolute(dest), source=filesystem.absolute(src), rw=rw, propagation=prop)
    if kind == "tmpfs":
        if src:
            raise InvalidParameter("invalid mount config for type \"tmpfs\": field Source must be empty")
        return Mount("tmpfs", filesystem.absolute(dest), rw=rw, files={"/": Inode("dir", 0o1777)})
    opts = spec.get("VolumeOptions") or {}
    vol = create(host, src, (opts.get("DriverConfig") or {}).get("Name") or "local", opts.get("Labels"),
                 (opts.get("DriverConfig") or {}).get("Options"))
    vol.filled = vol.filled or bool(opts.get("NoCopy"))
    return Mount("volume", filesystem.absolute(dest), volume=vol, rw=rw, mode="z")


def mounts_for(host: Host, body: dict, image_volumes: dict | None) -> list[Mount]:
    """Every mount a create request asks for, checked, volumes made (the engine makes them at
    create); two at one destination are refused."""
    hc = body.get("HostConfig") or {}
    mounts = [parse_bind(host, s) for s in hc.get("Binds") or []]
    mounts += [parse_mount(host, s) for s in hc.get("Mounts") or []]
    for dest in (hc.get("Tmpfs") or {}):
        mounts.append(Mount("tmpfs", filesystem.absolute(dest), files={"/": Inode("dir", 0o1777)}))
    mounts += volumes_from(host, hc.get("VolumesFrom") or [])
    seen = set()
    for m in mounts:
        if m.destination in seen:
            raise InvalidParameter(f"Duplicate mount point: {m.destination}")
        seen.add(m.destination)
    for dest in list((body.get("Volumes") or {})) + list(image_volumes or {}):
        dest = filesystem.absolute(dest)
        if dest not in seen:
            seen.add(dest)
            mounts.append(Mount("volume", dest, volume=create(host), mode=""))  # the image's VOLUME
    return mounts


def volumes_from(host: Host, specs: list[str]) -> list[Mount]:
    """--volumes-from NAME[:ro|:rw]: the other container's volumes and binds, shared."""
    out = []
    for spec in specs:
        name, _, mode = spec.partition(":")
        if mode not in ("", "ro", "rw"):
            raise InvalidParameter(f"invalid mode for volumes-from: {mode}")
        try:
            other = host.find_container(name)
        except NotFound as e:
            raise InvalidParameter(e.message) from None
        for m in other.mounts:
            if m.kind == "tmpfs":
                continue
            out.append(Mount(m.kind, m.destination, m.source, m.volume, rw=m.rw if not mode else mode == "rw",
                             mode="" if m.kind == "volume" else m.mode, propagation=m.propagation,
                             make_source=m.make_source))
    return out


def mount_json(m: Mount) -> dict:
    """One of inspect's Mounts (and `docker ps`'s)."""
    out = {"Type": m.kind}
    if m.volume is not None:
        out["Name"] = m.volume.name
    out["Source"] = m.volume.mountpoint if m.volume is not None else m.source
    out["Destination"] = m.destination
    if m.volume is not None:
        out["Driver"] = m.volume.driver
    out.update({"Mode": m.mode, "RW": m.rw, "Propagation": m.propagation})
    return out
