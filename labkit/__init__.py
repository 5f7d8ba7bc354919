"""labkit: a Jupyter teaching lab kit for Docker networking.

    import labkit
    client = labkit.connect()        # the real engine when one answers, else labkit's simulator
    lab = labkit.Lab()               # short verbs over that client, for notebooks and widgets
    labkit.draw(lab)                 # the topology as the engine holds it now
    labkit.panel(lab)                # a control panel that redraws after every action
    labkit.trace(lab, "web", "db")   # the walk of a packet, hop by hop
"""
from . import model
from .engines import Cluster, cluster, connect, is_simulated
from .errors import LabkitError
from .lab import BadArgument, Differs, Lab, NotTheLabs, Probe

__version__ = "0.1.0"

# The faces that need pyvis and ipywidgets load on first use: `labkit` on the command line and
# the simulated engine start without them.
_LAZY = {"draw": ("drawing", "draw"), "matrix": ("reachability", "matrix"), "panel": ("widgets", "panel"),
         "view": ("widgets", "view"), "paths": ("paths", None), "trace": ("trace", None)}

__all__ = ["connect", "cluster", "Cluster", "is_simulated", "LabkitError", "Lab", "Probe", "BadArgument",
           "NotTheLabs", "Differs", "model", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    import importlib
    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value
