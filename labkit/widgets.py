"""Widgets: a graph that redraws in place, and the lab's control panel.

    view = labkit.view(lab)          # a GraphView; view.redraw() after acting on the lab
    p = labkit.panel(lab)            # the control panel: the cell shows it, like any widget
    p.network_name.value = "front"   # every field and button is an attribute,
    p.create_network.click()         # so tests and notebooks can drive it from code
    p.command, p.message, p.ok       # what the last action ran, and what came of it

Neither displays itself. Redrawing reassigns the value of an HTML widget holding the drawing's
sandboxed iframe: no Output widget, no clear_output, so a cell's output never piles up. Each
widget's text repr is short and depends only on what it shows: it is all a saved notebook keeps
of a widget (JupyterLab does not save widget state unless asked to, so the 161 KiB drawing library
each redraw carries is never stored), and what nbval compares. Tools that execute notebooks save
widget state by default (nbclient, `jupyter nbconvert --execute`): turn it off there
(`store_widget_state=False`), or each graph widget's last drawing is stored, library and all.

Callbacks only call the Lab and redraw. The learner's input goes to the Lab as text, never
evaluated; what the Lab or the engine refuses comes back as a message with the engine's own text
(docker's and labkit's errors share the root docker.errors.DockerException), never a traceback.
When the engine stops, each action says so (the Lab's EngineUnavailable: which engine, what was not
done), the last drawing stays, and the panel works again as soon as the engine answers. An error
inside labkit itself (a bug) is shown as a one-line message too, and kept in `panel.error`.
"""
from __future__ import annotations

import html
import ipaddress
import re

import docker.errors
import ipywidgets as w
import requests.exceptions

from . import model, paths, rules, verdicts
from .drawing import HEIGHT, Drawing, build, highlight
from .errors import EngineUnavailable
from .lab import DRIVERS, IMAGE, MAX_NAME, NAME, NAME_RULE, BadArgument, Lab
from .looking import draw
from .reachability import matrix

ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
MODES = (("its networks (none given: the default bridge)", ""), ("host", "host"), ("none", "none"))
PROBES = ("ping", "name", "port")


def error_text(e: Exception) -> str:
    """The message of an engine's or labkit's error: what was being done, and the engine's text."""
    if isinstance(e, docker.errors.APIError):
        return str(e.explanation or e)
    if isinstance(e, requests.exceptions.RequestException):
        return f"the engine did not answer: {e}"
    return str(e)


class Progress(w.HTML):
    """The live progress of a long step in a notebook (starting hosts, making the lab image): call
    it with each step's line, and it shows the lines so far. Its text repr names only the task, so
    a saved notebook (and nbval) keeps the same output whatever the steps took."""

    def __init__(self, task: str, **kwargs):
        super().__init__(**kwargs)
        self.task, self.lines = task, []
        self._show()

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self._show()

    def _show(self) -> None:
        text = "\n".join([f"labkit: {self.task}"] + self.lines[-12:])
        self.value = f'<pre style="margin:0;font-size:12px;line-height:1.4;color:#555">{html.escape(text)}</pre>'

    def __repr__(self) -> str:
        return f"<labkit progress: {self.task}>"


class GraphView(w.HTML):
    """The drawing of a Lab, client, Topology or list of them, redrawn in place by `redraw()`."""

    def __init__(self, source=None, path=None, height: str = HEIGHT, **kwargs):
        super().__init__(**kwargs)
        self.source, self.path, self.height = source, path, height
        self.drawing: Drawing | None = None
        self.layout.width = "100%"
        if source is not None:
            self.redraw()

    def redraw(self, path=...) -> Drawing:
        """Draw the source again (with path, if given: a pair of containers, or None for none)."""
        if path is not ...:
            self.path = path
        return self.show(draw(self.source, path=self.path, height=self.height, library="inline"))

    def show(self, d: Drawing) -> Drawing:
        """Show this drawing (the iframe carries the drawing library: a widget's value is not saved)."""
        self.drawing = d
        self.value = d.iframe("inline")
        return d

    def __repr__(self) -> str:
        return f"GraphView({self.drawing.summary() if self.drawing else 'nothing drawn yet'})"


def view(x, path=None, height: str = HEIGHT) -> GraphView:
    """A GraphView of x (see labkit.draw for what x can be); call its redraw() after each action."""
    return GraphView(x, path=path, height=height)


def _text(description: str, placeholder: str = "", value: str = "", options=None) -> w.Widget:
    style = {"description_width": "90px"}
    layout = w.Layout(width="420px")
    if options is not None:
        return w.Combobox(description=description, placeholder=placeholder, value=value, options=options,
                          ensure_option=False, style=style, layout=layout)
    return w.Text(description=description, placeholder=placeholder, value=value, style=style, layout=layout)


