"""Re-make the notebooks' stored outputs on the simulator (what nbval compares them with).

    python tests/regenerate_notebooks.py [notebooks/NN-name.ipynb ...]

Each notebook is executed top to bottom in a fresh python3 kernel with LABKIT_ENGINE=sim (so its
outputs come from a fresh simulated engine), without widget state (it would add hundreds of KB),
and saved without the execution timestamps nbconvert adds to every cell, and with a cell's
consecutive stream outputs joined (how prints are split into messages depends on timing; nbval
joins them before comparing, so joining keeps the stored files from changing for nothing), and
without the records checks leave in their outputs' metadata (labkit.checks.record: a notebook as
shipped carries no learner's results, so `labkit grade` reads an unrun copy as "not tried"). Any error stops it: a
notebook that fails is not written. Run it after a change to the simulator, the drawing or labkit
that shows in a notebook, then check the diff and run `./run.sh test`.
"""
from __future__ import annotations

import glob
import os
import sys

import nbformat
from nbclient import NotebookClient

from labkit.checks import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def regenerate(path: str) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ["LABKIT_ENGINE"] = "sim"
    NotebookClient(nb, kernel_name="python3", timeout=300, store_widget_state=False,
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = joined_streams(cell.outputs)
    record.strip(nb)
    nbformat.write(nb, path)
    print(f"{path}: {os.path.getsize(path):,} bytes")


def joined_streams(outputs: list) -> list:
    joined = []
    for out in outputs:
        last = joined[-1] if joined else None
        if (out.output_type == "stream" and last is not None and last.output_type == "stream"
                and last.name == out.name):
            last.text += out.text
        else:
            joined.append(out)
    return joined


def main(paths: list[str]) -> None:
    for path in paths or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))):
        regenerate(path)


if __name__ == "__main__":
    main(sys.argv[1:])
