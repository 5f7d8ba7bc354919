"""labkit: a Jupyter teaching lab kit for Docker networking.

    import labkit
    client = labkit.connect()        # the real engine when one answers, else labkit's simulator
    lab = labkit.Lab()               # short verbs over that client, for notebooks and widgets
    labkit.draw(lab)                 # the topology as the engine holds it now
    labkit.panel(lab)                # a control panel that redraws after every action
    labkit.trace(lab, "web", "db")   # the walk of a packet, hop by hop
    labkit.predict("nb02.isolation", "Can a ping b?", ["yes", "no"])   # a prediction, then .reveal(...)
"""
from . import engines, model
from .engines import Cluster, connect, is_simulated
from .errors import LabkitError
from .lab import BadArgument, Differs, Lab, NotTheLabs, Probe
from .trace import TraceError
from .looking import draw, trace  # noqa: I001 (after .trace: the attribute `trace` is the face, not the module)

__version__ = "0.1.0"

from . import tracebacks as _tracebacks  # noqa: E402

_tracebacks.install()   # in a Jupyter kernel: Docker's and labkit's errors in a few lines (%tb: all)

# The faces that need pyvis and ipywidgets load on first use: `labkit` on the command line and
# the simulated engine start without them.
_LAZY = {"matrix": ("reachability", "matrix"), "panel": ("widgets", "panel"),
         "view": ("widgets", "view"), "paths": ("paths", None), "predict": ("predictions", "predict")}

__all__ = ["connect", "cluster", "Cluster", "is_simulated", "LabkitError", "Lab", "Probe", "BadArgument",
           "NotTheLabs", "Differs", "model", "draw", "trace", "TraceError", *_LAZY]


def cluster(hosts, engine: str | None = None, prefix: str = "lk", progress=None) -> Cluster:
    """Several hosts on one underlay (see labkit.engines.cluster). In a notebook the progress of
    starting them shows in a widget in the cell, by default (on either engine, so that the saved
    output is the same), which matters on real hosts: they take seconds each. progress: a
    callback instead (`print`, say); progress=False: none."""
    if progress is None and isinstance(hosts, int) and _in_notebook():
        n = engines.check_cluster_size(hosts)     # a bad size or engine says so before anything shows
        engines.engine_asked(engine)
        from IPython.display import display

        from .widgets import Progress
        progress = Progress(f"starting {n} host{'s' * (n > 1)}")
        display(progress)
    return engines.cluster(hosts, engine, prefix, progress=progress or None)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where a widget can show progress)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    import importlib
    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value