def _button(description: str, style: str = "") -> w.Button:
    return w.Button(description=description, button_style=style, layout=w.Layout(width="auto"))


SECTIONS = ("Networks", "Containers", "Connect", "Probe", "Lab")


class Panel(w.HBox):
    """Control panel over a Lab: networks, containers, connections, probes, reset, and the graph.

    Fields and buttons (all attributes): network_name, network_driver, network_subnet,
    network_internal, network_attachable, create_network, remove_network; container_name,
    container_image, container_command, container_networks, container_ports, container_mode,
    run_container, remove_container; link_container, link_network, connect, disconnect;
    probe_source, probe_target, probe_kind, probe_port, probe; refresh (Redraw: after changes made
    outside the panel), show_matrix, reset.
    After each action: `command` (the docker CLI lines it ran, also when refused), `message`, `ok`,
    `error` (the exception when it failed, else None), `verdict` (after a probe that ran: its
    labkit.verdicts.Verdict, whose `reachable` is `ok`; else None), and the graph redrawn (with the
    route of the last probe highlighted)."""

    def __init__(self, lab: Lab, height: str = "440px"):
        self.lab = lab
        self.command: list[str] = []
        self.message = ""
        self.ok = True
        self.error: BaseException | None = None
        self.verdict: verdicts.Verdict | None = None
        self.topology: model.Topology | None = None

        self.network_name = _text("name", "front", options=[])
        self.network_driver = w.Dropdown(options=[d for d in DRIVERS if not rules.namespace_only(d)],
                                         value=rules.Driver.BRIDGE.value, description="driver",
                                         style={"description_width": "90px"})
        self.network_subnet = _text("subnet", "10.10.0.0/24 (optional)")
        self.network_internal = w.Checkbox(description="internal", indent=False)
        self.network_attachable = w.Checkbox(description="attachable", indent=False)
        self.create_network = _button("Create network", "primary")
        self.remove_network = _button("Remove network", "danger")

        self.container_name = _text("name", "web", options=[])
        self.container_image = _text("image", value=IMAGE)
        self.container_command = _text("command", "sleep 86400 (the default)")
        self.container_networks = _text("networks", "front, back (first at run, then connected)")
        self.container_ports = _text("ports", "8080:80, 127.0.0.1:8443:443")
        self.container_mode = w.Dropdown(options=MODES, value="", description="network mode",
                                         style={"description_width": "105px"}, layout=w.Layout(width="420px"))
        self.run_container = _button("Run container", "primary")
        self.remove_container = _button("Remove container", "danger")

        self.link_container = _text("container", "web", options=[])
        self.link_network = _text("network", "back", options=[])
        self.connect = _button("Connect", "primary")
        self.disconnect = _button("Disconnect")

        self.probe_source = _text("from", "web", options=[])
        self.probe_target = _text("to", "db, or an address", options=[])
        self.probe_kind = w.ToggleButtons(options=PROBES, value="ping", description="probe",
                                          style={"description_width": "90px", "button_width": "70px"})
        self.probe_port = _text("port", "80 (for a port probe)")
        self.probe = _button("Probe", "primary")

        self.refresh = _button("Redraw")       # after changes made outside the panel (code, a terminal)
        self.reset = _button("Reset the lab", "danger")
        self.show_matrix = _button("Reachability matrix")
        self.matrix_view = w.HTML()

        self.status = w.HTML()
        self.graph = GraphView(height=height)

        actions = [(self.create_network, self._create_network), (self.remove_network, self._remove_network),
                   (self.run_container, self._run_container), (self.remove_container, self._remove_container),
                   (self.connect, self._connect), (self.disconnect, self._disconnect),
                   (self.probe, self._probe), (self.refresh, self._refresh), (self.reset, self._reset),
                   (self.show_matrix, self._matrix)]
        for button, action in actions:
            button.on_click(lambda _b, action=action: self._act(action))

        row = w.HBox
        pages = [
            w.VBox([self.network_name, self.network_driver, self.network_subnet,
                    row([self.network_internal, self.network_attachable]),
                    row([self.create_network, self.remove_network])]),
            w.VBox([self.container_name, self.container_image, self.container_command,
                    self.container_networks, self.container_ports, self.container_mode,
                    row([self.run_container, self.remove_container])]),
            w.VBox([self.link_container, self.link_network, row([self.connect, self.disconnect])]),
            w.VBox([self.probe_source, self.probe_target, self.probe_kind, self.probe_port, row([self.probe])]),
            w.VBox([row([self.refresh, self.show_matrix, self.reset]), self.matrix_view]),
        ]
        # Sections as toggle buttons over a stack, not a Tab: after a browser reload, ipywidgets
        # 8.1's Tab in JupyterLab 4.6 was seen to stop switching; these are plain widgets, linked
        # in the browser (jslink), so switching needs no round trip to the kernel either.
        self.section = w.ToggleButtons(options=SECTIONS, value=SECTIONS[0],
                                       style={"button_width": "auto"}, layout=w.Layout(margin="0 0 6px 0"))
        self.pages = w.Stack(pages, selected_index=0)
        w.jslink((self.section, "index"), (self.pages, "selected_index"))
        self.matrix_view.layout = w.Layout(max_width="440px", overflow="auto")
        # The controls beside the graph (below it on a narrow screen): on a projector (1280x720)
        # a click's redrawn graph is in view without scrolling.
        controls = w.VBox([self.section, self.pages, self.status], layout=w.Layout(flex="0 0 440px", width="440px"))
        self.graph.layout = w.Layout(flex="1 1 420px", min_width="0", width="auto")
        super().__init__(children=[controls, self.graph],
                         layout=w.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"))
        self._redraw(None)
        self._show_status()

    def __repr__(self) -> str:
        return f"Panel(lab={self.lab.name!r})"

    # -- the machinery of every action ------------------------------------------------------------
    def _act(self, action) -> bool:
        """Run one action: the CLI lines it ran, its message or the error's, then the redraw."""
        self.lab.last_command = None
        mark, notes = len(self.lab.history), len(self.lab.notices)
        path, self.verdict = None, None
        try:
            result = action()
            if isinstance(result, tuple):
                self.message, path = result
            else:
                self.message = result
            self.ok, self.error = True, None
            if isinstance(self.message, verdicts.Verdict):   # a probe: its own ✓ or ✗
                self.verdict = self.message
                self.ok, self.message = self.verdict.reachable, self.verdict.explained(mark=False)
        except ERRORS as e:
            self.ok, self.message, self.error = False, error_text(e), e
        except Exception as e:  # noqa: BLE001 -- a bug in labkit: a message in the panel, not a traceback
            self.ok, self.error = False, e
            what = str(e) if len(str(e)) <= 200 else str(e)[:190] + "..."
            self.message = f"labkit could not do this: an error inside labkit ({type(e).__name__}: {what}). Please report it."
        ran = self.lab.history[mark:]
        if not ran and self.lab.last_command:
            ran = [self.lab.last_command]    # refused by the engine: what it was asked
        self.command = ran
        self._redraw(path)
        said = self.lab.notices[notes:]      # the lab's notes: leftovers removed, engine back
        if said:
            self.message = "\n".join(said + ([self.message] if self.message else []))
        self._show_status()
        return self.ok

    def _redraw(self, path) -> None:
        try:
            self.topology = topo = self.lab.snapshot()
            d = build(topo, height=self.graph.height)
            if path is not None:
                highlight(d, path)
            self.graph.show(d)
        except ERRORS as e:
            if isinstance(e, EngineUnavailable) and isinstance(self.error, EngineUnavailable):
                note = "(the drawing shows the engine as it was when it last answered)"
            else:
                note = "cannot redraw: " + error_text(e)
                self.error = self.error or e
            self.ok = False
            self.message = (self.message + "\n" if self.message else "") + note
            return
        networks = sorted({n.name for n in topo.networks})
        containers = sorted({c.name for c in topo.containers})
        for field, options in ((self.network_name, networks), (self.link_network, networks),
                               (self.container_name, containers), (self.link_container, containers),
                               (self.probe_source, containers), (self.probe_target, containers)):
            if list(field.options) != options:
                field.options = options

    def _show_status(self) -> None:
        lines = "".join(f"<div><code>$ {html.escape(c)}</code></div>" for c in self.command)
        mark, color = ("&#10003;", "#2ca02c") if self.ok else ("&#10007;", "#d62728")
        message = html.escape(self.message).replace("\n", "<br>")
        self.status.value = (f'<div style="font-size:13px;line-height:1.5">{lines}'
                             + (f'<div style="color:{color}">{mark} {message}</div>' if self.message else "")
                             + "</div>")

    # -- the actions -----------------------------------------------------------------------------
    def _refresh(self) -> str:
        # Nothing to change: every action ends in a redraw from the engine's state (_act).
        return "drawn again from what the engine holds now"

    def _create_network(self) -> str:
        name = self.network_name.value.strip()
        net = self.lab.network(name, driver=self.network_driver.value,
                               subnet=self.network_subnet.value.strip() or None,
                               internal=self.network_internal.value, attachable=self.network_attachable.value)
        subnet = ", ".join(p.get("Subnet", "") for p in (net.attrs.get("IPAM") or {}).get("Config") or [])
        return f"network {name} ({net.attrs.get('Driver')}{', ' + subnet if subnet else ''})"

    def _remove_network(self) -> str:
        name = _name("network", self.network_name.value)
        self.lab.remove(model.Network(name, name, ""))
        return f"removed network {name}"

    def _run_container(self) -> str:
        name = self.container_name.value.strip()
        networks = [n for n in re.split(r"[,\s]+", self.container_networks.value.strip()) if n]
        ports = [p for p in re.split(r"[,\s]+", self.container_ports.value.strip()) if p]
        image = self.container_image.value.strip()
        c = self.lab.container(name, networks=networks or None, image=image,
                               command=self.container_command.value.strip() or None,
                               ports=ports or None, network_mode=self.container_mode.value or None)
        nets = ", ".join(f"{n} {s.get('IPAddress') or ''}".strip()
                         for n, s in (c.attrs.get("NetworkSettings") or {}).get("Networks", {}).items())
        return f"container {name} {c.attrs['State']['Status']} ({nets or 'no network'})"

    def _remove_container(self) -> str:
        name = _name("container", self.container_name.value)
        self.lab.remove(model.Container(name, name, "", "", ""))
        return f"removed container {name}"

    def _connect(self) -> str:
        c, n = _name("container", self.link_container.value), _name("network", self.link_network.value)
        done = self.lab.connect(c, n)
        return f"connected {c} to {n}" if done else f"{c} is already on {n}: nothing to do"

    def _disconnect(self) -> str:
        c, n = _name("container", self.link_container.value), _name("network", self.link_network.value)
        done = self.lab.disconnect(c, n)
        return f"disconnected {c} from {n}" if done else f"{c} is not on {n}: nothing to do"

    def _probe(self):
        """A probe's verdict (labkit.verdicts: ✓ or ✗, and the true reason), and the route drawn."""
        source = _name("container", self.probe_source.value, what="probe source")
        target = self.probe_target.value.strip()
        if not _is_address(target):
            _name("container", target, what="probe target")
        kind = self.probe_kind.value
        topo = self.lab.snapshot()
        known = {c.name for c in topo.containers}
        if source not in known:
            raise paths.UnknownContainer(source, f"there is no container named {source} to probe from",
                                         sorted(known))
        is_container = target in known
        if kind == "port":
            text = self.probe_port.value.strip()
            if not text:
                raise BadArgument("port to probe", text, "give a port number, like 80")
            probe = self.lab.port(source, target, text)
            listening = {"open": True, "closed": False}.get(probe.state)
            route = paths.route(topo, source, target, port=int(text), listening=listening) if is_container else None
            verdict = verdicts.of_port(source, target, text, probe.ok, probe.output, route)
        elif kind == "name":
            found = self.lab.resolve(source, target, timeout=1)
            route = None
            verdict = verdicts.of_lookup(source, target, found,
                                         paths.resolves(topo, source, target)[1] if is_container else "")
        else:
            probe = self.lab.ping(source, target)
            route = paths.route(topo, source, target, address=probe.address) if is_container else None
            shown = f"{target} ({probe.address})" if probe.address and probe.address != target else target
            verdict = verdicts.of_ping(source, shown, probe.ok, probe.output, route)
        return verdict, route

    def _reset(self) -> str:
        removed = self.lab.reset()
        parts = [f"{kind} {', '.join(names)}" for kind, names in removed.items() if names]
        return "removed " + "; ".join(parts) if parts else "nothing to remove: the lab is empty"

    def _matrix(self) -> str:
        m = matrix(self.lab)
        self.matrix_view.value = m._repr_html_()
        return f"reachability of {len(m.names)} containers ({len(m.cells)} pairs)"


def _name(kind: str, value: str, what: str | None = None) -> str:
    value = (value or "").strip()
    if not NAME.fullmatch(value):
        raise BadArgument(what or f"{kind} name", value, NAME_RULE)
    if len(value) > MAX_NAME:
        raise BadArgument(what or f"{kind} name", value, f"it is {len(value)} characters long: use at most {MAX_NAME}")
    return value


def _is_address(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def panel(lab: Lab, height: str = "440px") -> Panel:
    """The control panel of a lab (a widget: it does not display itself)."""
    if not isinstance(lab, Lab):
        raise BadArgument("lab", lab, "give a labkit.Lab, like labkit.panel(labkit.Lab('sim'))")
    return Panel(lab, height=height)


__all__ = ["GraphView", "Panel", "Progress", "view", "panel", "error_text"]
