"""docker-py's whole API surface against the simulator: every call answers (issue 12 item 4).

Every public method of docker.APIClient (those it adds to requests.Session) and of the high-level
client (DockerClient, its collections, the Swarm and the objects the collections return) is
called with plausible arguments, each in a thread with a time limit. An answer of any kind is
fine: a result, the engine's error (APIError, NotFound, a 501 for what the simulator does not
model), or docker-py refusing the arguments itself. A stream counts when its first item (or, for
one that ends, all of it) has come; an attach stream when its headers have. What fails the test: a call that does not
answer in time (a hang), a connection dropped without an answer, or an answer docker-py cannot
read (a malformed one).

The same calls run against a fresh private real engine (labkit.hosts; hold the real-engine
lock), which must answer every one too; the two engines' classes of answer are printed side by
side (and their tallies at the end of the module). Arguments that make the engine reach a registry name one on
this machine that does not exist (localhost:5999): nothing leaves it.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field

import docker
import pytest
import requests

from labkit import sim
from tests.figures import report

PREFIX = "lkas"
CALL_TIMEOUT = 20        # seconds for one call to answer
CLIENT_TIMEOUT = 15      # docker-py's read timeout (a hang shows as ReadTimeout before that)
NOWHERE = "localhost:5999"   # a registry that does not exist: the engine's attempt fails at once
RESULTS: dict[str, dict[str, str]] = {}   # engine -> label -> class of answer


def tar_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@dataclass
class Surface:
    """The clients and the objects the calls work on (made by earlier calls, or their stand-ins)."""
    client: docker.DockerClient
    folder: str
    ids: dict = field(default_factory=dict)

    @property
    def api(self) -> docker.APIClient:
        return self.client.api

    def get(self, key: str, default: str = "nosuch") -> str:
        return self.ids.get(key) or default

    def keep(self, key: str, value):
        """Remember what a call made (an ID, an object) for later calls; return it."""
        self.ids[key] = value.get("Id") or value.get("ID") if isinstance(value, dict) else value
        return value


def drain(stream):
    """A finite stream read to its end (an error in it is raised here); a plain answer as it is."""
    if isinstance(stream, (dict, list, str, bytes)) or stream is None:
        return stream
    return list(stream)


def first(stream):
    """The first item of a stream (an error in it is raised here); the rest is not read."""
    for item in stream:
        return item
    return None


def host_config(s: Surface, **kw):
    return s.api.create_host_config(**kw)


def calls(s: Surface) -> list[tuple[str, object]]:
    """(label, call) in order: later calls use what earlier ones made."""
    a, c = s.api, s.client
    run, done = "surf-run", "surf-done"
    tar = tar_of({"hello.txt": b"hello\n"})
    image_tar = tar_of({"bin/true": b""})
    plugin_dir = os.path.join(s.folder, "plugin")
    os.makedirs(os.path.join(plugin_dir, "rootfs"), exist_ok=True)
    with open(os.path.join(plugin_dir, "config.json"), "w") as f:
        json.dump({"Description": "a plugin", "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "p.sock"},
                   "Entrypoint": ["/p"]}, f)
    image_file = os.path.join(s.folder, "image.tar")
    with open(image_file, "wb") as f:
        f.write(image_tar)
    spec = lambda: docker.types.TaskTemplate(docker.types.ContainerSpec("busybox", ["sleep", "600"]))  # noqa: E731
    return [
        # the system
        ("APIClient.ping", lambda: a.ping()),
        ("APIClient.version", lambda: a.version()),
        ("APIClient.info", lambda: a.info()),
        ("APIClient.df", lambda: a.df()),
        ("APIClient.events", lambda: drain(a.events(until=int(time.time()) + 1, decode=True))),
        ("APIClient.reload_config", lambda: a.reload_config(os.path.join(s.folder, "no-config.json"))),
        ("APIClient.login", lambda: a.login("learner", "secret", registry=NOWHERE)),
        ("DockerClient.ping", lambda: c.ping()),
        ("DockerClient.version", lambda: c.version()),
        ("DockerClient.info", lambda: c.info()),
        ("DockerClient.df", lambda: c.df()),
        ("DockerClient.events", lambda: drain(c.events(until=int(time.time()) + 1, decode=True))),
        ("DockerClient.login", lambda: c.login("learner", "secret", registry=NOWHERE)),
        # networks
        ("APIClient.create_network", lambda: s.keep("net", a.create_network("surf-net", labels={"surf": "1"}))),
        ("APIClient.networks", lambda: a.networks(names=["surf-net"])),
        ("APIClient.inspect_network", lambda: a.inspect_network(s.get("net"))),
        ("APIClient.create_endpoint_config", lambda: a.create_endpoint_config(aliases=["web"])),
        ("APIClient.create_networking_config", lambda: a.create_networking_config(
            {"surf-net": a.create_endpoint_config(aliases=["web"])})),
        ("NetworkCollection.create", lambda: s.keep("net2", c.networks.create("surf-net2"))),
        ("NetworkCollection.get", lambda: c.networks.get("surf-net2")),
        ("NetworkCollection.list", lambda: c.networks.list(filters={"label": "surf"})),
        # containers
        ("APIClient.create_host_config", lambda: host_config(s, port_bindings={80: ("127.0.0.1", 8088)})),
        ("APIClient.create_container_config", lambda: a.create_container_config("busybox", "true")),
        ("APIClient.create_container", lambda: s.keep("run", a.create_container(
            "busybox", "sleep 600", name=run, ports=[80], host_config=host_config(
                s, port_bindings={80: ("127.0.0.1", 8088)}, network_mode="surf-net")))),
        ("APIClient.create_container_from_config", lambda: s.keep("done", a.create_container_from_config(
            a.create_container_config("busybox", ["echo", "hi"]), done))),
        ("APIClient.start", lambda: a.start(run)),
        ("APIClient.containers", lambda: a.containers(all=True, filters={"name": "surf"})),
        ("APIClient.inspect_container", lambda: a.inspect_container(run)),
        ("APIClient.port", lambda: a.port(run, 80)),
        ("APIClient.top", lambda: a.top(run)),
        ("APIClient.diff", lambda: a.diff(run)),
        ("APIClient.stats", lambda: a.stats(run, stream=False)),
        ("APIClient.logs", lambda: a.logs(run, tail=5)),
        ("APIClient.resize", lambda: a.resize(run, 24, 80)),
        ("APIClient.update_container", lambda: a.update_container(run, cpu_shares=512)),
        ("APIClient.rename", lambda: a.rename(run, "surf-run2")),
        ("APIClient.rename (back)", lambda: a.rename("surf-run2", run)),
        ("APIClient.pause", lambda: a.pause(run)),
        ("APIClient.unpause", lambda: a.unpause(run)),
        ("APIClient.connect_container_to_network", lambda: a.connect_container_to_network(run, "surf-net2",
                                                                                          aliases=["db"])),
        ("APIClient.disconnect_container_from_network", lambda: a.disconnect_container_from_network(run, "surf-net2")),
        ("APIClient.exec_create", lambda: s.keep("exec", a.exec_create(run, "echo hi"))),
        ("APIClient.exec_start", lambda: a.exec_start(s.get("exec"))),
        ("APIClient.exec_inspect", lambda: a.exec_inspect(s.get("exec"))),
        ("APIClient.exec_resize", lambda: a.exec_resize(s.get("exec"), height=24, width=80)),
        ("APIClient.put_archive", lambda: a.put_archive(run, "/tmp", tar)),
        ("APIClient.get_archive", lambda: first(a.get_archive(run, "/tmp/hello.txt")[0])),
        ("APIClient.export", lambda: first(a.export(run))),
        ("APIClient.attach_socket", lambda: a.attach_socket(run, params={"stdout": 1, "stream": 1})),
        ("APIClient.logs (follow)", lambda: drain(a.logs(done, stream=True, follow=True))),
        ("APIClient.stats (stream)", lambda: first(a.stats(run, stream=True))),
        ("APIClient.kill", lambda: a.kill(run, signal="SIGKILL")),
        ("APIClient.restart", lambda: a.restart(run, timeout=1)),
        ("APIClient.stop", lambda: a.stop(run, timeout=1)),
        ("APIClient.start (done)", lambda: a.start(done)),
        ("APIClient.wait", lambda: a.wait(done)),
        ("APIClient.attach", lambda: a.attach(run, stream=True, logs=True)),
        ("APIClient.commit", lambda: s.keep("image", a.commit(done, repository="surf-image", tag="v1"))),
        ("ContainerCollection.run", lambda: c.containers.run("busybox", "echo hello", name="surf-once", remove=True)),
        ("ContainerCollection.create", lambda: s.keep("ctr", c.containers.create("busybox", "sleep 600",
                                                                                name="surf-model"))),
        ("ContainerCollection.get", lambda: c.containers.get("surf-model")),
        ("ContainerCollection.list", lambda: c.containers.list(all=True, filters={"name": "surf"})),
        ("Container.start", lambda: c.containers.get("surf-model").start()),
        ("Container.reload", lambda: c.containers.get("surf-model").reload()),
        ("Container.exec_run", lambda: c.containers.get("surf-model").exec_run("echo hi")),
        ("Container.top", lambda: c.containers.get("surf-model").top()),
        ("Container.diff", lambda: c.containers.get("surf-model").diff()),
        ("Container.stats", lambda: c.containers.get("surf-model").stats(stream=False)),
        ("Container.logs", lambda: c.containers.get("surf-model").logs(tail=1)),
        ("Container.put_archive", lambda: c.containers.get("surf-model").put_archive("/tmp", tar)),
        ("Container.get_archive", lambda: first(c.containers.get("surf-model").get_archive("/tmp/hello.txt")[0])),
        ("Container.export", lambda: first(c.containers.get("surf-model").export())),
        ("Container.attach", lambda: c.containers.get("surf-model").attach(stream=True, logs=True)),
        ("Container.attach_socket", lambda: c.containers.get("surf-model").attach_socket(params={"stdout": 1})),
        ("Container.resize", lambda: c.containers.get("surf-model").resize(24, 80)),
        ("Container.update", lambda: c.containers.get("surf-model").update(cpu_shares=512)),
        ("Container.pause", lambda: c.containers.get("surf-model").pause()),
        ("Container.unpause", lambda: c.containers.get("surf-model").unpause()),
        ("Container.rename", lambda: c.containers.get("surf-model").rename("surf-model2")),
        ("Container.kill", lambda: s.ids["ctr"].kill()),
        ("Container.restart", lambda: s.ids["ctr"].restart(timeout=1)),
        ("Container.stop", lambda: s.ids["ctr"].stop(timeout=1)),
        ("Container.wait", lambda: s.ids["ctr"].wait()),
        ("Container.commit", lambda: s.ids["ctr"].commit("surf-image2")),
        ("Container.remove", lambda: s.ids["ctr"].remove(force=True)),
        ("Network.connect", lambda: c.networks.get("surf-net2").connect(done)),
        ("Network.disconnect", lambda: c.networks.get("surf-net2").disconnect(done)),
        ("Network.reload", lambda: c.networks.get("surf-net2").reload()),
        ("Network.remove", lambda: c.networks.get("surf-net2").remove()),
        # images
        ("APIClient.images", lambda: a.images()),
        ("APIClient.inspect_image", lambda: a.inspect_image("busybox")),
        ("APIClient.history", lambda: a.history("busybox")),
        ("APIClient.tag", lambda: a.tag("busybox", "surf-tagged", "v1")),
        ("APIClient.get_image", lambda: first(a.get_image("busybox"))),
        ("APIClient.load_image", lambda: drain(a.load_image(image_tar))),
        ("APIClient.import_image", lambda: a.import_image(src=image_file, repository="surf-imported")),
        ("APIClient.import_image_from_data", lambda: a.import_image_from_data(image_tar, repository="surf-data")),
        ("APIClient.import_image_from_file", lambda: a.import_image_from_file(image_file, repository="surf-file")),
        ("APIClient.import_image_from_stream", lambda: a.import_image_from_stream(io.BytesIO(image_tar),
                                                                                  repository="surf-stream")),
        ("APIClient.import_image_from_url", lambda: a.import_image_from_url("http://127.0.0.1:9/image.tar")),
        ("APIClient.import_image_from_image", lambda: a.import_image_from_image(f"{NOWHERE}/busybox")),
        ("APIClient.pull", lambda: a.pull(f"{NOWHERE}/busybox", tag="latest")),
        ("APIClient.push", lambda: a.push(f"{NOWHERE}/surf-tagged", tag="v1")),
        ("APIClient.search", lambda: a.search(f"{NOWHERE}/busybox")),
        ("APIClient.inspect_distribution", lambda: a.inspect_distribution(f"{NOWHERE}/busybox")),
        ("APIClient.build", lambda: list(a.build(fileobj=io.BytesIO(b"FROM busybox\nLABEL surf=1\n"),
                                                 tag="surf-built", rm=True, decode=True))),
        ("APIClient.remove_image", lambda: a.remove_image("surf-tagged:v1")),
        ("ImageCollection.list", lambda: c.images.list()),
        ("ImageCollection.get", lambda: c.images.get("busybox")),
        ("ImageCollection.create", lambda: c.images.create()),
        ("ImageCollection.load", lambda: c.images.load(image_tar)),
        ("ImageCollection.pull", lambda: c.images.pull(f"{NOWHERE}/busybox", tag="latest")),
        ("ImageCollection.push", lambda: c.images.push(f"{NOWHERE}/busybox", tag="latest")),
        ("ImageCollection.search", lambda: c.images.search(f"{NOWHERE}/busybox")),
        ("ImageCollection.get_registry_data", lambda: c.images.get_registry_data(f"{NOWHERE}/busybox")),
        ("ImageCollection.build", lambda: c.images.build(fileobj=io.BytesIO(b"FROM busybox\nLABEL surf=2\n"),
                                                         tag="surf-built2", rm=True)),
        ("Image.reload", lambda: c.images.get("busybox").reload()),
        ("Image.history", lambda: c.images.get("busybox").history()),
        ("Image.tag", lambda: c.images.get("busybox").tag("surf-tagged2", "v1")),
        ("Image.save", lambda: first(c.images.get("busybox").save())),
        ("Image.remove", lambda: c.images.get("surf-tagged2:v1").remove()),
        ("ImageCollection.remove", lambda: c.images.remove("surf-image:v1")),
        # volumes
        ("APIClient.create_volume", lambda: a.create_volume("surf-vol", labels={"surf": "1"})),
        ("APIClient.volumes", lambda: a.volumes(filters={"label": "surf"})),
        ("APIClient.inspect_volume", lambda: a.inspect_volume("surf-vol")),
        ("APIClient.remove_volume", lambda: a.remove_volume("surf-vol")),
        ("VolumeCollection.create", lambda: c.volumes.create("surf-vol2")),
        ("VolumeCollection.get", lambda: c.volumes.get("surf-vol2")),
        ("VolumeCollection.list", lambda: c.volumes.list()),
        ("Volume.reload", lambda: c.volumes.get("surf-vol2").reload()),
        ("Volume.remove", lambda: c.volumes.get("surf-vol2").remove()),
        # plugins
        ("APIClient.plugins", lambda: a.plugins()),
        ("APIClient.plugin_privileges", lambda: a.plugin_privileges(f"{NOWHERE}/plugin")),
        ("APIClient.pull_plugin", lambda: drain(a.pull_plugin(f"{NOWHERE}/plugin", []))),
        ("APIClient.create_plugin", lambda: a.create_plugin("surf-plugin", plugin_dir)),
        ("APIClient.inspect_plugin", lambda: a.inspect_plugin("surf-plugin")),
        ("APIClient.configure_plugin", lambda: a.configure_plugin("surf-plugin", {"DEBUG": "1"})),
        ("APIClient.enable_plugin", lambda: a.enable_plugin("surf-plugin")),
        ("APIClient.disable_plugin", lambda: a.disable_plugin("surf-plugin")),
        ("APIClient.upgrade_plugin", lambda: list(a.upgrade_plugin("surf-plugin", f"{NOWHERE}/plugin", []))),
        ("APIClient.push_plugin", lambda: drain(a.push_plugin("surf-plugin"))),
        ("APIClient.remove_plugin", lambda: a.remove_plugin("surf-plugin", force=True)),
        ("PluginCollection.create", lambda: c.plugins.create("surf-plugin2", plugin_dir)),
        ("PluginCollection.get", lambda: c.plugins.get("surf-plugin2")),
        ("PluginCollection.list", lambda: c.plugins.list()),
        ("PluginCollection.install", lambda: c.plugins.install(f"{NOWHERE}/plugin")),
        ("Plugin.reload", lambda: c.plugins.get("surf-plugin2").reload()),
        ("Plugin.configure", lambda: c.plugins.get("surf-plugin2").configure({"DEBUG": "1"})),
        ("Plugin.enable", lambda: c.plugins.get("surf-plugin2").enable()),
        ("Plugin.disable", lambda: c.plugins.get("surf-plugin2").disable()),
        ("Plugin.upgrade", lambda: list(c.plugins.get("surf-plugin2").upgrade(f"{NOWHERE}/plugin"))),
        ("Plugin.push", lambda: drain(c.plugins.get("surf-plugin2").push())),
        ("Plugin.remove", lambda: c.plugins.get("surf-plugin2").remove(force=True)),
        # swarm, nodes, services, tasks, secrets, configs
        ("APIClient.create_swarm_spec", lambda: a.create_swarm_spec(snapshot_interval=5000)),
        ("APIClient.init_swarm", lambda: a.init_swarm(advertise_addr="eth0")),
        ("APIClient.inspect_swarm", lambda: s.keep("swarm", a.inspect_swarm())),
        ("APIClient.get_unlock_key", lambda: a.get_unlock_key()),
        ("APIClient.update_swarm", lambda: a.update_swarm(a.inspect_swarm()["Version"]["Index"],
                                                          swarm_spec=a.create_swarm_spec(snapshot_interval=5000))),
        ("APIClient.unlock_swarm", lambda: a.unlock_swarm("SWMKEY-1-nosuchkey")),
        ("APIClient.join_swarm", lambda: a.join_swarm(["127.0.0.1:2377"], "SWMTKN-1-nosuchtoken")),
        ("APIClient.nodes", lambda: s.keep("node", (a.nodes() or [{}])[0])),
        ("APIClient.inspect_node", lambda: a.inspect_node(s.get("node"))),
        ("APIClient.update_node", lambda: a.update_node(s.get("node"), a.inspect_node(s.get("node"))["Version"]["Index"],
                                                        {"Availability": "active", "Role": "manager"})),
        ("APIClient.remove_node", lambda: a.remove_node(s.get("node"))),
        ("APIClient.create_service", lambda: s.keep("service", a.create_service(spec(), name="surf-svc"))),
        ("APIClient.services", lambda: a.services()),
        ("APIClient.inspect_service", lambda: a.inspect_service("surf-svc")),
        ("APIClient.update_service", lambda: a.update_service(
            "surf-svc", a.inspect_service("surf-svc")["Version"]["Index"], task_template=spec(),
            mode=docker.types.ServiceMode("replicated", replicas=2))),
        ("APIClient.tasks", lambda: s.keep("task", (a.tasks(filters={"service": "surf-svc"}) or [{}])[0])),
        ("APIClient.inspect_task", lambda: a.inspect_task(s.get("task"))),
        ("APIClient.service_logs", lambda: drain(a.service_logs("surf-svc", stdout=True))),
        ("APIClient.remove_service", lambda: a.remove_service("surf-svc")),
        ("APIClient.create_secret", lambda: s.keep("secret", a.create_secret("surf-secret", b"s3cret"))),
        ("APIClient.secrets", lambda: a.secrets()),
        ("APIClient.inspect_secret", lambda: a.inspect_secret(s.get("secret"))),
        ("APIClient.remove_secret", lambda: a.remove_secret(s.get("secret"))),
        ("APIClient.create_config", lambda: s.keep("config", a.create_config("surf-config", b"a=1"))),
        ("APIClient.configs", lambda: a.configs()),
        ("APIClient.inspect_config", lambda: a.inspect_config(s.get("config"))),
        ("APIClient.remove_config", lambda: a.remove_config(s.get("config"))),
        ("Swarm.reload", lambda: c.swarm.reload()),
        ("Swarm.get_unlock_key", lambda: c.swarm.get_unlock_key()),
        ("Swarm.update", lambda: c.swarm.update(snapshot_interval=5000)),
        ("Swarm.unlock", lambda: c.swarm.unlock("SWMKEY-1-nosuchkey")),
        ("Swarm.join", lambda: c.swarm.join(["127.0.0.1:2377"], "SWMTKN-1-nosuchtoken")),
        ("NodeCollection.list", lambda: c.nodes.list()),
        ("NodeCollection.get", lambda: c.nodes.get(s.get("node"))),
        ("NodeCollection.create", lambda: c.nodes.create()),
        ("Node.reload", lambda: c.nodes.get(s.get("node")).reload()),
        ("Node.update", lambda: c.nodes.get(s.get("node")).update({"Availability": "active", "Role": "manager"})),
        ("Node.remove", lambda: c.nodes.get(s.get("node")).remove()),
        ("ServiceCollection.create", lambda: c.services.create("busybox", ["sleep", "600"], name="surf-svc2")),
        ("ServiceCollection.get", lambda: c.services.get("surf-svc2")),
        ("ServiceCollection.list", lambda: c.services.list()),
        ("Service.reload", lambda: c.services.get("surf-svc2").reload()),
        ("Service.tasks", lambda: c.services.get("surf-svc2").tasks()),
        ("Service.logs", lambda: drain(c.services.get("surf-svc2").logs(stdout=True))),
        ("Service.update", lambda: c.services.get("surf-svc2").update(labels={"surf": "2"})),
        ("Service.scale", lambda: c.services.get("surf-svc2").scale(2)),
        ("Service.force_update", lambda: c.services.get("surf-svc2").force_update()),
        ("Service.remove", lambda: c.services.get("surf-svc2").remove()),
        ("SecretCollection.create", lambda: s.keep("secret2", c.secrets.create(name="surf-secret2", data=b"x").id)),
        ("SecretCollection.get", lambda: c.secrets.get(s.get("secret2"))),
        ("SecretCollection.list", lambda: c.secrets.list()),
        ("Secret.reload", lambda: c.secrets.get(s.get("secret2")).reload()),
        ("Secret.remove", lambda: c.secrets.get(s.get("secret2")).remove()),
        ("ConfigCollection.create", lambda: s.keep("config2", c.configs.create(name="surf-config2", data=b"x").id)),
        ("ConfigCollection.get", lambda: c.configs.get(s.get("config2"))),
        ("ConfigCollection.list", lambda: c.configs.list()),
        ("Config.reload", lambda: c.configs.get(s.get("config2")).reload()),
        ("Config.remove", lambda: c.configs.get(s.get("config2")).remove()),
        ("Swarm.init", lambda: c.swarm.init(advertise_addr="eth0")),
        ("APIClient.leave_swarm", lambda: a.leave_swarm(force=True)),
        ("Swarm.leave", lambda: c.swarm.leave(force=True)),
        # the rest: removals and prunes
        ("APIClient.remove_container", lambda: a.remove_container(run, force=True)),
        ("APIClient.remove_network", lambda: a.remove_network("surf-net")),
        ("APIClient.prune_containers", lambda: a.prune_containers(filters={"label": "surf"})),
        ("APIClient.prune_images", lambda: a.prune_images(filters={"dangling": True})),
        ("APIClient.prune_networks", lambda: a.prune_networks(filters={"label": "surf"})),
        ("APIClient.prune_volumes", lambda: a.prune_volumes(filters={"label": "surf"})),
        ("APIClient.prune_builds", lambda: a.prune_builds()),
        ("ContainerCollection.prune", lambda: c.containers.prune(filters={"label": "surf"})),
        ("ImageCollection.prune", lambda: c.images.prune(filters={"dangling": True})),
        ("ImageCollection.prune_builds", lambda: c.images.prune_builds()),
        ("NetworkCollection.prune", lambda: c.networks.prune(filters={"label": "surf"})),
        ("VolumeCollection.prune", lambda: c.volumes.prune(filters={"label": "surf"})),
        ("Container.remove (done)", lambda: c.containers.get(done).remove(force=True)),
        ("DockerClient.close", lambda: None),
    ]


# -- what the surface is ---------------------------------------------------------------------------------
def own_methods(cls, skip=()) -> set[str]:
    return {n for n, v in inspect.getmembers(cls, callable) if not n.startswith("_") and n not in skip}


def surface() -> set[str]:
    """Every public method to call: APIClient's own (not requests.Session's), DockerClient's, its
    collections' (not the plumbing `model`/`prepare_model`), the Swarm's and the objects'."""
    from docker.models import configs, containers, images, networks, nodes, plugins, secrets, services, volumes
    names = {f"APIClient.{n}" for n in own_methods(docker.APIClient) - own_methods(requests.Session)}
    names |= {f"DockerClient.{n}" for n in own_methods(docker.DockerClient, ("from_env", "from_context"))}
    for module in (containers, images, networks, volumes, services, nodes, secrets, configs, plugins):
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__ and cls.__name__ != "RegistryData":
                names |= {f"{cls.__name__}.{n}" for n in own_methods(cls, ("model", "prepare_model", "id_attribute"))
                          if n in vars(cls) or cls.__name__.endswith("Collection")}
    names |= {f"Swarm.{n}" for n in own_methods(docker.models.swarm.Swarm) if n in vars(docker.models.swarm.Swarm)}
    return names


