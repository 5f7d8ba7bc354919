"""labkit: a Jupyter teaching lab kit for Docker networking.

    import labkit
    client = labkit.connect()        # the real engine when one answers, else labkit's simulator
    lab = labkit.Lab()               # short verbs over that client, for notebooks and widgets
"""
from .engines import Cluster, cluster, connect, is_simulated
from .errors import LabkitError

__all__ = ["connect", "cluster", "Cluster", "is_simulated", "LabkitError"]
__version__ = "0.1.0"

from . import model
from .lab import BadArgument, Differs, Lab, NotTheLabs, Probe

__all__ += ["Lab", "Probe", "BadArgument", "NotTheLabs", "Differs", "model"]

from . import paths
from .draw import draw
from .matrix import matrix
from .widgets import panel, view

__all__ += ["draw", "panel", "view", "matrix", "paths"]
