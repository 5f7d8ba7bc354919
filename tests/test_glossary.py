"""The glossary (notebooks/glossary.md): the words the notebooks use, each with its own entry, and its
numbers right to the byte (the sums it states add up, and agree with what labkit's walk and the
simulator use).
"""
from __future__ import annotations

import glob
import os
import re

import nbformat
import pytest

from labkit.trace import OVERLAY_MTU, VXLAN_PORT

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLOSSARY = os.path.join(ROOT, "notebooks", "glossary.md")
WORDS = ["veth", "Bridge", "NAT", "DNAT", "MASQUERADE", "VXLAN", "VNI", "MTU", "IPAM", "Embedded DNS", "Overlay",
         "Underlay", "Network namespace", "docker-proxy", "routing mesh", "DOCKER-USER", "Internal network",
         "Service VIP", "IPVS", "docker_gwbridge", "Encrypted overlay", "Published port", "Swarm ports", "conntrack"]


def text() -> str:
    with open(GLOSSARY, encoding="utf-8") as f:
        return f.read()


def headings() -> list[str]:
    return re.findall(r"^### (.+)$", text(), re.M)


@pytest.mark.parametrize("word", WORDS)
def test_every_word_has_its_entry(word):
    assert any(word.lower() in h.lower() for h in headings()), f"no entry for {word} in {GLOSSARY}"


def test_entries_are_in_alphabetical_order():
    keys = [re.sub(r"[^a-z0-9 ]", "", h.lower()) for h in headings()]
    assert keys == sorted(keys)


def flat() -> str:
    return re.sub(r"\s+", " ", text().replace("**", ""))


def test_the_vxlan_overhead_is_fifty_bytes_with_the_inner_ethernet_header():
    said = re.search(r"outer IPv4 (\d+) \+ UDP (\d+) \+ VXLAN (\d+) \+ the inner Ethernet header (\d+)", flat())
    assert said, "the glossary gives the 50 bytes part by part"
    parts = [int(x) for x in said.groups()]
    assert parts == [20, 8, 8, 14] and sum(parts) == 50
    assert "outer Ethernet header (14 more on the wire) does not count" in flat()
    assert f"1500 − {sum(parts)} for VXLAN" in flat() and 1500 - sum(parts) == OVERLAY_MTU
    assert f"UDP port {VXLAN_PORT}" in flat()


def test_ping_sizes_add_up():
    # ping -s N: N bytes of data + ICMP 8 + IPv4 20.
    found = re.findall(r"-s (\d+)` (?:makes )?exactly (\d+)", flat())
    assert found == [("1472", "1500"), ("1422", "1450")]
    assert all(int(n) + 8 + 20 == int(total) for n, total in found)


def test_esp_overhead_adds_up():
    said = re.search(r"ESP adds (\d+) bytes \(SPI (\d+) \+ sequence number (\d+) \+ IV (\d+) \+ pad length (\d+) "
                     r"\+ next header (\d+) \+ integrity check (\d+)\), so containers get MTU (\d+) \((\d+) − (\d+)\)",
                     flat())
    assert said
    total, *parts, mtu, base, minus = (int(x) for x in said.groups())
    assert sum(parts) == total == minus and base == OVERLAY_MTU and mtu == base - total and mtu % 4 == 0


def test_the_hub_copies_the_glossary_with_the_notebooks():
    from labkit import hub
    assert os.path.dirname(GLOSSARY) == os.path.abspath(hub.COURSE)


NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
LINK = re.compile(r"\(([^()]*), \.\.\.\) are in the \[glossary\]\(glossary\.md\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_every_notebook_links_the_glossary_with_words_it_has(path):
    markdown = " ".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                        if cell.cell_type == "markdown")
    found = LINK.search(re.sub(r"\s+", " ", markdown))
    assert found, f"{os.path.basename(path)} has no '(WORDS, ...) are in the [glossary](glossary.md)' line"
    titles = [h.lower() for h in headings()]
    missing = [w for w in found.group(1).split(", ")
               if not any(re.search(rf"\b{re.escape(w.lower())}\b", t) for t in titles)]
    assert not missing, f"{os.path.basename(path)} names words the glossary has no entry for: {missing}"


def test_notebooks_count_vxlans_fifty_bytes_as_the_glossary_does():
    """Where a notebook explains VXLAN's 50 bytes, it counts the inner Ethernet header and says the
    outer one, where it names it, is not counted (06 and 08 once summed the outer one)."""
    told = 0
    for path in NOTEBOOKS:
        text = re.sub(r"\s+", " ", " ".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                                            if cell.cell_type == "markdown").replace("**", ""))
        if "50 bytes" not in text:
            continue
        told += 1
        name = os.path.basename(path)
        assert re.search(r"inner\)? Ethernet", text), f"{name}: the 50 bytes include the INNER Ethernet header"
        if "outer Ethernet" in text:
            assert re.search(r"outer Ethernet[^.]*(does not count|not counted)", text), \
                f"{name}: say that the outer Ethernet header does not count against the underlay's MTU"
    assert told >= 2, "notebooks 06 and 08 explain the 50 bytes"