def test_the_calls_cover_the_whole_surface(tmp_path):
    s = Surface(docker.DockerClient(base_url="unix:///nonexistent", version="1.41"), str(tmp_path))
    labels = {label.split(" (")[0] for label, _ in calls(s)}
    missing = sorted(surface() - labels)
    assert not missing, f"docker-py methods no call drives: {missing}"


# -- calling -------------------------------------------------------------------------------------------------
def classify(call) -> str:
    """Call in a thread; the class of its answer."""
    box: dict = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as e:    # noqa: BLE001 - every outcome is classified below
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(CALL_TIMEOUT)
    if t.is_alive():
        return "hang"
    e = box.get("error")
    if e is None:
        close(box.get("value"))
        return "ok"
    if isinstance(e, requests.exceptions.ReadTimeout):
        return "hang"
    if isinstance(e, docker.errors.APIError):
        return f"error {e.status_code}"
    if isinstance(e, (requests.exceptions.ConnectionError, ConnectionError)):
        return f"dropped: {type(e).__name__}: {str(e)[:80]}"
    if isinstance(e, (json.JSONDecodeError, requests.exceptions.JSONDecodeError)):
        return f"malformed: {type(e).__name__}: {str(e)[:80]}"
    if isinstance(e, (docker.errors.DockerException, NotImplementedError, ValueError)):
        return f"refused by docker-py: {type(e).__name__}"
    if isinstance(e, (TypeError, KeyError, IndexError, AttributeError)):
        return f"docker-py raised {type(e).__name__}"
    return f"malformed: {type(e).__name__}: {str(e)[:80]}"


