"""The conformance normaliser (tests/conformance/harness.py): IDs become tokens wherever they stand.

The normaliser collects IDs from the observations read as JSON text, where a newline is the two
characters `\\n`; an ID at the start of a line (docker container prune's "Deleted Containers:",
docker node ls -q) once stayed unfound there and came out "<id?>". The golden files are the
normaliser's output, so none may hold such a token, and normalising one again changes nothing.
"""
from __future__ import annotations

import glob
import json
import os

import pytest

from tests.conformance import harness

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "conformance")
GOLDEN = sorted(glob.glob(os.path.join(FOLDER, "*.json")))
RUNNING = "3f" * 32
STOPPED1, STOPPED2 = "0a1b2c3d" * 8, "9e8d7c6b" * 8


def cli(stdout: str) -> dict:
    return {"exit": 0, "stdout": stdout, "stderr": ""}


def test_an_id_at_the_start_of_a_line_gets_a_token():
    observations = [["$ docker run -d --name running busybox sleep 600", cli(RUNNING + "\n")],
                     ["$ docker container prune -f",
                      cli(f"Deleted Containers:\n{STOPPED1}\n{STOPPED2}\n\nTotal reclaimed space: 0B\n")],
                     ["inspect stopped1", {"Id": STOPPED1}]]
    out = harness.normalise(observations)
    assert out[0][1]["stdout"] == "<id1>\n"
    assert out[1][1]["stdout"] == "Deleted Containers:\n<id2>\n<id3>\n\nTotal reclaimed space: 0B\n"
    assert out[2][1] == {"Id": "<id2>"}


def test_a_swarm_id_at_the_start_of_a_line_gets_a_token():
    nodes = ["k3x9q2m7v1b8n4c6z0w5r2t8y", "p7d1f4h9j2k6l3m8n5q0r7s4u"]
    out = harness.normalise([["$ docker node ls -q", cli("\n".join(nodes) + "\n")]])
    assert out[0][1]["stdout"] == "<sid1>\n<sid2>\n"


def test_a_backslash_before_n_is_no_line_start():
    # The text holds a backslash, then "n" and 64 hex digits: one 65-letter word, no ID. In JSON
    # it reads \\n... : the escape is the two backslashes, and the "n" still joins the digits.
    text = "C:\\n" + STOPPED1
    out = harness.normalise([["echo", text], ["id", RUNNING]])
    assert out == [["echo", text], ["id", "<id1>"]]


def test_the_same_id_keeps_its_token_on_a_line_of_its_own_and_inside_a_line():
    out = harness.normalise([["ps", cli(f"{RUNNING}\n")], ["logs", f"started {RUNNING} at once\n{RUNNING}\n"]])
    assert out == [["ps", cli("<id1>\n")], ["logs", "started <id1> at once\n<id1>\n"]]


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: os.path.basename(p)[:-5])
def test_golden_files_are_normalised_and_hold_no_unfound_id(path):
    with open(path) as f:
        text = f.read()
    assert "<id?>" not in text and "<sid?>" not in text, \
        f"{os.path.basename(path)} holds an ID the normaliser did not find: record the scenario again"
    for which, run in json.loads(text)["runs"].items():
        assert harness.normalise(run["observations"]) == run["observations"], \
            f"{os.path.basename(path)} ({which}) changes when normalised again: normalise it in place"