def close(value) -> None:
    for name in ("close",):
        if hasattr(value, name) and not isinstance(value, (dict, list, str, bytes)):
            with contextlib.suppress(Exception):
                getattr(value, name)()
    if hasattr(value, "_sock"):
        with contextlib.suppress(Exception):
            value._sock.close()


def drive(client: docker.DockerClient, engine: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="labkit-surface-") as folder:
        s = Surface(client, folder)
        got = {label: classify(call) for label, call in calls(s)}
    RESULTS[engine] = got
    return got


BAD = ("hang", "dropped", "malformed")


def failures(got: dict[str, str]) -> dict[str, str]:
    return {label: what for label, what in got.items() if what.startswith(BAD)}


def test_sim_answers_every_call(request, closing_servers):
    server = sim.serve(sim.World())
    closing_servers.append(server)
    got = drive(docker.DockerClient(base_url=server.url, version="1.41", timeout=CLIENT_TIMEOUT), "sim")
    report(request.config, f"docker-py API surface on the simulator ({len(got)} calls)", summary(got))
    assert not failures(got), failures(got)


def test_docker_answers_every_call(request, private_engines, real_engine):
    got = drive(docker.DockerClient(base_url=real_engine.url, version="1.41", timeout=CLIENT_TIMEOUT), "docker")
    report(request.config, f"docker-py API surface on the real engine ({len(got)} calls)", summary(got))
    if "sim" in RESULTS:
        rows = [f"{label:45} {RESULTS['sim'].get(label, '-'):28} {what}" for label, what in got.items()
                if RESULTS["sim"].get(label) != what]
        print("\ncalls answered differently (label, sim, docker):\n" + "\n".join(rows))
    assert not failures(got), failures(got)


def summary(got: dict[str, str]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for what in got.values():
        key = what.split(":")[0]
        kinds[key] = kinds.get(key, 0) + 1
    return kinds
